"""Caption and transcript text in the index: what a document stores of its cues, and
the cue a hit points at ("tại 02:15").

The words of every track are indexed with the other text (``body``, ``exact``, ``seq``:
:func:`search_index.schema.to_document`), one field part per track, so words and
phrases are found as in any text. The document also stores the cues compactly
(:func:`encode_cues`); for the hits of a page, :func:`best_cue` finds the first cue
holding the most query words, compared folded as everywhere else. Only the hits shown
are looked at, with byte searches for the query words over each track's folded words (kept
folded in the document's ``cues`` column, so nothing is folded or decoded at query time).
"""
from __future__ import annotations

import numpy as np

from search_index.analysis import folded_words
from search_index.highlight import mark
from search_index.records import CueHit, TrackText


def track_text(track: TrackText) -> str:
    """The words of a track as one text (cues in order, one per line)."""
    return "\n".join(text for _, text in track.cues)


def encode_cues(tracks: list[TrackText]) -> bytes:
    """What a document keeps of its tracks in its ``cues`` column (b"" without any),
    transcripts first (a hit said in both points at the transcript): per track a line
    ``file<TAB>track<TAB>kind<TAB>start,start,…`` (ms), then one line per cue with its
    text, then one per cue with its folded words. A column, not the stored document:
    plain UTF-8 is read back in microseconds, where the pickled, compressed stored
    fields of a 1,500-word transcript took a third of a millisecond per hit."""
    ordered = sorted((t for t in tracks if t.cues),
                     key=lambda t: (t.kind != "transcript", t.file_id, t.track_id))
    lines: list[str] = []
    for t in ordered:
        texts = [" ".join(text.split()) for _, text in t.cues]
        lines.append(f"{t.file_id}\t{t.track_id}\t{t.kind}\t"
                     + ",".join(str(int(start)) for start, _ in t.cues))
        lines += texts
        lines += [" ".join(folded_words(text)) for text in texts]
    return "\n".join(lines).encode("utf-8")


def decode_cues(blob: bytes) -> list[tuple[int, int, str, list[int], list[str], str]]:
    """The tracks of :func:`encode_cues`: ``(file, track, kind, starts, texts, folded)``
    with ``folded`` the folded words of the cues, one cue per line."""
    if not blob:
        return []
    lines = blob.decode("utf-8").split("\n")
    out, at = [], 0
    while at < len(lines):
        file_id, track_id, kind, starts = lines[at].split("\t")
        count = starts.count(",") + 1
        texts = lines[at + 1:at + 1 + count]
        folded = "\n".join(lines[at + 1 + count:at + 1 + 2 * count])
        out.append((int(file_id), int(track_id), kind, [int(v) for v in starts.split(",")],
                    texts, folded))
        at += 1 + 2 * count
    return out


def _best_in_track(folded: bytes, terms: list[bytes]) -> tuple[int, int] | None:
    """``(how many terms, cue number)`` of the first cue holding the most of ``terms``
    in the folded words of one track (UTF-8, one cue per line, words separated by one
    space), None when it holds none. Each term is looked for as `` term `` with
    ``bytes.find`` over the track with its line breaks made spaces (the words are folded
    words, no spaces inside, so every find is a whole word), and its places become cue
    numbers by the line breaks before them (numpy, for all places at once): about
    0.1 ms for a 1,500-word transcript, where counting line breaks place by place took
    twice that for common words."""
    flat = b" " + folded.replace(b"\n", b" ") + b" "
    breaks = None
    cues = []
    for term in terms:
        needle = b" " + term + b" "
        at = flat.find(needle)
        places = []
        while at >= 0:   # ``at`` is where the word starts in ``folded`` (flat has one byte more)
            places.append(at)
            at = flat.find(needle, at + len(needle) - 1)   # its trailing space may lead the next
        if places:
            if breaks is None:
                breaks = np.flatnonzero(np.frombuffer(folded, dtype=np.uint8) == 0x0A)
            cues.append(np.unique(np.searchsorted(breaks, places)))
    if not cues:
        return None
    held = np.bincount(np.concatenate(cues))
    cue = int(np.argmax(held))                        # the first of the most
    return int(held[cue]), cue


def best_cue(blob: bytes, terms: set[str]) -> CueHit | None:
    """The first cue holding the most distinct query ``terms`` (folded words), over the
    tracks of a document's ``cues`` column in order; None when no cue holds any. Only
    the cue found is decoded."""
    if not blob or not terms:
        return None
    wanted = [t.encode("utf-8") for t in terms if t]     # folded words: no spaces inside
    lines = blob.split(b"\n")
    best: tuple[int, int, int] | None = None          # (found, cue, line of its track)
    at = 0
    while at < len(lines):
        count = lines[at].count(b",") + 1
        found = _best_in_track(b"\n".join(lines[at + 1 + count:at + 1 + 2 * count]), wanted)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], found[1], at)
            if best[0] == len(wanted):
                break
        at += 1 + 2 * count
    if best is None:
        return None
    _, cue, at = best
    file_id, track_id, kind, starts = lines[at].decode("utf-8").split("\t")
    return CueHit(int(file_id), int(track_id), kind, int(starts.split(",")[cue]) / 1000,
                  mark(lines[at + 1 + cue].decode("utf-8"), terms))
