"""Failed files (problem codes, Retry, Remove file, "ready with a warning") and
migration 0013, run unchanged on PostgreSQL: this module's ``settings`` (and the
folder's ``kho``) point at a fresh PostgreSQL database."""
from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.unit.services.files.test_failed_files import *  # noqa: F401,F403
from tests.unit.archive.test_migration_0013 import *  # noqa: F401,F403


@pytest.fixture
def settings(tmp_path, pg_url):
    return make_settings(tmp_path / "instance", database_url=pg_url)
