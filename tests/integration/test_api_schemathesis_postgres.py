"""The Schemathesis run of tests/unit/api/test_api_schemathesis.py — every operation,
each of the four roles — on PostgreSQL: the same test, the same document, the same
examples per operation; only the catalogue database differs (ids beyond its INTEGER,
unique violations and text PostgreSQL refuses answer as they do on SQLite, never 500).
"""
from __future__ import annotations

from typing import Iterator

import pytest

from tests import services
from tests.conftest import make_settings
from tests.unit.api.test_api_schemathesis import (  # noqa: F401  (collected here too)
    fuzzed_api, test_every_operation_keeps_its_documented_promises)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Iterator:
    for url in services.postgres_database():
        yield from fuzzed_api(make_settings(tmp_path_factory.mktemp("fuzz-pg") / "instance",
                                            database_url=url))
