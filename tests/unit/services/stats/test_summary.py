"""The summary cells give the same figures as counting every product, whatever
happened to the catalogue and however many wrote at once (issue 27, part 1).

A seeded random mix of writes — airings logged and withdrawn, downloads, new products, edits of date, lead unit, kind and task,
languages, channels, themes and communes, files finishing or failing, publications,
near-duplicate answers, deletions, a language re-flagged, a commune merged — each
followed (or, in the parallel test, raced) by requests: the figures of every scope the
cells answer equal a full recount of the products (:func:`products_part` with
``recount``). Runs on SQLite here and on PostgreSQL in tests/integration.
"""
from __future__ import annotations

import random
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.services.common.row_lock import lock_row
from app.services.access.actors import Actor
from app.services.stats import breakdowns, cell_sums, summary
from app.services.stats.figures import Scope
from app.services.stats.next_steps import next_steps
from archive.harvests import Publication
from archive.likeness import NearDuplicate
from archive.models import Broadcast, File, Product, Term, Unit
from archive.usage import DownloadRecord
from archive.stats import StatsCell, StatsDirty, StatsYearCell

SCOPES = [Scope(), Scope(rollup=False),
          Scope(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)),
          Scope(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), rollup=False),
          Scope(date_from=date(2025, 7, 1), date_to=date(2025, 7, 31)),
          Scope(date_from=date(2025, 3, 1)),
          # whole years read the year sums, whatever their number or open end
          Scope(date_from=date(2024, 1, 1), date_to=date(2025, 12, 31)),
          Scope(date_to=date(2024, 12, 31), rollup=False)]
STATUSES = ("ready", "ready", "failed", "queued")
OFFICE = Actor(None, "vanphong", "office")


def _vocab(kho) -> dict:
    with kho.transaction() as s:
        terms = {}
        for t in s.scalars(select(Term)):
            terms.setdefault(t.vocabulary, []).append(t.id)
        units = [u.id for u in s.scalars(select(Unit))]
        communes = [u.id for u in s.scalars(select(Unit).where(Unit.level == "commune"))]
    return {"terms": terms, "units": units, "communes": communes}


def _some(rng: random.Random, ids: list[int], most: int) -> list[int]:
    return rng.sample(ids, rng.randint(0, min(most, len(ids))))


def _new_product(s, rng, v, n: int) -> None:
    day = rng.choice([None, date(rng.randint(2023, 2026), rng.randint(1, 12),
                                 rng.randint(1, 28))])
    created = datetime(2025, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                       tzinfo=timezone.utc)
    p = Product(title=f"Sản phẩm {n}", produced_on=day, created_at=created,
                updated_at=created, status="ready",
                kind_id=rng.choice([None] + v["terms"]["kind"]),
                plan_task_id=rng.choice([None] + v["terms"].get("plan_task", [])),
                lead_unit_id=rng.choice([None] + v["units"]))
    s.add(p)
    s.flush()
    _set_terms(s, rng, v, p)
    for k in range(rng.randint(0, 2)):
        s.add(File(product_id=p.id, sha256=f"{n}-{k}".ljust(64, "0"), size=1,
                   original_filename=f"{n}-{k}.mp3", storage_key=f"o/{n}/{k}",
                   status=rng.choice(STATUSES)))


def _set_terms(s, rng, v, p) -> None:
    chosen = [s.get(Term, i) for vocab in ("language", "channel", "theme")
              for i in _some(rng, v["terms"].get(vocab, []), 2)]
    p.terms = chosen
    p.communes = [s.get(Unit, i) for i in _some(rng, v["communes"], 3)]


def _write(kho, rng: random.Random, v: dict, n: int) -> None:
    """One random change of the catalogue (its own transaction)."""
    with kho.transaction() as s:
        ids = list(s.scalars(select(Product.id)))
        what = rng.random()
        if not ids or what < 0.3:
            _new_product(s, rng, v, n)
            return
        chosen = rng.choice(ids)
        lock_row(s, Product, chosen)           # as every editing service does
        p = s.get(Product, chosen)
        if p is None:
            return
        if what < 0.45:
            p.produced_on = rng.choice([None, date(rng.randint(2023, 2026), rng.randint(1, 12), 1)])
            p.lead_unit_id = rng.choice([None] + v["units"])
            p.kind_id = rng.choice([None] + v["terms"]["kind"])
        elif what < 0.6:
            _set_terms(s, rng, v, p)
        elif what < 0.72:
            files = list(s.scalars(select(File).where(File.product_id == p.id)))
            if files:
                rng.choice(files).status = rng.choice(STATUSES)
        elif what < 0.82:
            pub = s.get(Publication, p.id)
            at = p.updated_at + timedelta(seconds=rng.choice([-60, 0, 60]))
            if pub is None:
                s.add(Publication(product_id=p.id, version_at=at, via="oai"))
            else:
                pub.version_at = at
        elif what < 0.92:
            files = list(s.scalars(select(File.id).where(File.product_id != p.id).limit(50)))
            mine = s.scalar(select(File.id).where(File.product_id == p.id).limit(1))
            if files and mine:
                other = rng.choice(files)
                pair = s.get(NearDuplicate, (max(mine, other), min(mine, other)))
                if pair is None:
                    s.add(NearDuplicate(file_id=max(mine, other), other_file_id=min(mine, other),
                                        kind="image", distance=0.01,
                                        answer=rng.choice(["same", "different", ""])))
                else:
                    pair.answer = rng.choice(["same", "different", ""])
        else:
            s.delete(p)
        p.updated_at = datetime.now(timezone.utc) if what < 0.72 else p.updated_at


