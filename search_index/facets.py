"""Facet counts over the current matches, from cached per-segment ordinals."""
from __future__ import annotations

from search_index.evaluate import SegmentMatch
from search_index.records import FACET_FIELDS


def count_facets(matches: list[SegmentMatch], names: list[str]) -> dict[str, dict[str, int]]:
    """Facet field -> {value: matched doc count}, most frequent first.

    Unknown facet names are ignored. Values with no matched document are
    left out. Ties are ordered by value so the output is deterministic.
    """
    out: dict[str, dict[str, int]] = {}
    for name in names:
        if name not in FACET_FIELDS:
            continue
        totals: dict[str, int] = {}
        for m in matches:
            for value, count in m.data.facet(m.reader, name).counts(m.mask).items():
                totals[value] = totals.get(value, 0) + count
        out[name] = dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
    return out
