"""The dashboard's and the API's people figures are reused only while nothing they read
changed: each kind of change (an attendance list, a staff count, a spokesperson, an
activity's counts or year, a group's target, a unit's name) gives the figures a fresh
count gives on the very next request, and writes they do not read (products, events,
broadcasts) count nothing again.

Runs on PostgreSQL too (tests/integration/test_stats_postgres.py), where the mark is
written as each transaction commits.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.services.activities import register
from app.services.activities.attendance_import import import_attendance
from app.services.activities.people_view import scope_figures
from app.services.activities.spokespersons import set_spokesperson, set_staff_count
from app.services.catalogue.products import create_product
from app.services.stats import cache, people_part, plan_progress
from archive.models import Event
from tests.unit.services.activities.conftest import actors  # noqa: F401,F811 - fixture
from tests.unit.services.activities.people_data import (HR, INFO, KEY, three_trainings,
                                                        training, write_csv)

YEAR_2025 = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def people_counted(monkeypatch):
    """How many times the people figures were counted from the database."""
    calls = []
    real = people_part.people_figures

    def counting(*args):
        calls.append(args[1:])
        return real(*args)
    monkeypatch.setattr(people_part, "people_figures", counting)
    return calls


def _scope(kho, actor, **params):
    return plan_progress.request_stats(kho, actor, {**YEAR_2025, **params}).scope


def _served(kho, actor, **params):
    return people_part.scope_people(kho, actor, _scope(kho, actor, **params))


def _fresh(kho, actor, **params):
    return scope_figures(kho, actor, _scope(kho, actor, **params))


def test_unchanged_figures_are_reused_per_scope(kho, actors, tmp_path, people_counted):
    three_trainings(kho, actors["office"], tmp_path)
    office = actors["office"]
    first = _served(kho, office)
    assert _served(kho, office) is first and len(people_counted) == 1
    assert first == _fresh(kho, office) and first.people_trained == 6
    mine = _served(kho, actors["commune_office"])          # another account: its own part
    assert mine.people_trained == 3 and len(people_counted) == 2
    assert _served(kho, office, rollup="false") != first    # another scope, counted
    assert _served(kho, office) is first and len(people_counted) == 3


def test_each_change_they_read_gives_fresh_figures_at_once(kho, actors, tmp_path, people_counted):
    office = actors["office"]
    ids = three_trainings(kho, office, tmp_path)

    def check() -> None:
        assert _served(kho, office) == _fresh(kho, office)

    check()
    set_staff_count(kho, office, "xa-dak-koi", 2025, INFO, 9)
    check()
    assert {g.code: g.staff for g in _served(kho, office).by_group}[INFO] == 11
    more = register.create_activity(kho, office, training("20/05/2025", []))
    rows = [["Đinh Văn Hùng", "Xã Đăk Kôi", "Công chức VH-XH", INFO, "Xơ Đăng", "Nam"]]
    assert import_attendance(kho, office, more, write_csv(tmp_path / "d.csv", rows)).imported
    check()
    assert _served(kho, office).people_trained == 7
    set_spokesperson(kho, office, "xa-dak-koi-2025", 2025, True, name="Y Hoa")
    check()
    assert _served(kho, office).spokespersons.designated == 1
    register.update_activity(kho, office, ids["A"], {"starts_on": "12/03/2024",
                                                     "ends_on": "12/03/2024"})
    check()
    assert _served(kho, office).activities == 3
    with kho.engine.begin() as c:     # another process's raw SQL: the triggers see it too
        c.execute(text("UPDATE terms SET target_percent = 50 WHERE code = :c"), {"c": KEY})
    check()
    assert {g.code: g.target_percent for g in _served(kho, office).by_group}[KEY] == 50
    with kho.engine.begin() as c:
        c.execute(text("UPDATE units SET name = 'Xã Đăk Kôi (mới)' "
                       "WHERE code = 'xa-dak-koi-2025'"))
    check()
    assert "Xã Đăk Kôi (mới)" in {u.unit_vi for u in _served(kho, office).by_unit}


def test_writes_they_do_not_read_count_nothing_again(kho, actors, tmp_path, people_counted):
    from app.services.access.actors import SYSTEM

    office = actors["office"]
    three_trainings(kho, office, tmp_path)
    first = _served(kho, office)
    create_product(kho, SYSTEM, {"title": "Phóng sự mới", "languages": "vie"})
    with kho.transaction() as s:
        s.add(Event(action="fixity.check", tool="kho", tool_version="1", outcome="ok",
                    detail="một lần kiểm tra"))
    assert _served(kho, office) is first and len(people_counted) == 1


def test_the_sweep_keeps_only_the_newest_mark(kho, actors, tmp_path):
    office = actors["office"]
    three_trainings(kho, office, tmp_path)
    with kho.engine.begin() as c:
        newest = c.execute(text("SELECT max(id) FROM stats_people_changes")).scalar()
    assert newest is not None
    cache.prune_people_marks(kho)
    with kho.engine.begin() as c:
        assert c.execute(text("SELECT id FROM stats_people_changes")).scalars().all() \
            == [newest]
    before = _served(kho, office)
    set_staff_count(kho, office, "xa-dak-koi", 2025, INFO, 7)      # still seen after it
    assert _served(kho, office) != before


def test_a_commune_filter_takes_its_predecessors_when_rolled_up(kho, actors, tmp_path):
    office = actors["office"]
    three_trainings(kho, office, tmp_path)
    rolled = _served(kho, office, commune="xa-dak-koi-2025")
    assert rolled == _fresh(kho, office, commune="xa-dak-koi-2025")
    # Đăk Kôi and Đăk Tơ Lung before 1/7/2025: both information officials count here
    assert [(u.unit_code, u.code, u.trained, u.staff) for u in rolled.by_unit] == [
        ("xa-dak-koi-2025", HR, 1, 2), ("xa-dak-koi-2025", INFO, 2, 4)]
    filed = _served(kho, office, commune="xa-dak-koi", rollup="false")
    assert [(u.unit_code, u.code, u.trained, u.staff) for u in filed.by_unit] == [
        ("xa-dak-koi", HR, 1, 2), ("xa-dak-koi", INFO, 1, 2)]
    assert (rolled.people_trained, filed.people_trained) == (3, 2)
