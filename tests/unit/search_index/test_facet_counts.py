"""Facet counts of a segment (the numbers beside each value of a search's facets): the
sum per value's group equals counting the matched documents of each value one by one,
for multi-valued facets, values no matched document holds and values with no document."""
from __future__ import annotations

import random

import numpy as np

from search_index.segments import FacetOrdinals


def test_counts_equal_counting_each_value_by_hand():
    rng = random.Random(5)
    for _ in range(200):
        doccount = rng.randint(1, 300)
        values = [f"xã {i}" for i in range(rng.randint(1, 12))]
        holders = {v: sorted(rng.sample(range(doccount), rng.randint(0, min(doccount, 40))))
                   for v in values}                          # some values hold no document
        docs = np.array([d for v in values for d in holders[v]], dtype=np.int64)
        ords = np.array([i for i, v in enumerate(values) for _ in holders[v]], dtype=np.int64)
        matched = np.array([rng.random() < 0.4 for _ in range(doccount)], dtype=bool)
        expected = {v: sum(1 for d in holders[v] if matched[d]) for v in values}
        assert FacetOrdinals(values, docs, ords).counts(matched) == \
            {v: c for v, c in expected.items() if c}


def test_a_facet_without_values_counts_nothing():
    empty = np.zeros(0, dtype=np.int64)
    assert FacetOrdinals([], empty, empty).counts(np.ones(5, dtype=bool)) == {}
    assert FacetOrdinals(["Ba Na"], empty, empty).counts(np.ones(5, dtype=bool)) == {}
