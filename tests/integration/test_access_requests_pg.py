"""Access requests on PostgreSQL (the unit suite, run unchanged: this folder's ``kho``)
and under parallel decisions on SQLite (file, WAL) and PostgreSQL: officers deciding
one request at once give one decision, one ``access.grant``/``access.refuse`` event,
and a 409 naming ``version`` to every other; one account asking twice at once leaves
one pending request."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.unit.services.access.test_requests import *  # noqa: F401,F403 - on PostgreSQL here
from tests.unit.services.access.test_requests import PASSWORD, make_product

RACERS = 6


@pytest.fixture
def race_kho(either_kho):
    """SQLite, then PostgreSQL: a commune account and RACERS officers of the Sở."""
    from app.services.access.accounts import add_user

    add_user(either_kho, "konbraih", "commune", PASSWORD, commune="xa-kon-braih-2025")
    for n in range(RACERS):
        add_user(either_kho, f"so-vh-{n}", "office", PASSWORD, unit="so-vhttdl-quang-ngai-2025")
    return either_kho


def _together(work) -> list[str]:
    """``work(n)`` in RACERS threads at once: "ok" or the error code of each."""
    barrier = threading.Barrier(RACERS)

    def one(n: int) -> str:
        from archive.errors import KhoError

        barrier.wait(timeout=60)
        try:
            work(n)
        except KhoError as exc:
            return f"{exc.code}:{exc.field}"
        return "ok"

    with ThreadPoolExecutor(RACERS) as pool:
        return sorted(pool.map(one, range(RACERS)))


def _count(kho, model, *where) -> int:
    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_officers_deciding_at_once_give_one_decision(race_kho):
    from app.services.access import requests
    from app.services.access.accounts import actor_by_name
    from app.services.common.clock import local_today
    from archive.models import Event

    kho = race_kho
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asked = requests.ask(kho, actor_by_name(kho, "konbraih"), ritual, "Xin nghe lại")
    officers = [actor_by_name(kho, f"so-vh-{n}") for n in range(RACERS)]
    until = local_today(kho.settings).isoformat()

    def decide(n: int) -> None:
        if n % 2:
            requests.grant(kho, officers[n], asked["id"], until, version=asked["version"])
        else:
            requests.refuse(kho, officers[n], asked["id"], f"Lý do của cán bộ {n}",
                            version=asked["version"])

    outcomes = _together(decide)
    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict:version") == RACERS - 1
    final = requests.my_requests(kho, actor_by_name(kho, "konbraih"))[0]
    assert final["status"] in ("granted", "refused") and final["version"] == 2
    assert _count(kho, Event, Event.action.in_(("access.grant", "access.refuse"))) == 1


def test_one_account_asking_twice_at_once_leaves_one_request(race_kho):
    from app.services.access import requests
    from app.services.access.accounts import actor_by_name
    from archive.access import AccessRequest

    kho = race_kho
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asker = actor_by_name(kho, "konbraih")
    outcomes = _together(lambda n: requests.ask(kho, asker, ritual, f"Lý do {n}"))
    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict:product_id") == RACERS - 1
    assert _count(kho, AccessRequest, AccessRequest.product_id == ritual) == 1
