"""Broadcasts logged and downloads made since the figures were counted are added to the
kept figures (a few rows read) instead of the whole part being added up again; the
figures stay exactly those of a full count, in every scope, and anything but new rows
(a withdrawal, an edited day, a deleted row, a lead-unit filter) still counts afresh."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import delete, select, update

from app.services.access.actors import Actor
from app.services.stats import cache, plan_progress
from archive.base import utcnow
from app.services.stats.breakdowns import aggregate
from archive.models import Broadcast, Product, Unit
from archive.usage import DownloadRecord
from tests.unit.services.stats.test_stats_cache import OFFICE, catalogue, counted, \
    figures, read_while  # noqa: F401 - fixtures

USE = ("broadcasts_by_commune", "broadcasts_by_month", "broadcasts_by_commune_month",
       "downloads_by_commune")
SCOPES = ({}, {"from": "2025-01-01", "to": "2025-12-31"},
          {"from": "2025-05-01", "to": "2025-05-20"},            # not whole months: rows
          {"commune": "xa-kon-braih-2025"}, {"commune": "xa-kon-braih-2025", "rollup": "0"},
          {"commune": "xa-tan-lap", "rollup": "0"})


def use_of(stats) -> dict:
    return {name: getattr(stats, name) for name in USE}


def counted_afresh(kho, params, actor=OFFICE) -> dict:
    """The use figures of a full count from the rows (nothing kept, no cells)."""
    scope = plan_progress.for_account(kho, actor, plan_progress.parse_scope(kho, params))
    return {k: v for k, v in aggregate(kho, scope, recount=True).items() if k in USE}


def log_airings(kho, ids: dict[str, int], rng: random.Random, n: int) -> None:
    """``n`` airings and downloads written as raw rows (what any writer does), over old
    and new communes (downloads also by no commune: the centre's staff), days inside
    and outside the scopes' periods."""
    with kho.transaction() as s:
        communes = list(s.scalars(select(Unit.id).where(Unit.level == "commune")))
        products = list(ids.values())
        for k in range(n):
            day = date(rng.choice((2024, 2025, 2026)), rng.randint(1, 12), rng.randint(1, 28))
            s.add(Broadcast(product_id=rng.choice(products), commune_id=rng.choice(communes),
                            aired_on=day, slot=f"s{rng.randrange(10**8)}"))
            s.add(DownloadRecord(commune_id=rng.choice(communes + [None]), product_id=rng.choice(products),
                                 file_id=rng.randint(1, 10**6), rendition="original",
                                 day=day, count=1))


def test_new_rows_are_added_in_every_scope_and_equal_a_full_count(kho, catalogue, counted):
    for params in SCOPES:
        figures(kho, **params)
    seen = (counted["broadcasts"], counted["downloads"])
    rng = random.Random(27)
    for _round in range(3):
        log_airings(kho, catalogue, rng, 4)
        for params in SCOPES:
            assert use_of(figures(kho, **params)) == counted_afresh(kho, params), params
    # added to what was kept, never counted again
    assert (counted["broadcasts"], counted["downloads"]) == seen


def test_a_withdrawal_an_edited_day_or_a_deletion_counts_afresh(kho, catalogue, counted):
    figures(kho)
    log_airings(kho, catalogue, random.Random(1), 2)
    figures(kho)
    assert counted["broadcasts"] == 1
    for seed, (part, change) in enumerate((
            ("broadcasts", update(Broadcast).where(Broadcast.id == 1)
             .values(withdrawn_at=utcnow())),
            ("broadcasts", update(Broadcast).where(Broadcast.id == 2)
             .values(aired_on=date(2024, 2, 2))),
            ("broadcasts", delete(Broadcast).where(Broadcast.id == 3)),
            ("downloads", update(DownloadRecord).where(DownloadRecord.id == 1)
             .values(day=date(2024, 2, 2)))), start=10):
        before = counted[part]
        with kho.transaction() as s:
            s.execute(change)
        log_airings(kho, catalogue, random.Random(seed), 1)      # and new rows too
        got = use_of(figures(kho))
        assert counted[part] == before + 1, change     # that part counted in full
        assert got == counted_afresh(kho, {})


def test_a_lead_unit_filter_counts_afresh(kho, catalogue, counted):
    """A unit's use follows its products' lead unit, which the new rows do not say."""
    unit = "trung-tam-vhttdltt-kon-ray"
    figures(kho, unit=unit)
    log_airings(kho, catalogue, random.Random(2), 2)
    with kho.transaction() as s:         # and one of the unit's products changes hands
        s.execute(update(Product).where(Product.id == catalogue["P4"])
                  .values(lead_unit_id=None))
    assert use_of(figures(kho, unit=unit)) == counted_afresh(kho, {"unit": unit})
    assert counted["broadcasts"] == 2


def test_added_figures_are_counted_afresh_max_age_after_their_full_count(
        kho, catalogue, counted, monkeypatch):
    figures(kho)
    start = cache.monotonic()
    log_airings(kho, catalogue, random.Random(3), 1)
    monkeypatch.setattr(cache, "monotonic", lambda: start + cache.MAX_AGE / 2)
    figures(kho)
    assert counted["broadcasts"] == 1
    monkeypatch.setattr(cache, "monotonic", lambda: start + cache.MAX_AGE + 1)
    log_airings(kho, catalogue, random.Random(4), 1)
    assert use_of(figures(kho)) == counted_afresh(kho, {})
    assert counted["broadcasts"] == 2


def test_readers_in_threads_while_airings_are_logged_see_whole_figures(kho, catalogue):
    """Six threads ask while another logs airings, two per transaction: every answer
    holds whole transactions, each once, and the last equals a full count."""
    def write() -> None:
        for seed in range(6):
            log_airings(kho, catalogue, random.Random(100 + seed), 2)
    first = sum(r.count for r in figures(kho).broadcasts_by_month)
    answers = read_while(kho, write, 6, 6)
    # each logging transaction adds two airings: an answer that added some twice, or
    # half of one transaction, would show a total between these
    for a in answers:
        assert sum(r.count for r in a.broadcasts_by_commune_month) \
            in range(first, first + 13, 2)
    assert use_of(figures(kho)) == counted_afresh(kho, {})


def test_an_accounts_part_grows_exactly(kho, catalogue, counted):
    """Accounts of an old commune, of today's commune, of the province: their parts
    (``scope.units``) grown with new airings equal a full count of each part."""
    with kho.transaction() as s:
        units = list(s.scalars(select(Unit).order_by(Unit.id)))
    chosen = [next(u.id for u in units if u.level == "commune" and u.valid_to is not None),
              next(u.id for u in units if u.level == "commune" and u.valid_to is None),
              next(u.id for u in units if u.level == "province")]
    actors = [Actor(None, f"vp{i}", "office", unit_id=u) for i, u in enumerate(chosen)]
    periods = ({}, {"from": "2025-05-01", "to": "2025-05-20"},
               {"from": "2025-01-01", "to": "2025-12-31"})
    for actor in actors:
        for params in periods:
            plan_progress.request_stats(kho, actor, params)
    seen = counted["broadcasts"]
    rng = random.Random(5)
    for _round in range(2):
        log_airings(kho, catalogue, rng, 5)
        for actor in actors:
            for params in periods:
                got = use_of(plan_progress.request_stats(kho, actor, params))
                assert got == counted_afresh(kho, params, actor), (actor.unit_id, params)
    assert counted["broadcasts"] == seen


def test_a_commune_renamed_between_the_fingerprint_and_the_growth_counts_afresh(
        kho, catalogue, counted):
    """The kept rows are labelled with the names the part was counted with: rows
    labelled with a newer name would sort apart and list a commune twice."""
    figures(kho)
    with kho.transaction() as s:
        aired = s.scalars(select(Broadcast).join(Unit, Unit.id == Broadcast.commune_id)
                          .where(Unit.valid_to.is_(None)).order_by(Broadcast.id)).first()
        s.add(Broadcast(product_id=aired.product_id, commune_id=aired.commune_id,
                        aired_on=aired.aired_on, slot="again"))
        commune = s.get(Unit, aired.commune_id)
    marks = cache.fingerprint(kho)                      # a request reads its fingerprint
    with kho.transaction() as s:                        # an admin renames meanwhile
        s.execute(update(Unit).where(Unit.id == commune.id).values(name="AAA Tên mới"))
    got = plan_progress.request_stats(kho, OFFICE, {}, marks=marks)
    keys = [(r.code, r.year, r.month) for r in got.broadcasts_by_commune_month]
    assert len(keys) == len(set(keys))
    airings = [name for name in USE if name.startswith("broadcasts")]
    afresh = counted_afresh(kho, {})
    assert {n: getattr(got, n) for n in airings} == {n: afresh[n] for n in airings}
    assert counted["broadcasts"] == 2                   # counted afresh, not grown


def test_a_count_holds_exactly_the_airings_up_to_the_newest_id_it_kept(kho, catalogue):
    """A full count keeps the newest broadcast id it counted, read in the statement that
    reads the cells (on PostgreSQL each statement has its own snapshot): while another
    thread logs airings, every count holds exactly the airings with ids up to it, so
    the rows added to it later are never ones it counted already."""
    import threading

    from sqlalchemy import func

    from app.services.stats import breakdowns

    stop = threading.Event()

    def write() -> None:
        rng = random.Random(7)
        while not stop.is_set():
            log_airings(kho, catalogue, rng, 1)
    writer = threading.Thread(target=write)
    writer.start()
    try:
        counts = [breakdowns.broadcasts_part(kho, plan_progress.Scope()) for _ in range(30)]
    finally:
        stop.set()
        writer.join()
    assert len({c.upto for c in counts}) > 1            # the writer wrote meanwhile
    with kho.transaction() as s:
        for c in counts:
            assert sum(c.cells.values()) == s.scalar(
                select(func.count()).select_from(Broadcast)
                .where(Broadcast.in_force(), Broadcast.id <= c.upto))