def _use(kho, rng: random.Random, v: dict, n: int) -> None:
    """One random airing logged or withdrawn, or a download recorded or removed."""
    with kho.transaction() as s:
        ids = list(s.scalars(select(Product.id).limit(200)))
        if not ids:
            return
        what = rng.random()
        day = date(rng.randint(2024, 2026), rng.randint(1, 12), rng.randint(1, 28))
        if what < 0.4:
            s.add(Broadcast(product_id=rng.choice(ids), commune_id=rng.choice(v["communes"]),
                            aired_on=day, slot=f"s{n}"))
        elif what < 0.6:
            aired = s.scalar(select(Broadcast).order_by(func.random()).limit(1))
            if aired is not None:
                aired.withdrawn_at = None if aired.withdrawn_at else datetime.now(timezone.utc)
        elif what < 0.9:
            s.add(DownloadRecord(product_id=rng.choice(ids), file_id=n, rendition="original",
                                 commune_id=rng.choice([None] + v["communes"]), day=day))
        else:
            s.execute(delete(DownloadRecord).where(DownloadRecord.file_id == rng.randint(0, n)))


def _parts(kho) -> list[Scope]:
    """The parts of a commune's, a merged commune's and the province's accounts."""
    from dataclasses import replace

    from app.services.access.unit_scope import units_beneath

    out = []
    with kho.transaction() as s:
        units = list(s.scalars(select(Unit).order_by(Unit.id)))
        chosen = [next(u for u in units if u.level == "commune" and u.valid_to is not None),
                  next(u for u in units if u.level == "commune" and u.valid_to is None),
                  next(u for u in units if u.level == "province" and u.valid_to is None)]
        for unit in chosen:
            mine = units_beneath(s, unit.id)
            out.append(replace(SCOPES[2], units=mine, account_unit=unit.code))
            out.append(Scope(units=mine, account_unit=unit.code))
    return out


def _assert_year_cells_sum_the_months(kho) -> None:
    """Every row of ``stats_year_cells`` is the sum of its months' cells (a year's, or
    all of them for year 0), and no sum is missing."""
    with kho.transaction() as s:
        expected: dict[tuple, list[int]] = {}
        for part, month, dim, key, *counts in s.execute(select(StatsCell.__table__)):
            for year in (month // 100, 0):
                acc = expected.setdefault((part, year, dim, key), [0] * len(counts))
                acc[:] = [a + n for a, n in zip(acc, counts)]
        stored = {tuple(r[:4]): list(r[4:]) for r in s.execute(select(StatsYearCell.__table__))}
    nonzero = lambda rows: {k: v for k, v in rows.items() if any(v)}    # noqa: E731
    assert nonzero(stored) == nonzero(expected)


def _assert_cells_equal_recount(kho) -> None:
    _assert_year_cells_sum_the_months(kho)
    for scope in SCOPES + _parts(kho):
        assert cell_sums.answers(scope)
        for part in (breakdowns.products_part, breakdowns.broadcasts_part,
                     breakdowns.downloads_part):
            assert part(kho, scope) == part(kho, scope, recount=True), (part, scope)


def _assert_todo_equals_recount(kho) -> None:
    """The dashboard's to-do lists read off the summary rows (totals, per unit, the
    newest rows: a short list, so the walk's order shows) equal a count of the products."""
    for scope in (Scope(), SCOPES[2], _parts(kho)[1]):   # all, a year, a commune's part
        for limit in (3, 50):
            assert next_steps(kho, OFFICE, scope, limit) == \
                next_steps(kho, OFFICE, scope, limit, recount=True), (scope, limit)


def _assert_started_over(kho) -> None:
    """After a change of what the cells were counted with, a request does not rebuild
    them (it counts, exactly); ``kho init`` or a worker's sweep does."""
    assert summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False) is None
    _assert_cells_equal_recount(kho)
    summary.fold(kho)
    assert summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False) is not None
    _assert_cells_equal_recount(kho)


