"""The catalogue tests of the unit suite, run unchanged against PostgreSQL.

The ``kho`` fixture of this folder's conftest gives them a PostgreSQL instance.
"""
from tests.unit.test_accounts import *  # noqa: F401,F403
from tests.unit.test_products import *  # noqa: F401,F403
from tests.unit.test_ingest_service import *  # noqa: F401,F403


def test_vietnamese_text_round_trips_and_migrations_are_idempotent(kho):
    from sqlalchemy import select

    from app.services.instance import init_instance
    from archive.models import Unit

    init_instance(kho)  # a second run adds nothing and fails nothing
    with kho.transaction() as s:
        names = set(s.scalars(select(Unit.name).where(Unit.level == "commune")))
    assert {"Xã Đăk Rve", "Xã Đăk Tơ Lung", "Xã Kon Braih"} <= names
