"""Linked products named only to readers who may see them (issue 26), on PostgreSQL:
the unit suites of the activities register, the contributions, the helper and the API
door run unchanged against this folder's PostgreSQL (``kho`` here; the API on a
PostgreSQL instance). The pages: test_linked_product_pages_pg.py."""
from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.unit.api.conftest import build_api
from tests.unit.services.activities.conftest import actors  # noqa: F401  (fixture)
from tests.unit.services.access.test_linked import *  # noqa: F401,F403
from tests.unit.services.activities.test_linked_products import *  # noqa: F401,F403
from tests.unit.services.contributions.test_linked_products import *  # noqa: F401,F403
from tests.unit.api.test_api_linked_products import *  # noqa: F401,F403


@pytest.fixture
def api(tmp_path, migrated_pg_url):
    """The API on PostgreSQL."""
    yield from build_api(make_settings(tmp_path / "api", database_url=migrated_pg_url))
