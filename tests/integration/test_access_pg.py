"""The access rule on PostgreSQL: its three forms (Python, SQL, index tokens) agree on
random catalogues, and migration 0023 turns "sensitive" into closed and back without
making anything more visible — the unit suites, run unchanged (the ``kho`` fixture of
this folder is a PostgreSQL instance)."""
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.unit.services.access.test_visibility import *  # noqa: F401,F403
from tests.unit.archive.test_migration_0023 import *  # noqa: F401,F403,E402


@pytest.fixture
def settings(tmp_path: Path, pg_url: str):
    """The migration tests (they take ``settings``) on PostgreSQL too."""
    return make_settings(tmp_path / "instance", database_url=pg_url)
