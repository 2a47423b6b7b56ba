"""Shared fixtures: an instance on the embedded defaults in tmp_path, and the real
engines (PostgreSQL, S3 server, Redis) for integration tests."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Iterator

import pytest
from jinja2 import BytecodeCache

from tests import services
from tests.s3server import s3_endpoint  # noqa: F401  (session fixture)

# The suite starts hundreds of `python -m app ...` processes (CLI, serve, worker, kill -9
# tests). With PYTHONDONTWRITEBYTECODE set (as some machines and images do), each one
# compiled every Kho module it imports from source again (~0.6 s of CPU each) and each
# migration run recompiled the migration scripts: the suite keeps compiled modules in
# the usual __pycache__ folders (ignored by git), for itself and the processes it starts.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    sys.dont_write_bytecode = False


# The files that take longest (kill -9 runs against real servers and workers, Chromium,
# the statistics' recount checks), longest first as a --durations run of the whole
# suite measured them, handed out first so that the parallel run of make test
# does not end with one process still busy on one of them while the others idle. Only
# the order changes; make test passes --no-loadscope-reorder, which otherwise starts the
# files with the most tests first and leaves these few-test, long files for the end.
LONG_FILES_FIRST = (
    "tests/integration/test_stats_summary_postgres.py",
    "tests/unit/services/instance/test_worker_recovery.py",
    "tests/unit/services/stats/test_summary.py",
    "tests/integration/test_worker_recovery_redis.py",
    "tests/integration/test_export_import_stack.py",
    "tests/browser/test_accessibility.py",
    "tests/unit/services/imports/test_import.py",
    "tests/unit/web/test_access_doors.py",
    "tests/unit/services/exports/test_exports.py",
    "tests/unit/cli/test_serve.py",
    "tests/browser/test_contributions_and_activities.py",
    "tests/unit/cli/test_reindex_crash.py",
    "tests/browser/test_failed_files_flow.py",
    "tests/integration/test_access_doors_pg.py",
    "tests/integration/test_near_duplicates_stack.py",
    "tests/unit/cli/test_cli_conventions.py",
    "tests/unit/services/reports/test_report_print.py",
    "tests/integration/test_api_schemathesis_postgres.py",
    "tests/unit/search_index/test_agreement.py",
    "tests/unit/cli/test_serve_metrics.py",
    "tests/unit/oai/test_harvest.py",
    "tests/integration/test_scaled_stack.py",
    "tests/unit/oai/test_harvest_crash.py",
    "tests/unit/api/test_api_schemathesis.py",
    "tests/integration/test_upload_fixity_races.py",
    "tests/integration/test_contribution_races.py",
    "tests/integration/test_attendance_races.py",
    "tests/integration/test_broadcast_races.py",
    "tests/integration/test_activities_bag_stack.py",
    "tests/integration/test_search_nodes_s3.py",
    "tests/browser/test_dashboard_page.py",
    "tests/browser/test_phone_targets_and_keyboard.py",
    "tests/unit/ingest/test_likeness.py",
    "tests/unit/cli/test_serve_search_reader.py",
    "tests/unit/services/processing/test_ingest_service.py",
    "tests/unit/services/reports/test_report_rules.py",
    "tests/browser/test_broadcast_log.py",
    "tests/unit/oai/test_oai_protocol.py",
    "tests/browser/test_web_pages.py",
    "tests/browser/test_upload_and_file_fixes.py",
    "tests/unit/search_index/test_rebuild.py",
    "tests/unit/cli/test_report_cli.py",
    "tests/unit/cli/test_preservation_cli.py",
    "tests/integration/test_fixity_races.py",
    "tests/integration/test_replica_worker.py",
    "tests/browser/test_captions_and_transcripts.py",
    "tests/integration/test_captions_stack.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    rank = {path: i for i, path in enumerate(LONG_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable


def pytest_sessionfinish(session, exitstatus) -> None:
    """The PostgreSQL databases of this process's tests, dropped in the background as
    the tests end, and its templates are gone before it exits (tests/services.py)."""
    services.drop_databases_now()


def make_settings(instance: Path, **overrides):
    from config import load_settings

    values = {"instance_path": str(instance), "env": "testing", "queue_url": "immediate",
              "secret_key": "test-secret", "ocr_enabled": False}
    values.update(overrides)
    return load_settings(values, environ={})


def point_cli_at(monkeypatch, kho, folder: Path) -> None:
    """Make ``kho`` commands run in ``folder`` use the instance of the ``kho`` fixture."""
    monkeypatch.chdir(folder)
    for name in ("KHO_LANG", "KHO_DEFAULT_LOCALE", "KHO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KHO_INSTANCE_PATH", str(kho.settings.instance))
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    monkeypatch.setenv("KHO_SECRET_KEY", "test-secret")
    monkeypatch.setenv("KHO_OCR_ENABLED", "false")


@pytest.fixture(scope="session")
def initialised_template(tmp_path_factory) -> Path:
    """One instance folder initialised per test process (migrations, seed data, an
    empty index: about a second); tests start from a copy of it (milliseconds)."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    folder = tmp_path_factory.mktemp("template") / "instance"
    runtime = Kho(make_settings(folder))
    init_instance(runtime)
    runtime.close()
    return folder


