"""The tagging rules hold their measured quality on the labelled set
(tests/data/tagging_labelled.jsonl; benchmarks/tagging_quality.py prints the tables):
precision at least 0.9 and recall at least 0.7, on the whole set and on the held-out
half the rules were never tuned on."""
from __future__ import annotations

import pytest

from benchmarks.tagging_quality import evaluate, load_labelled, suggested
from ingest import tagging

MIN_PRECISION, MIN_RECALL = 0.9, 0.7


@pytest.fixture(scope="module")
def rules():
    return tagging.load_rules()


@pytest.fixture(scope="module")
def items():
    return load_labelled()


def test_the_labelled_set_is_big_enough_and_split(items):
    assert len(items) >= 60
    assert len({i.id for i in items}) == len(items)
    assert sum(i.split == "held-out" for i in items) >= 30
    assert sum(i.split == "dev" for i in items) >= 30


@pytest.mark.parametrize("split", ["all", "held-out"])
@pytest.mark.parametrize("rule_set", ["overall", "themes", "conventions"])
def test_precision_and_recall_reach_the_targets(items, rules, split, rule_set):
    chosen = [i for i in items if split == "all" or i.split == split]
    counts = evaluate(chosen, rules)[rule_set]
    assert counts.precision >= MIN_PRECISION, (rule_set, split, counts)
    assert counts.recall >= MIN_RECALL, (rule_set, split, counts)


def test_peoples_and_languages_alone_do_not_suggest_racial_discrimination(items, rules):
    audience_only = [i for i in items if ("convention", "ICERD") not in i.wanted
                     and any(name in i.title + i.description
                             for name in ("Xơ Đăng", "Ba Na", "dân tộc thiểu số"))]
    assert len(audience_only) >= 15
    wrongly = [i.id for i in audience_only if ("convention", "ICERD") in suggested(i, rules)]
    assert wrongly == []


def test_equality_between_peoples_still_suggests_icerd(rules):
    found = tagging.suggest("Bình đẳng giữa các dân tộc trong tuyển dụng", "", "", rules)
    assert ("convention", "ICERD") in {(s.kind, s.code) for s in found}
