"""The Schemathesis run of tests/unit/api/test_api_schemathesis.py — every operation,
each of the four roles — on PostgreSQL: the same document and checks; only the
catalogue database differs (ids beyond its INTEGER, unique violations and text
PostgreSQL refuses answer as they do on SQLite, never 500). Fewer examples per
operation than the SQLite run (which explores the inputs), to keep ``make test`` short:
this run is about what the database itself refuses.
"""
from __future__ import annotations

from typing import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests import services
from tests.conftest import make_settings
from tests.unit.api.test_api_schemathesis import as_every_role, fuzzed_api, schema

EXAMPLES_PER_OPERATION = 8


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Iterator:
    for url in services.postgres_database():
        yield from fuzzed_api(make_settings(tmp_path_factory.mktemp("fuzz-pg") / "instance",
                                            database_url=url))


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          database=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_documented_promises_on_postgresql(case, fuzzed):
    as_every_role(case, fuzzed)
