"""Whoosh schema and the conversion of an IndexedProduct into a document.

Search fields (all fed with token lists from :mod:`search_index.analysis`):

* ``title`` - folded title words, frequencies only, boosted (TITLE_BOOST);
* ``body`` - folded words of description, tags, extracted text, filenames and the
  text of caption and transcript tracks (one part per track);
* ``exact`` - exact (accented, lower-case) words of all of the above that
  carry a mark, đ or an apostrophe; a query word typed that way also scores
  here, so exact matches rank first;
* ``seq`` (column) - the folded words of every text field in order, as
  64-bit word hashes (0 between fields): quoted phrases are matched over it
  with numpy, and the documents a phrase leaves are scored from it
  (:mod:`search_index.phrases`). There are no positional postings or word-pair
  terms: they were three quarters of the postings and of the build time;
* ``order`` (column) - the positions of ``seq`` sorted by word hash (2 bytes a word):
  a phrase's word is found in the documents holding all its words by binary search
  (:mod:`search_index.word_order`), at a cost that follows those documents' number;
* ``seqtop`` (column) - the top byte of each hash of ``seq``: a phrase's scan of the
  whole segment compares these first, an eighth of the bytes (:mod:`search_index.segments`);
* ``xseq`` (column) - hashes of the ``exact`` tokens, for the same scoring;
* ``cues`` (column) - the cues of the caption and transcript tracks, with their times
  and folded words, for the moment a hit's words are said (:mod:`search_index.cues`).

Who may find a document: ``access`` holds its access tokens (untokenised, like a facet
field; none for a closed product), the ``owner`` column its owning unit's id and the
``embargo`` column its embargo day (``YYYYMMDD``, 0 for none); a query's
:class:`search_index.records.AccessFilter` is evaluated over them in
:mod:`search_index.evaluate`.

Facet fields are indexed untokenised (one term per value) so their postings
give each segment's value ordinals; per-document numbers live in columns.
"""
from __future__ import annotations

import struct
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import numpy as np
from whoosh import columns, fields
from whoosh.system import pack_uint

from archive.text import normalize_filename, normalize_text, sort_key
from search_index.analysis import (
    FIELD_GAP, exact_analyzer, exact_words, folded_analyzer, folded_form, folded_words, word_hash,
)
from search_index.cues import encode_cues, track_text
from search_index.records import FACET_FIELDS, IndexedProduct
from search_index.sequences import fingerprints
from search_index.word_order import word_order

TITLE_BOOST = 3.0
SCORED_FIELDS = ("title", "body", "exact")
NO_DATE = -(2 ** 31)
NO_OWNER = -1
_EPOCH = datetime(1970, 1, 1)
_FREQ_BYTES = [pack_uint(n) for n in range(256)]   # a posting's encoded frequency


def _counted(field, value) -> list[tuple[bytes, int, float, bytes]]:
    """Whoosh's (term bytes, frequency, weight, encoded frequency) for a list of terms.

    What ``Frequency.word_values`` makes of a token list, counted by
    ``Counter`` instead of one Token object per word (a third of the build).
    """
    boost = field.format.field_boost
    return [(term.encode("utf-8"), freq, freq * boost,
             _FREQ_BYTES[freq] if freq < 256 else pack_uint(freq))
            for term, freq in Counter(value).items()]


class WordsField(fields.TEXT):
    """Text field fed with the word list :func:`to_document` made (frequencies, no positions)."""

    def index(self, value, **kwargs):
        if isinstance(value, list):
            return _counted(self, value)
        return super().index(value, **kwargs)


class ValuesField(fields.KEYWORD):
    """Facet field fed with a list of values, one term each."""

    def index(self, value, **kwargs):
        if isinstance(value, list):
            return _counted(self, value)
        return super().index(value, **kwargs)


def _facet_field() -> ValuesField:
    # scorable only so Whoosh writes a length column: for fields without one its
    # writer checks the file system once per posting, which dominated indexing
    return ValuesField(stored=False, lowercase=False, commas=False, scorable=True)


def build_schema() -> fields.Schema:
    """The index schema; changing it requires ``kho reindex``.

    Its field names are the index's format marker (:meth:`SearchIndex.is_current`):
    a change in what a field or column holds must come with a new name, so an index
    of the old format is refused (and rebuilt) rather than misread."""
    fold_ana, exact_ana = folded_analyzer(), exact_analyzer()
    spec = {
        "id": fields.ID(stored=True, unique=True),
        "title": WordsField(analyzer=fold_ana, phrase=False, field_boost=TITLE_BOOST),
        "body": WordsField(analyzer=fold_ana, phrase=False),
        "exact": WordsField(analyzer=exact_ana, phrase=False),
        "access": _facet_field(),          # access tokens (records.AccessFilter)
        "fileless_draft": _facet_field(),
        "doc": fields.STORED(),
        "pid": fields.COLUMN(columns.NumericColumn("q", default=-1)),
        "produced": fields.COLUMN(columns.NumericColumn("i", default=NO_DATE)),
        "updated": fields.COLUMN(columns.NumericColumn("q", default=-1)),
        "owner": fields.COLUMN(columns.NumericColumn("q", default=NO_OWNER)),
        "embargo": fields.COLUMN(columns.NumericColumn("i", default=0)),   # YYYYMMDD, 0 none
        "title_key": fields.COLUMN(columns.VarBytesColumn()),
        "seq": fields.COLUMN(columns.VarBytesColumn()),
        "order": fields.COLUMN(columns.VarBytesColumn()),  # search_index.word_order
        "seqtop": fields.COLUMN(columns.VarBytesColumn()),  # segments.fingerprints
        "xseq": fields.COLUMN(columns.VarBytesColumn()),
        "cues": fields.COLUMN(columns.VarBytesColumn()),   # search_index.cues
    }
    spec.update({name: _facet_field() for name in FACET_FIELDS})
    return fields.Schema(**spec)


