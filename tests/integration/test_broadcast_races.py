"""Broadcast logs under parallel requests, on SQLite (file, WAL) and PostgreSQL; and the
withdrawal rules of the unit suite run unchanged on PostgreSQL (this folder's ``kho``).

Threads start together behind a barrier. Afterwards the rows are counted: parallel
withdrawals of one log end with one withdrawn log and one ``broadcast.withdraw`` event,
the others told it was already withdrawn; parallel logs of one airing end with one log
in force and one ``broadcast.log`` event, the others told it was already logged;
parallel logs of two airings of one day (morning, evening) end in two logs.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.broadcast_copies import give_broadcast_copy
from tests.conftest import make_settings
from tests.unit.services.broadcasts.test_broadcast_withdrawal import *  # noqa: F401,F403 - on PostgreSQL here
from tests.unit.services.broadcasts.test_broadcast_airings import *  # noqa: F401,F403 - on PostgreSQL here
from tests.unit.archive.test_migration_0020 import *  # noqa: F401,F403 - on PostgreSQL here

RACERS = 8


@pytest.fixture
def settings(tmp_path: Path, pg_url: str):
    """The unit suite's migration test (it takes ``settings``) on PostgreSQL too."""
    return make_settings(tmp_path / "instance", database_url=pg_url)


@pytest.fixture
def race_kho(either_kho):
    """SQLite, then PostgreSQL, with an admin and a commune account."""
    from app.services.access.accounts import add_user

    add_user(either_kho, "qt", "admin", "mat-khau-dai-du")
    add_user(either_kho, "daixa", "commune", "mat-khau-dai-du", commune="xa-dak-koi-2025")
    return either_kho


def _airable(kho) -> int:
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product

    pid = create_product(kho, actor_by_name(kho, "qt"), {"title": "Bản tin pháp luật"})
    give_broadcast_copy(kho, pid)
    return pid


def _together(work) -> list[str]:
    """``work()`` in RACERS threads at once: "ok" or the error code of each."""
    barrier = threading.Barrier(RACERS)

    def one(_: int) -> str:
        from archive.errors import KhoError

        barrier.wait(timeout=60)
        try:
            work()
        except KhoError as exc:
            return exc.code
        return "ok"

    with ThreadPoolExecutor(RACERS) as pool:
        return sorted(pool.map(one, range(RACERS)))


def _events(kho, action: str) -> int:
    from archive.models import Event

    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.action == action))


def test_parallel_withdrawals_of_one_log_withdraw_it_once(race_kho):
    from app.services.access.accounts import actor_by_name
    from app.services.broadcasts.withdrawal import get_broadcast, withdraw_broadcast
    from app.services.broadcasts.log import log_broadcast

    staff, admin = actor_by_name(race_kho, "daixa"), actor_by_name(race_kho, "qt")
    row = log_broadcast(race_kho, staff, _airable(race_kho), "02/08/2025")
    people = iter([staff, admin] * RACERS)
    lock = threading.Lock()

    def withdraw() -> None:
        with lock:
            who = next(people)          # the author and an admin, alternately
        withdraw_broadcast(race_kho, who, row["id"])

    assert _together(withdraw) == ["conflict"] * (RACERS - 1) + ["ok"]
    assert _events(race_kho, "broadcast.withdraw") == 1
    assert get_broadcast(race_kho, admin, row["id"])["withdrawn_at"]


def test_parallel_logs_of_one_airing_write_one_log(race_kho):
    from app.services.access.accounts import actor_by_name
    from app.services.broadcasts.log import list_broadcasts, log_broadcast

    staff = actor_by_name(race_kho, "daixa")
    pid = _airable(race_kho)
    assert _together(lambda: log_broadcast(race_kho, staff, pid, "02/08/2025")) == \
        ["conflict"] * (RACERS - 1) + ["ok"]
    assert len(list_broadcasts(race_kho, staff, product_id=pid)) == 1
    assert _events(race_kho, "broadcast.log") == 1


def test_parallel_logs_of_two_airings_of_a_day_write_one_log_each(race_kho):
    from app.services.access.accounts import actor_by_name
    from app.services.broadcasts.log import list_broadcasts, log_broadcast

    staff = actor_by_name(race_kho, "daixa")
    pid = _airable(race_kho)
    slots = iter(["morning", "evening"] * (RACERS // 2))
    lock = threading.Lock()

    def log() -> None:
        with lock:
            slot = next(slots)
        log_broadcast(race_kho, staff, pid, "02/08/2025", slot=slot)

    assert _together(log) == ["conflict"] * (RACERS - 2) + ["ok", "ok"]
    rows = list_broadcasts(race_kho, staff, product_id=pid)
    assert sorted(r["slot"] for r in rows) == ["evening", "morning"]
    assert _events(race_kho, "broadcast.log") == 2


def test_logging_again_while_the_log_is_withdrawn_leaves_one_log_in_force(race_kho):
    from app.services.access.accounts import actor_by_name
    from app.services.broadcasts.withdrawal import withdraw_broadcast
    from app.services.broadcasts.log import list_broadcasts, log_broadcast

    staff = actor_by_name(race_kho, "daixa")
    pid = _airable(race_kho)
    first = log_broadcast(race_kho, staff, pid, "02/08/2025")
    calls = iter([lambda: withdraw_broadcast(race_kho, staff, first["id"])] * (RACERS // 2)
                 + [lambda: log_broadcast(race_kho, staff, pid, "02/08/2025")] * (RACERS // 2))
    lock = threading.Lock()

    def step() -> None:
        with lock:
            call = next(calls)
        call()

    outcomes = _together(step)
    assert "error" not in outcomes and set(outcomes) <= {"ok", "conflict"}
    in_force = list_broadcasts(race_kho, staff, product_id=pid)
    assert len(in_force) <= 1
    assert _events(race_kho, "broadcast.withdraw") == 1   # the first log, once
    assert _events(race_kho, "broadcast.log") == 1 + len(in_force)