@pytest.mark.parametrize("seed", [1, 2])
def test_cells_equal_a_full_recount_after_every_kind_of_change(kho, seed):
    rng = random.Random(seed)
    v = _vocab(kho)
    for n in range(60):
        _write(kho, rng, v, n)
        _use(kho, rng, v, n)
        if n % 7 == 0:
            _assert_cells_equal_recount(kho)
        if n == 30:
            _assert_todo_equals_recount(kho)
    _assert_cells_equal_recount(kho)
    _assert_todo_equals_recount(kho)
    with kho.transaction() as s:        # an admin re-flags a language: counted again
        lang = s.get(Term, v["terms"]["language"][0])
        lang.ethnic_minority = not lang.ethnic_minority
    _assert_started_over(kho)
    with kho.transaction() as s:        # a commune merged into another one
        a, b = (s.get(Unit, i) for i in v["communes"][:2])
        a.valid_to, a.successor_id = date(2025, 6, 30), b.id
    _assert_started_over(kho)
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(StatsDirty)) == 0
        assert s.scalar(select(func.count()).select_from(StatsCell)
                        .where(StatsCell.total < 0)) == 0


def test_parallel_writers_and_readers_leave_exact_cells(kho):
    """Four writers and two readers (each request folds) at once; afterwards the cells
    equal a recount and no mark is left behind."""
    v = _vocab(kho)
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for n in range(25):
                try:
                    _write(kho, rng, v, seed * 1000 + n)
                    _use(kho, rng, v, seed * 1000 + n)
                except (IntegrityError, StaleDataError):
                    pass          # two writers paired the same files or hit a deleted row:
                    # that write was rolled back whole, which is what the cells must show
        except BaseException as exc:      # reported below, with its traceback
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(10):
                breakdowns.aggregate(kho, Scope())
                next_steps(kho, OFFICE, Scope())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(1, 5)] + \
        [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    _assert_cells_equal_recount(kho)
    _assert_todo_equals_recount(kho)
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(StatsDirty)) == 0


def test_the_lists_read_their_index_a_chunk_at_a_time(kho, monkeypatch):
    """A list whose matches lie beyond the first chunk of its index (a commune's part:
    most of the catalogue's unfinished products are outside it) is read on, chunk after
    chunk, until it has its newest rows or the index ends."""
    from app.services.stats import next_steps as todo

    rng = random.Random(3)
    v = _vocab(kho)
    for n in range(40):
        _write(kho, rng, v, n)
    monkeypatch.setattr(todo, "WALK_CHUNK", 1)        # chunks of the list's length
    for scope in (Scope(), _parts(kho)[1], _parts(kho)[3]):
        for limit in (1, 3):
            walked = next_steps(kho, OFFICE, scope, limit)
            assert walked == next_steps(kho, OFFICE, scope, limit, recount=True), scope
            assert len(walked.not_digitised) == min(limit, walked.not_digitised_total)


def test_a_lost_cell_table_is_counted_again_from_the_marks(kho):
    """Marks are what the fold trusts: every product marked again (as after an upgrade)
    rebuilds the same figures, once — month cells and their year sums alike."""
    rng, v = random.Random(5), _vocab(kho)
    for n in range(20):
        _write(kho, rng, v, n)
    before = breakdowns.products_part(kho, Scope())
    with kho.transaction() as s:
        s.execute(delete(StatsCell))
        s.execute(delete(StatsYearCell))
        s.execute(delete(summary.StatsFact))
        s.add_all([StatsDirty(product_id=i) for i in s.scalars(select(Product.id))])
    assert breakdowns.products_part(kho, Scope()) == before


def test_a_backlog_bigger_than_a_request_folds_is_counted_meanwhile(kho, monkeypatch):
    """After a bulk import a request folds a little and counts the rest the old way
    (exact, never waiting for the whole backlog); the workers' sweep folds the rest."""
    from app.services.instance.sweeper import sweep

    rng, v = random.Random(9), _vocab(kho)
    for n in range(30):
        _write(kho, rng, v, n)
    monkeypatch.setattr(summary, "REQUEST_BUDGET", 4)
    recounts = []
    real = breakdowns.product_rows
    monkeypatch.setattr(breakdowns, "product_rows",
                        lambda *a: recounts.append(1) or real(*a))
    first = breakdowns.products_part(kho, Scope())
    assert recounts == [1]                       # counted: the cells were behind
    with kho.transaction() as s:
        assert s.scalar(select(func.count(func.distinct(StatsDirty.product_id)))) > 0
    sweep(kho)
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(StatsDirty)) == 0
    assert breakdowns.products_part(kho, Scope()) == first
    assert recounts == [1]                       # from the cells now
