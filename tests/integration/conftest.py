"""Integration fixtures: the same services on PostgreSQL, the S3 server and Redis."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests import services
from tests.conftest import make_settings
from tests.s3server import new_s3_storage


@pytest.fixture
def migrated_pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database already at the migrations' head (a template copy)."""
    yield from services.migrated_postgres_database()


@pytest.fixture(scope="session")
def initialised_pg_template(tmp_path_factory) -> str:
    """The name of a PostgreSQL database this process migrated and initialised once
    (``init_instance``: the seeded vocabularies and units, the summary cells), dropped
    at the session's end: ``init_instance`` on a copy of it finds everything there
    (0.1-0.4 s where seeding a merely migrated copy took 0.7-1.5 s, for each of the
    hundreds of tests on ``kho`` here), as the SQLite tests start from a copy of the
    initialised instance folder."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    name = services.lasting_copy(services.migrated_template())
    runtime = Kho(make_settings(tmp_path_factory.mktemp("pg-template") / "instance",
                                database_url=services.url_of(name)))
    try:
        init_instance(runtime)
    finally:
        runtime.close()                          # a template must have no connection
    return name


@pytest.fixture
def initialised_pg_url(initialised_pg_template) -> Iterator[str]:
    """A fresh PostgreSQL database as ``init_instance`` leaves it (a template copy)."""
    yield from services.postgres_database(initialised_pg_template)


@pytest.fixture
def kho(tmp_path, initialised_pg_url) -> Iterator:
    """An initialised instance whose catalogue is a fresh PostgreSQL database.

    Overrides the unit suite's SQLite ``kho`` so that catalogue tests imported into
    this folder run unchanged against PostgreSQL. The database starts as a copy of one
    this process migrated and initialised once (tests of migrations use ``pg_url``, an
    empty one); ``init_instance`` still runs, finding the schema and seed data there.
    """
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    runtime = Kho(make_settings(tmp_path / "instance", database_url=initialised_pg_url))
    init_instance(runtime)
    yield runtime
    runtime.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def either_kho(request, tmp_path, initialised_template) -> Iterator:
    """An initialised instance on SQLite, then (the same test again) on a fresh
    PostgreSQL database, jobs run inline: for race and kill -9 tests that must hold on
    both engines. Tests add the accounts they need. Both start from copies (the
    process's initialised instance folder; the initialised PostgreSQL template)."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from tests.conftest import start_from_template

    extra = {"queue_url": ""}
    if request.param == "postgresql":
        extra["database_url"] = request.getfixturevalue("initialised_pg_url")
    settings = make_settings(tmp_path / "instance", **extra)
    start_from_template(initialised_template, settings)
    runtime = Kho(settings)
    init_instance(runtime)
    yield runtime
    runtime.close()


@pytest.fixture
def stack_settings(tmp_path, migrated_pg_url, s3_endpoint, redis_url):
    """Settings for the scaled-out column: PostgreSQL (at the migrations' head, a
    template copy) + S3 + Redis."""
    import redis

    bucket = new_s3_storage(s3_endpoint).bucket
    redis.Redis.from_url(redis_url).flushdb()
    return make_settings(tmp_path / "instance", database_url=migrated_pg_url, storage="s3",
                         s3_bucket=bucket, s3_endpoint_url=s3_endpoint, s3_region="us-east-1",
                         s3_addressing_style="path", queue_url=redis_url)
