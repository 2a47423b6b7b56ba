"""insert_new on PostgreSQL: the COPY path (batches from COPY_FROM rows) and the unnest
path give the same answers as SQLite's executemany, and two transactions adding the
same 2,000 people at once add each person once."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.services.common.bulk_insert import insert_new
from archive.people import Person
from tests.unit.services.common.test_bulk_insert import NOW
from archive.vocabulary import Unit
from tests.unit.services.common.test_bulk_insert import (  # noqa: F401  (rerun on PostgreSQL)
    test_empty_text_and_missing_values_survive_a_large_batch,
    test_nothing_to_insert_is_nothing_done,
    test_rows_already_there_are_kept_and_only_new_ones_come_back)


def test_two_imports_of_the_same_people_at_once_add_each_person_once(kho):
    with kho.transaction() as session:
        unit = session.scalar(select(Unit.id).order_by(Unit.id))
    rows = [{"name": f"Đinh Văn {i}", "name_key": f"dinh van {i}", "unit_id": unit,
             "homonym": 0, "position": "", "ethnic_group": "", "sex": "",
             "created_at": NOW, "updated_at": NOW}
            for i in range(2000)]
    barrier, added, errors = threading.Barrier(2), [], []

    def write() -> None:
        try:
            with kho.transaction() as session:
                barrier.wait()
                added.append(len(insert_new(session, Person.__table__, rows, ("id",))))
        except Exception as error:        # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(added) == [0, 2000]     # the second waited for the first, then added none
    with kho.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 2000
