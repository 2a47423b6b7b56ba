"""The summary rows after review (issue 27; migration 0025): a file moved to another
product re-marks its near-duplicate partner's product; an
airing edited in place (day, commune) gives new figures on the next request; ``count
everything over`` repairs lost or damaged product and usage cells.

Runs on SQLite here and on PostgreSQL in tests/integration/test_stats_summary_postgres.py
(the locks only PostgreSQL has: tests/integration/test_stats_locks_postgres.py)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import delete, select, text, update

from app.services.access.actors import Actor
from app.services.stats import breakdowns, plan_progress, summary
from app.services.stats.figures import Scope
from archive.likeness import NearDuplicate
from archive.models import Broadcast, File, Product, Unit
from archive.stats import StatsCell, StatsDirty, StatsUsageCell

OFFICE = Actor(None, "vanphong", "office")
STAMP = datetime(2025, 3, 3, tzinfo=timezone.utc)


def _product(s, title: str, file_status: str = "ready") -> tuple[int, int]:
    p = Product(title=title, status="ready", created_at=STAMP, updated_at=STAMP,
                produced_on=date(2025, 3, 1))
    s.add(p)
    s.flush()
    f = File(product_id=p.id, sha256=title.ljust(64, "0"), size=1, storage_key=f"o/{title}",
             original_filename=f"{title}.mp3", status=file_status)
    s.add(f)
    s.flush()
    return p.id, f.id


def _communes(kho) -> list[int]:
    with kho.transaction() as s:
        return list(s.scalars(select(Unit.id).where(Unit.level == "commune")
                              .order_by(Unit.id).limit(2)))


def test_a_moved_file_re_marks_its_near_duplicate_partners_product(kho):
    with kho.transaction() as s:
        first, file_1 = _product(s, "first")
        second, file_2 = _product(s, "second")
        third, _ = _product(s, "third")
        s.add(NearDuplicate(file_id=file_2, other_file_id=file_1, kind="audio",
                            distance=0.01, answer="same"))
    summary.fold(kho)                    # "second" is the repeat of "first"
    assert breakdowns.products_part(kho, Scope()) == \
        breakdowns.products_part(kho, Scope(), recount=True)
    with kho.transaction() as s:        # "first"'s file moves to "third", a later product
        s.execute(update(File).where(File.id == file_1).values(product_id=third))
        marked = set(s.scalars(select(StatsDirty.product_id)))
    assert second in marked              # now "third" is the repeat and "second" counts
    assert {first, third} <= marked
    assert breakdowns.products_part(kho, Scope()) == \
        breakdowns.products_part(kho, Scope(), recount=True)


def test_an_airing_edited_in_place_is_counted_on_the_next_request(kho):
    """The figures' cache keyed airings by the newest id and the number withdrawn: an
    airing moved to another day or commune by an edit (raw SQL here) kept old figures."""
    a, b = _communes(kho)
    with kho.transaction() as s:
        product, _ = _product(s, "aired")
        s.add(Broadcast(product_id=product, commune_id=a, aired_on=date(2025, 3, 5), slot="s"))
    params = {"from": "2025-03-02", "to": "2025-03-31"}    # not whole months: counted

    def per_commune() -> dict:
        figures = plan_progress.request_stats(kho, OFFICE, params)
        return {r.code: r.count for r in figures.broadcasts_by_commune if r.count}
    before = per_commune()
    assert sum(before.values()) == 1
    with kho.transaction() as s:
        s.execute(text("UPDATE broadcasts SET commune_id = :b"), {"b": b})
    moved = per_commune()
    assert moved != before and sum(moved.values()) == 1
    with kho.transaction() as s:
        s.execute(text("UPDATE broadcasts SET aired_on = :d"), {"d": date(2025, 3, 1)})
    assert per_commune() == {}                           # out of the period now


def test_counting_everything_over_repairs_damaged_cells(kho):
    a, _b = _communes(kho)
    with kho.transaction() as s:
        product, _ = _product(s, "repaired")
        s.add(Broadcast(product_id=product, commune_id=a, aired_on=date(2025, 3, 5), slot="s"))
    summary.fold(kho)
    expected = {part: part(kho, Scope(), recount=True) for part in (
        breakdowns.products_part, breakdowns.broadcasts_part)}
    with kho.transaction() as s:         # cells lost or edited by hand
        s.execute(delete(StatsUsageCell))
        s.execute(update(StatsCell).values(total=StatsCell.total + 5))
    assert breakdowns.broadcasts_part(kho, Scope()) != expected[breakdowns.broadcasts_part]
    rows = summary.count_everything_over(kho)
    assert rows["facts"] == 1 and rows["cells"] > 0 and rows["usage_cells"] == 1
    for part, figures in expected.items():
        assert part(kho, Scope()) == figures
