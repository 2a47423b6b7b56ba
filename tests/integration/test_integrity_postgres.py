"""Migration 0009's merge of duplicate file rows and the API's ETag / If-Match, on
PostgreSQL (the unit suite runs them on SQLite)."""
import pytest

from tests.conftest import make_settings
from tests.unit.api.conftest import api  # noqa: F401 - fixture, on this module's settings
from tests.unit.api.test_api_versions import *  # noqa: F401,F403
from tests.unit.archive.test_migration_0009 import at_0008  # noqa: F401 - fixture
from tests.unit.archive.test_migration_0009 import test_duplicates_are_merged_into_the_oldest_row  # noqa: F401


@pytest.fixture
def settings(tmp_path, pg_url):
    return make_settings(tmp_path / "instance", database_url=pg_url)
