"""Shared fixtures: an instance on the embedded defaults in tmp_path, and the real
engines (PostgreSQL, S3 server, Redis) for integration tests."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Iterator

import pytest

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
# the search agreement corpus), handed out first so that the parallel run of make test
# does not end with one process still busy on one of them while the others idle. Only
# the order changes; make test passes --no-loadscope-reorder, which otherwise starts the
# files with the most tests first and leaves these few-test, long files for the end.
LONG_FILES_FIRST = (
    "tests/browser/test_accessibility.py",
    "tests/unit/services/instance/test_worker_recovery.py",
    "tests/integration/test_worker_recovery_redis.py",
    "tests/integration/test_scaled_stack.py",
    "tests/integration/test_near_duplicates_stack.py",
    "tests/unit/services/imports/test_import.py",
    "tests/unit/services/exports/test_exports.py",
    "tests/unit/oai/test_harvest_crash.py",
    "tests/integration/test_export_import_stack.py",
    "tests/unit/api/test_api_schemathesis.py",
    "tests/integration/test_api_schemathesis_postgres.py",
    "tests/integration/test_upload_fixity_races.py",
    "tests/integration/test_contribution_races.py",
    "tests/integration/test_attendance_races.py",
    "tests/integration/test_broadcast_races.py",
    "tests/integration/test_activities_bag_stack.py",
    "tests/integration/test_search_nodes_s3.py",
    "tests/unit/services/reports/test_report_print.py",
    "tests/unit/search_index/test_agreement.py",
    "tests/browser/test_web_pages.py",
    "tests/browser/test_contributions_and_activities.py",
    "tests/browser/test_dashboard_page.py",
    "tests/browser/test_upload_and_file_fixes.py",
    "tests/unit/cli/test_serve.py",
    "tests/unit/cli/test_serve_search_reader.py",
    "tests/unit/cli/test_report_cli.py",
    "tests/unit/cli/test_preservation_cli.py",
    "tests/unit/cli/test_reindex_crash.py",
    "tests/integration/test_fixity_races.py",
    "tests/integration/test_replica_worker.py",
    "tests/browser/test_captions_and_transcripts.py",
    "tests/integration/test_captions_stack.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    rank = {path: i for i, path in enumerate(LONG_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable


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
