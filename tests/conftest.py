"""Shared fixtures: an instance on the embedded defaults in tmp_path, and the real
engines (PostgreSQL, S3 server, Redis) for integration tests."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests import services
from tests.s3server import s3_endpoint  # noqa: F401  (session fixture)


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


@pytest.fixture
def settings(tmp_path: Path):
    return make_settings(tmp_path / "instance")


@pytest.fixture
def kho(settings) -> Iterator:
    """An initialised instance: schema, storage folder, index, seeded vocabularies."""
    from app.bootstrap import Kho
    from app.services.instance import init_instance

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
