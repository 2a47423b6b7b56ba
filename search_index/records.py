"""Plain records exchanged with the search index (no Whoosh types leak out)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Facet fields, in the order the UI shows them. Values are opaque strings
# (codes or names chosen by the caller); year and the three flags are turned
# into strings ("2024", "true"/"false").
FACET_FIELDS: tuple[str, ...] = (
    "kind", "languages", "themes", "conventions", "plan_task", "lead_unit",
    "communes", "channels", "year", "status", "digital_platform", "ethnic_language",
    "broadcast_copy", "has_captions", "has_transcript",
)
FLAG_FIELDS: tuple[str, ...] = ("digital_platform", "ethnic_language", "broadcast_copy",
                                "has_captions", "has_transcript")
DEFAULT_FACETS: tuple[str, ...] = ("kind", "languages", "communes", "themes", "year")
SORTS: tuple[str, ...] = ("relevance", "newest", "title")
PUBLIC_TOKENS: tuple[str, ...] = ("level:public",)
SIGNED_IN_TOKENS: frozenset[str] = frozenset({"level:public", "level:internal"})


@dataclass(frozen=True)
class AccessFilter:
    """Which documents a reader may find: the application's one access rule as the
    index applies it (built by ``app.services.access.visibility.index_filter``; the
    index never decides who sees what, it only evaluates this).

    A document is visible when ``everything``, or its owner unit is in ``owned``, or
    its id is in ``granted``, or (one of its access tokens is in ``tokens`` and its
    embargo day is ``<= today``). Days are ``YYYYMMDD`` integers, so an embargo opens
    on its day with nothing reindexed: the date is compared at query time. The
    default is a signed-in account with no unit, no grant, on no particular day:
    open levels only, nothing embargoed."""

    everything: bool = False
    tokens: frozenset[str] = SIGNED_IN_TOKENS
    owned: frozenset[int] = frozenset()
    granted: frozenset[int] = frozenset()
    today: int = 0


SEES_EVERYTHING = AccessFilter(everything=True)


@dataclass
class TrackText:
    """The timed text of one caption or transcript track: ``cues`` are (start in
    milliseconds, text) in time order."""

    file_id: int
    track_id: int
    kind: str                                   # captions | transcript
    cues: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class IndexedProduct:
    """What the index knows about one catalogue product."""

    id: int
    title: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    text: str = ""  # extracted or OCR text
    filenames: list[str] = field(default_factory=list)
    kind: str = ""
    languages: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    conventions: list[str] = field(default_factory=list)
    plan_task: str = ""
    lead_unit: str = ""
    communes: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    year: int | None = None
    produced_on: date | None = None
    status: str = "draft"
    digital_platform: bool = False
    ethnic_language: bool = False
    # who may find it (see AccessFilter): the access tokens of its level and audience
    # (app.services.access.visibility.index_tokens; none for closed), its owning unit's
    # id and its embargo day as YYYYMMDD (0: none)
    access_tokens: list[str] = field(default_factory=lambda: list(PUBLIC_TOKENS))
    owner_unit_id: int | None = None
    embargo_day: int = 0
    updated_at: datetime | None = None
    broadcast_copy: bool = False  # a file of it has a broadcast MP3 rendition
    has_files: bool = False       # False with status "draft": a file-less draft
    tracks: list[TrackText] = field(default_factory=list)   # caption and transcript text

    @property
    def has_captions(self) -> bool:
        return any(t.kind == "captions" for t in self.tracks)

    @property
    def has_transcript(self) -> bool:
        return any(t.kind == "transcript" for t in self.tracks)

    @property
    def fileless_draft(self) -> bool:
        """A draft nobody has given a file yet: nothing to air or read."""
        return self.status == "draft" and not self.has_files


@dataclass
class SearchQuery:
    """One search request.

    ``text``: words (all must match, with or without diacritics) and quoted
    phrases. ``filters``: facet field -> allowed values (OR within a field, AND
    across fields). Dates are inclusive and apply to ``produced_on``.
    ``page`` counts from 1. Sorts: ``relevance`` (best BM25F first; with no
    words, the same as ``newest``), ``newest`` (``produced_on`` descending,
    undated last), ``title`` (Vietnamese alphabetical order).
    """

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"  # relevance | newest | title
    page: int = 1
    per_page: int = 20
    # who is asking (see AccessFilter); applies to hits, totals and facet counts alike
    access: AccessFilter = field(default_factory=AccessFilter)
    # False for readers who only pick what to air (commune staff): file-less drafts
    # are left out of hits, totals and facet counts
    include_fileless_drafts: bool = True
    facets: list[str] = field(default_factory=lambda: list(DEFAULT_FACETS))
    # products left out whatever their index entry says: the catalogue knows better
    # until the index catches up (made less visible or deleted a moment ago)
    exclude_ids: frozenset[int] = frozenset()


@dataclass
class CueHit:
    """Where a hit's words are said: the first cue of a caption or transcript track
    holding the most query words. ``start_s`` in seconds; ``html`` is the cue's text,
    HTML-escaped, matches in <mark>."""

    file_id: int
    track_id: int
    kind: str
    start_s: float
    html: str


@dataclass
class Hit:
    """One result. ``snippet`` is HTML-safe; matches are wrapped in <mark>."""

    id: int
    score: float
    title: str
    snippet: str
    kind: str
    languages: list[str]
    year: int | None
    status: str = ""
    produced_on: date | None = None
    title_html: str = ""  # the title, HTML-escaped, matches in <mark>
    cue: CueHit | None = None  # the words are said in a caption or transcript track


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int
