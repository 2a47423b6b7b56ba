"""Caption and transcript text in the index: what a document stores of its cues, and
the cue a hit points at ("tại 02:15").

The words of every track are indexed with the other text (``body``, ``exact``, ``seq``:
:func:`search_index.schema.to_document`), one field part per track, so words and
phrases are found as in any text. The document also stores the cues compactly
(:func:`encode_cues`); for the hits of a page, :func:`best_cue` finds the first cue
holding the most query words, compared folded as everywhere else. Only the hits shown
are looked at, with one regular-expression scan of each track's folded words (kept
folded in the document's ``cues`` column, so nothing is folded at query time).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

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


def best_cue(blob: bytes, terms: set[str]) -> CueHit | None:
    """The first cue holding the most distinct query ``terms`` (folded words), over the
    tracks of a document's ``cues`` column in order; None when no cue holds any."""
    if not terms or not blob:
        return None
    words = re.compile("(?<!\\S)(" + "|".join(
        re.escape(t) for t in sorted(terms, key=len, reverse=True)) + ")(?!\\S)")
    best: tuple[int, int, tuple] | None = None          # (found, cue, track)
    for track in decode_cues(blob):
        folded = track[5]
        ends = list(accumulate(len(line) + 1 for line in folded.split("\n")))
        found: dict[int, set[str]] = {}
        for match in words.finditer(folded):
            found.setdefault(bisect_right(ends, match.start()), set()).add(match.group(1))
        for cue in sorted(found):
            count = len(found[cue])
            if best is None or count > best[0]:
                best = (count, cue, track)
                if count == len(terms):
                    break
        if best is not None and best[0] == len(terms):
            break
    if best is None:
        return None
    _, cue, (file_id, track_id, kind, starts, texts, _) = best
    return CueHit(file_id, track_id, kind, starts[cue] / 1000, mark(texts[cue], terms))
