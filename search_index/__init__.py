"""Full-text search over the catalogue: the only package that imports Whoosh.

Public interface: :class:`SearchIndex` and the records it takes and returns; for search
on several machines, :mod:`search_index.publishing` (the writer) and
:mod:`search_index.following` (a reader) copy its generations through the object store.
"""
from search_index.index import SearchIndex
from search_index.records import (
    SEES_EVERYTHING, AccessFilter, DEFAULT_FACETS, FACET_FIELDS, FLAG_FIELDS, SORTS, CueHit, Hit, IndexedProduct, SearchQuery,
    SearchResult, TrackText,
)

__all__ = ["SearchIndex", "AccessFilter", "SEES_EVERYTHING", "IndexedProduct", "SearchQuery", "SearchResult", "Hit", "CueHit",
           "TrackText",
           "FACET_FIELDS", "FLAG_FIELDS", "DEFAULT_FACETS", "SORTS"]
