"""Locks of the summary rows that only PostgreSQL has (SQLite has one writer at a time
and waits for it): writers of usage cells never deadlock, and a request does not wait
for a long fold."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select

from app.services.stats import summary
from archive.models import Broadcast
from archive.stats import StatsUsageCell
from tests.unit.services.stats.test_summary_review import _communes, _product


def test_usage_cells_written_in_opposite_orders_do_not_deadlock(kho):
    """Transaction one logs airings in communes A then B, transaction two B then A, at
    once: before 0025 each held one cell's row lock and waited for the other's
    (PostgreSQL aborted one: deadlock detected); now the second waits for the first."""
    a, b = _communes(kho)
    with kho.transaction() as s:
        product, _ = _product(s, "race")
    first_wrote, second_wrote = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def air(s, commune: int, slot: str) -> None:
        s.add(Broadcast(product_id=product, commune_id=commune, aired_on=date(2025, 3, 5),
                        slot=slot))
        s.flush()

    def one() -> None:
        try:
            with kho.transaction() as s:
                air(s, a, "1a")
                first_wrote.set()
                second_wrote.wait(2)     # never set while two waits for the lock
                air(s, b, "1b")
        except BaseException as exc:
            errors.append(exc)

    def two() -> None:
        try:
            first_wrote.wait(10)
            with kho.transaction() as s:
                air(s, b, "2b")
                second_wrote.set()
                air(s, a, "2a")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with kho.transaction() as s:
        cells = {(c.commune_id, c.count) for c in s.scalars(
            select(StatsUsageCell).where(StatsUsageCell.kind == 0))}
    assert cells == {(a, 2), (b, 2)}


def test_a_request_does_not_wait_for_a_long_fold(kho, monkeypatch):
    """A fold that starts over holds the state row's lock for the whole count; on
    PostgreSQL a request's fold gives up after REQUEST_LOCK_WAIT and reports None (the
    request then counts, exactly) instead of waiting for it."""
    from app.services.common.row_lock import lock_row
    from archive.stats import StatsState

    monkeypatch.setattr(summary, "REQUEST_LOCK_WAIT", "100ms")
    with kho.transaction() as s:
        _product(s, "waiting")              # a mark: the request must fold
    held, release = threading.Event(), threading.Event()

    def long_fold() -> None:
        with kho.transaction() as s:
            lock_row(s, StatsState, 1)
            held.set()
            release.wait(30)
    holder = threading.Thread(target=long_fold)
    holder.start()
    try:
        held.wait(10)
        assert summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False) is None
    finally:
        release.set()
        holder.join(30)
    assert summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False) is not None
