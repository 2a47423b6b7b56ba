"""insert_new: thousands of rows in one go, those already there left alone, and only
the rows really added given back (what the attendance import counts as new people).
Rerun on PostgreSQL by tests/integration/test_bulk_insert_postgres.py, where batches
from COPY_FROM rows take the COPY path and smaller ones the unnest path."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.common.bulk_insert import COPY_FROM, insert_new
from archive.base import utcnow
from archive.people import Person
from archive.vocabulary import Unit

NOW = utcnow()


def _people(unit_id: int, names: list[str]) -> list[dict]:
    return [{"name": n, "name_key": n.lower(), "unit_id": unit_id, "homonym": 0,
             "position": "Cán bộ", "ethnic_group": "Xơ Đăng", "sex": "", "created_at": NOW,
             "updated_at": NOW} for n in names]


@pytest.mark.parametrize("size", [1, 7, COPY_FROM + 3])
def test_rows_already_there_are_kept_and_only_new_ones_come_back(kho, size):
    with kho.transaction() as session:
        unit = session.scalar(select(Unit.id).order_by(Unit.id))
        first = [f"Y Nguyễn Thị Ánh {i}" for i in range(size)]
        added = insert_new(session, Person.__table__, _people(unit, first),
                           ("name_key", "unit_id"))
        assert sorted(added) == sorted((n.lower(), unit) for n in first)
        # the same people again, plus one new: only the new one is added
        again = insert_new(session, Person.__table__, _people(unit, first + ["A Pớt"]),
                           ("name", "position"))
        assert again == [("A Pớt", "Cán bộ")]
        stored = session.scalar(select(func.count()).select_from(Person))
        assert stored == size + 1
        kept = session.scalar(select(Person.ethnic_group).where(Person.name == first[-1]))
        assert kept == "Xơ Đăng"        # Vietnamese text survives the trip unchanged


def test_nothing_to_insert_is_nothing_done(kho):
    with kho.transaction() as session:
        assert insert_new(session, Person.__table__, [], ("id",)) == []
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_empty_text_and_missing_values_survive_a_large_batch(kho):
    with kho.transaction() as session:
        unit = session.scalar(select(Unit.id).order_by(Unit.id))
        rows = [{"name": f"Người {i}", "name_key": f"nguoi {i}", "unit_id": unit,
                 "homonym": 0, "position": "", "ethnic_group": "", "sex": "",
                 "target_group_id": None, "created_at": NOW, "updated_at": NOW}
                for i in range(COPY_FROM)]
        assert len(insert_new(session, Person.__table__, rows, ("id",))) == COPY_FROM
        assert session.scalar(select(func.count()).select_from(Person).where(
            Person.target_group_id.is_(None), Person.position == "")) == COPY_FROM
