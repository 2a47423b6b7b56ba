"""The access part of the pages (form, product page, consents with their forms) on a
PostgreSQL catalogue: the unit suite, run unchanged."""
from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.unit.web.conftest import (actors, app, as_role, commune_code, kho_rt,  # noqa: F401
                                     product_id, users)
from tests.unit.web.test_product_access_pages import *  # noqa: F401,F403


@pytest.fixture
def web_settings(tmp_path, migrated_pg_url):
    """The page tests' instance on a PostgreSQL catalogue."""
    return make_settings(tmp_path / "instance", database_url=migrated_pg_url)
