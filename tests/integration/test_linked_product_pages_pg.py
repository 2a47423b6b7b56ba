"""The activity and contribution pages name only the linked products their reader may
see (issue 26), on PostgreSQL: the unit suite runs unchanged on a PostgreSQL instance."""
from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.unit.web.conftest import (actors, app, as_role, commune_code,  # noqa: F401
                                     kho_rt, users)
from tests.unit.web.test_linked_product_pages import *  # noqa: F401,F403


@pytest.fixture
def web_settings(tmp_path, migrated_pg_url):
    """The pages on PostgreSQL."""
    return make_settings(tmp_path / "instance", database_url=migrated_pg_url)