def marked_words(text: str) -> list[str]:
    """Exact forms of the words that differ from their folded form.

    Only those are ever looked up in ``exact`` (a query word without marks
    has no exact clause), so plain words are left out of that field.
    """
    if text.isascii() and "'" not in text and "`" not in text:
        return []  # lower-case ASCII folds to itself (only ` and ' change): none differs
    return [w for w in exact_words(text) if w != folded_form(w)]


def title_sort_bytes(title: str) -> bytes:
    """Byte string whose byte order is archive.text.sort_key order (first 40 letters)."""
    primary, tones, cases, text = sort_key(title)
    out = bytearray()
    for level in (primary[:40], tones[:40], cases[:40]):
        for weight in level:
            out += struct.pack(">H", min(weight + 1, 0xFFFF))
        out += b"\x00\x00"
    out += text[:40].encode("utf-8")
    return bytes(out) + b"\x01"


def facet_values(p: IndexedProduct) -> dict[str, list[str]]:
    """Facet field -> list of string values for one product."""
    def listed(v: str) -> list[str]:
        return [v] if v else []

    return {
        "kind": listed(p.kind), "languages": list(p.languages), "themes": list(p.themes),
        "conventions": list(p.conventions), "plan_task": listed(p.plan_task),
        "lead_unit": listed(p.lead_unit), "communes": list(p.communes),
        "channels": list(p.channels),
        "year": [str(p.year)] if p.year is not None else [],
        "status": listed(p.status),
        "digital_platform": ["true" if p.digital_platform else "false"],
        "ethnic_language": ["true" if p.ethnic_language else "false"],
        "broadcast_copy": ["true" if p.broadcast_copy else "false"],
        "has_captions": ["true" if p.has_captions else "false"],
        "has_transcript": ["true" if p.has_transcript else "false"],
    }


def _day_number(d: date | None) -> int:
    return d.toordinal() if d else NO_DATE


def _micros(t: datetime | None) -> int:
    """Microseconds since 1970 UTC; naive datetimes are taken as UTC."""
    if t is None:
        return -1
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def micros_to_datetime(v: int) -> datetime | None:
    """Inverse of the ``updated`` column encoding: a naive UTC datetime."""
    if v < 0:
        return None
    return _EPOCH + timedelta(microseconds=int(v))


def _hashes(words: list[str]) -> np.ndarray:
    return np.fromiter(map(word_hash, words), dtype="<u8", count=len(words))


def to_document(p: IndexedProduct) -> dict:
    """Whoosh document for one product (text normalised here, once)."""
    title = normalize_text(p.title or "")
    description, text = normalize_text(p.description or ""), normalize_text(p.text or "")
    tags = [normalize_text(t) for t in p.tags]
    spoken = [normalize_text(track_text(t)) for t in p.tracks]      # captions, transcripts
    body_parts = [b for b in (description, *tags, text, *(normalize_filename(f) for f in p.filenames),
                              *spoken) if b]
    title_words = folded_words(title)
    sequence: list[str] = list(title_words)
    body: list[str] = []
    for part in body_parts:
        words = folded_words(part)
        body.extend(words)
        sequence.append(FIELD_GAP)
        sequence.extend(words)
    exact = [w for part in (title, *body_parts) for w in marked_words(part)]
    hashes = _hashes(sequence)
    doc = {
        "id": str(p.id), "pid": int(p.id),
        "title": title_words, "body": body, "exact": exact,
        "owner": NO_OWNER if p.owner_unit_id is None else int(p.owner_unit_id),
        "embargo": int(p.embargo_day),
        "fileless_draft": ["1" if p.fileless_draft else "0"],
        "produced": _day_number(p.produced_on), "updated": _micros(p.updated_at),
        "title_key": title_sort_bytes(title),
        "seq": hashes.tobytes(), "order": word_order(hashes), "seqtop": fingerprints(hashes), "xseq": _hashes(exact).tobytes(),
        "doc": {
            "title": title, "description": description, "text": text, "tags": tags,
            "kind": p.kind, "languages": list(p.languages), "year": p.year,
            "status": p.status, "produced_on": p.produced_on.isoformat() if p.produced_on else None,
        },
    }
    if p.access_tokens:       # a closed product has none: only its owner, grants and admins
        doc["access"] = sorted(set(p.access_tokens))
    if p.tracks:
        doc["cues"] = encode_cues(p.tracks)
    for name, values in facet_values(p).items():
        if values:
            doc[name] = values
    return doc
