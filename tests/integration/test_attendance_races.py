"""Attendance imports under parallel requests, on SQLite (file, WAL) and PostgreSQL; and
the known-answer and import tests of the unit suite run unchanged on PostgreSQL (this
folder's ``kho``).

Threads start together behind a barrier, then the rows are counted: the same sheet
imported eight times at once adds each person and each attendance once; two different
activities listing the same people at once add each person once, and the trained
figures count each of them once.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.unit.services.activities.conftest import actors  # noqa: F401 - fixture
from tests.unit.services.activities.people_data import LISTS, training, write_csv
from tests.unit.services.activities.test_people_figures import *  # noqa: F401,F403
from tests.unit.services.activities.test_attendance_import import (  # noqa: F401
    test_every_problem_is_one_line_naming_row_and_column_and_nothing_is_written,
    test_merge_and_split_recount_the_trained_people)

RACERS = 8


@pytest.fixture
def race_kho(either_kho):
    """SQLite, then PostgreSQL, with an office account."""
    from app.services.access.accounts import add_user

    add_user(either_kho, "vp", "office", "mat-khau-dai-du")
    return either_kho


def _together(works) -> list[str]:
    barrier = threading.Barrier(len(works))

    def one(work) -> str:
        barrier.wait(timeout=60)
        return str(work().added)

    with ThreadPoolExecutor(len(works)) as pool:
        return sorted(pool.map(one, works))


def _rows(kho) -> tuple[int, int, int]:
    from archive.people import Attendance, Person, TrainedPerson

    with kho.transaction() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Person, Attendance, TrainedPerson))


def test_the_same_sheet_imported_at_once_adds_each_person_once(race_kho, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.activities import register
    from app.services.activities.attendance_import import import_attendance

    office = actor_by_name(race_kho, "vp")
    day, rows = LISTS["B"]
    aid = register.create_activity(race_kho, office, training(day, rows))
    sheet = write_csv(tmp_path / "b.csv", rows)
    added = _together([lambda: import_attendance(race_kho, office, aid, sheet)] * RACERS)
    assert added == ["0"] * (RACERS - 1) + ["4"]
    assert _rows(race_kho) == (4, 4, 4)


def test_two_activities_with_the_same_people_at_once_count_them_once(race_kho, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.activities import register
    from app.services.activities.attendance_import import import_attendance
    from app.services.activities.figures import people_figures

    office = actor_by_name(race_kho, "vp")
    day, rows = LISTS["B"]
    ids = [register.create_activity(race_kho, office, training(day, rows))
           for _ in range(RACERS)]
    sheets = [write_csv(tmp_path / f"{i}.csv", rows) for i in range(RACERS)]
    added = _together([lambda a=a, p=p: import_attendance(race_kho, office, a, p)
                       for a, p in zip(ids, sheets)])
    assert added == ["4"] * RACERS
    assert _rows(race_kho) == (4, 4 * RACERS, 4)
    with race_kho.transaction() as s:
        assert people_figures(s, None, 2025).people_trained == 4