def start_from_template(template: Path, settings) -> None:
    """Copy the initialised folder to ``settings``' instance folder when that is new.

    Callers still run ``init_instance`` (idempotent: it checks the engines, finds the
    schema current and the seed data there), so a test whose settings point at
    PostgreSQL or S3 initialises those for real and ignores the copied SQLite file."""
    if not settings.instance.exists():
        shutil.copytree(template, settings.instance)


PRODUCTION_SCRYPT_N = 2 ** 14
TEST_SCRYPT_N = 2 ** 10


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Hash passwords made in the test process with scrypt n=2**10 instead of 2**14.

    Thousands of accounts and sign-ins are made by the suite, at ~50-150 ms of CPU each
    at the production cost. The format, the salt and the checking path are unchanged
    (a hash carries its own n, r, p, so production-cost hashes made by ``kho``
    subprocesses still check), only the work factor is smaller; tests of the cost
    itself read ``PRODUCTION_SCRYPT_N``."""
    from app.services.access import passwords

    assert passwords._N == PRODUCTION_SCRYPT_N, "production scrypt cost changed: update here"
    passwords._N = TEST_SCRYPT_N
    yield
    passwords._N = PRODUCTION_SCRYPT_N


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates kept in memory for the whole test process.

    Every test builds its own Flask app, and every app its own Jinja environment, which
    compiled again from source each template the test rendered (a product page and its
    partials: tens of milliseconds of CPU, in a thousand tests). Jinja's bytecode cache
    is keyed by the template's file and checked against a digest of its source, so an
    edited template is compiled afresh; every app of the suite comes from
    ``create_app`` with the same Jinja options, so the code is the same. Pages are still
    rendered in full by each test."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def compiled_templates_kept() -> Iterator[None]:
    """Apps made by the tests share one in-memory Jinja bytecode cache (see above)."""
    from flask import Flask

    before = Flask.jinja_options
    Flask.jinja_options = {**before, "bytecode_cache": CompiledTemplates()}
    yield
    Flask.jinja_options = before


@pytest.fixture
def settings(tmp_path: Path):
    return make_settings(tmp_path / "instance")


@pytest.fixture
def kho(settings, initialised_template) -> Iterator:
    """An initialised instance: schema, storage folder, index, seeded vocabularies."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    start_from_template(initialised_template, settings)
    runtime = Kho(settings)
    init_instance(runtime)
    yield runtime
    runtime.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from services.postgres_database()


@pytest.fixture
def redis_url() -> str:
    return services.redis_url()
