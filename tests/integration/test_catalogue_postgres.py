"""The catalogue tests of the unit suite, run unchanged against PostgreSQL.

The ``kho`` fixture of this folder's conftest gives them a PostgreSQL instance.
"""
from typing import Iterator

import pytest

from tests.unit.archive import test_migrations as migrations
from tests.unit.services.access.test_accounts import *  # noqa: F401,F403
from tests.unit.services.catalogue.test_products import *  # noqa: F401,F403
from tests.unit.services.processing.test_ingest_service import *  # noqa: F401,F403
from tests.unit.archive.test_migrations import test_migrations_build_exactly_what_the_models_describe  # noqa: F401


def test_vietnamese_text_round_trips_and_migrations_are_idempotent(kho):
    from sqlalchemy import select

    from app.services.instance.setup import init_instance
    from archive.models import Unit

    init_instance(kho)  # a second run adds nothing and fails nothing
    with kho.transaction() as s:
        names = set(s.scalars(select(Unit.name).where(Unit.level == "commune")))
    assert {"Xã Đăk Rve", "Xã Đăk Tơ Lung", "Xã Kon Braih"} <= names


@pytest.fixture
def blank(pg_url, tmp_path) -> Iterator:
    """A PostgreSQL database with no tables yet."""
    from app.bootstrap import Kho
    from tests.conftest import make_settings

    runtime = Kho(make_settings(tmp_path / "instance", database_url=pg_url))
    yield runtime
    runtime.close()


test_upgrade_to_0004_keeps_users_tokens_and_history = \
    migrations.test_upgrade_to_0004_keeps_users_tokens_and_history


# the sign-in limit counts parallel attempts atomically on PostgreSQL too
from tests.unit.web.test_sessions import (  # noqa: E402,F401
    test_an_unknown_user_name_costs_one_password_check_like_a_known_one,
    test_parallel_wrong_passwords_get_no_more_tries_than_the_limit)
from tests.unit.archive.test_migrations import (  # noqa: E402,F401
    test_ids_of_deleted_products_and_files_are_never_handed_out_again)
