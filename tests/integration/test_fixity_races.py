"""Where fixity writes, on PostgreSQL: two repairs of the same original at once, and
``kill -9`` of ``kho fixity --repair`` half-way; then count rows and objects."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from app.services.preservation import fixity
from archive.models import Event
from archive.preservation import CopyFixity
from tests.unit.cli.test_preservation_cli import (  # noqa: F401 - runs here on PostgreSQL
    add_original, make_operator, test_kill_9_of_a_repair_half_way_leaves_nothing_half_written)
from tests.unit.services.preservation.test_fixity import flip_byte

pytestmark = pytest.mark.integration


@pytest.fixture
def operator(tmp_path, monkeypatch, pg_url):
    yield from make_operator(tmp_path, monkeypatch, KHO_DATABASE_URL=pg_url)


def test_two_repairs_at_once_leave_one_whole_object_and_one_state_per_copy(operator):
    kho = operator.kho()
    data = os.urandom(2_000_000)
    got, key = add_original(kho, data)
    flip_byte(kho.storage.root / key)
    errors, reports = [], []

    def repair():
        try:
            reports.append(fixity.run(kho, fixity.select_targets(kho), repair_faulty=True))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=repair) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (kho.storage.root / key).read_bytes() == data
    assert [p.name for p in (kho.storage.root / key).parent.iterdir()] == [key.rsplit("/")[-1]]
    with kho.transaction() as session:
        states = session.execute(select(CopyFixity.copy, CopyFixity.verdict)).all()
        repairs = session.scalar(select(func.count()).select_from(Event).where(
            Event.file_id == got.file_id, Event.action == "fixity.repair"))
    assert sorted(states) == [("primary", "ok"), ("replica", "ok")]
    assert 1 <= repairs <= 2                   # each run that wrote says so, none twice
    assert not fixity.run(kho, fixity.select_targets(kho)).faulty
