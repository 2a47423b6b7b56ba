"""A fold that starts over (grouped SQL, :mod:`app.services.stats.rebuild`) writes
exactly the rows the per-product fold writes (issue 27): the same ``stats_facts`` and
``stats_cells`` with their year sums, row for row, on a random catalogue with undated products, confirmed
repeats and a merged commune. Runs on SQLite here and on PostgreSQL in
tests/integration/test_stats_summary_postgres.py."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import delete, func, select

from app.services.stats import rebuild as rebuild_module
from app.services.stats import summary
from archive.models import Product, Unit
from archive.stats import StatsCell, StatsDirty, StatsFact, StatsState, StatsYearCell
from tests.unit.services.stats.test_summary import _vocab, _write


def _rows(kho) -> tuple[list, list, list]:
    with kho.transaction() as s:
        cells = sorted(tuple(r) for r in s.execute(select(StatsCell.__table__)))
        facts = sorted(tuple(r) for r in s.execute(select(StatsFact.__table__)))
        years = sorted(tuple(r) for r in s.execute(select(StatsYearCell.__table__)))
    return cells, facts, years


def _mark_everything(kho) -> None:
    with kho.transaction() as s:
        s.execute(delete(StatsCell))
        s.execute(delete(StatsYearCell))
        s.execute(delete(StatsFact))
        s.add_all([StatsDirty(product_id=i) for i in s.scalars(select(Product.id))])


def _catalogue(kho, seed: int) -> None:
    rng, v = random.Random(seed), _vocab(kho)
    for n in range(90):
        _write(kho, rng, v, n)
    with kho.transaction() as s:        # a commune merged: rolled-up cells differ
        a, b = (s.get(Unit, i) for i in v["communes"][:2])
        a.valid_to, a.successor_id = date(2025, 6, 30), b.id


def test_a_rebuild_writes_the_rows_of_the_per_product_fold(kho, monkeypatch):
    _catalogue(kho, 11)
    summary.fold(kho)
    monkeypatch.setattr(summary, "REBUILD_SHARE", float("inf"))    # one by one
    _mark_everything(kho)
    summary.fold(kho)
    by_product = _rows(kho)
    assert by_product[0] and by_product[1] and by_product[2]
    assert any(f[7] == 0 for f in by_product[1]), "no confirmed repeat in the catalogue"
    with kho.transaction() as s:        # as after a changed vocabulary: start over
        s.get(StatsState, 1).catalogue = ""
    calls = []
    real = rebuild_module.rebuild
    monkeypatch.setattr(summary, "rebuild", lambda *a: calls.append(1) or real(*a))
    summary.fold(kho)
    assert calls == [1]
    assert _rows(kho) == by_product
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(StatsDirty)) == 0


def test_a_backlog_of_most_of_the_catalogue_is_counted_over(kho, monkeypatch):
    """More than a batch marked and at least REBUILD_SHARE of the catalogue: the fold
    counts everything over instead of folding product by product — same rows; a
    request's fold (no start over) never does."""
    _catalogue(kho, 12)
    summary.fold(kho)
    expected = _rows(kho)
    monkeypatch.setattr(summary, "BATCH", 5)
    calls = []
    real = rebuild_module.rebuild
    monkeypatch.setattr(summary, "rebuild", lambda *a: calls.append(1) or real(*a))
    _mark_everything(kho)
    assert summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False) is not None
    assert calls == []
    _mark_everything(kho)
    summary.fold(kho, budget=20)
    assert calls == [1]
    assert _rows(kho) == expected
