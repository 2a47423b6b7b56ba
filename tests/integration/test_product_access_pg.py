"""Access on create and edit, consents and file levels on PostgreSQL (the unit suites,
run unchanged: this folder's ``kho`` and an ``api`` on PostgreSQL; the pages:
``test_product_access_pages_pg.py``), and
admins changing one product's level at once on SQLite (file, WAL) and PostgreSQL: one
wins, every other is refused by its version (412), none fails otherwise."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest

from tests.conftest import make_settings
from tests.unit.api.conftest import build_api
from tests.unit.services.catalogue.test_product_access import *  # noqa: F401,F403
from tests.unit.api.test_api_product_access import *  # noqa: F401,F403

RACERS = 6
# every one a change from "public", so the first saved moves the version
LEVELS_TRIED = ("closed", "internal", "restricted", "closed", "internal", "closed")


@pytest.fixture
def api(tmp_path, pg_url) -> Iterator:
    """The API tests' client on a PostgreSQL catalogue."""
    yield from build_api(make_settings(tmp_path / "api", database_url=pg_url))


@pytest.fixture
def race_kho(either_kho):
    """SQLite, then PostgreSQL, with RACERS admins."""
    from app.services.access.accounts import add_user

    for n in range(RACERS):
        add_user(either_kho, f"qt{n}", "admin", "12345678")
    return either_kho


def test_admins_changing_a_level_at_once_one_wins_the_others_get_412(race_kho):
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue import products
    from archive.errors import PreconditionFailed
    from archive.models import Product, ProductChange
    from sqlalchemy import func, select

    admins = [actor_by_name(race_kho, f"qt{n}") for n in range(RACERS)]
    pid = products.create_product(race_kho, admins[0], {"title": "Phỏng vấn già làng"})
    with race_kho.transaction() as s:
        version = s.get(Product, pid).version

    def change(n: int) -> str:
        try:
            level = LEVELS_TRIED[n]
            access = {"level": level, "audience": {"roles": ["office"]}} \
                if level == "restricted" else level
            products.update_product(race_kho, admins[n], pid, {"access": access},
                                    if_version=version)
        except PreconditionFailed:
            return "412"
        return "saved"

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(change, range(RACERS)))
    assert sorted(outcomes) == ["412"] * (RACERS - 1) + ["saved"]
    winner = outcomes.index("saved")
    with race_kho.transaction() as s:
        product = s.get(Product, pid)
        assert product.version == version + 1
        assert product.access_level == LEVELS_TRIED[winner]
        updates = s.scalar(select(func.count(ProductChange.id)).where(
            ProductChange.product_id == pid, ProductChange.action == "update"))
        assert updates == 1
