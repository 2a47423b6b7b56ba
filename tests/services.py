"""Reaching the real engines of the integration tests: PostgreSQL, Redis.

A missing service fails the test when ``CI=true`` (CI must prove the real engines)
and skips it with the reason elsewhere, so a laptop without PostgreSQL can still run
the unit suite.
"""
from __future__ import annotations

import os
import socket
import uuid
from typing import Iterator

import pytest

PG_HOST, PG_PORT = os.environ.get("KHO_TEST_PG_HOST", "127.0.0.1"), 5432
# One Redis database per pytest-xdist worker (the tests flush theirs); 14 is the benchmarks'.
_REDIS_DBS = (15, 13, 12, 11, 10, 9, 8, 7)


def _worker_number() -> int:
    """0 for gw0 (or no xdist), 1 for gw1, … (PYTEST_XDIST_WORKER names the worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


REDIS_URL = os.environ.get(
    "KHO_TEST_REDIS_URL",
    f"redis://127.0.0.1:6379/{_REDIS_DBS[_worker_number() % len(_REDIS_DBS)]}")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    """Fail in CI, skip elsewhere, naming the service."""
    message = f"{what} is not reachable; integration tests need it"
    if in_ci():
        pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(message)


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


ADMIN = f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres"
# this process's database already migrated to the head (see migrated_postgres_database)
_migrated_template: list[str] = []
_keep: list = []


def _url(name: str) -> str:
    return f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"


def postgres_database(template: str = "template0") -> Iterator[str]:
    """Create a throwaway database (empty, or a copy of ``template``), yield its URL,
    drop it afterwards."""
    if not reachable(PG_HOST, PG_PORT):
        missing(f"PostgreSQL at {PG_HOST}:{PG_PORT}")
    import psycopg

    name = f"kho_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE "{template}"')
    except psycopg.Error as exc:
        missing(f"PostgreSQL at {PG_HOST}:{PG_PORT} ({exc})")
    try:
        yield _url(name)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drop_template(name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error:
        pass                   # the server is gone already: nothing to tidy


def migrated_postgres_database() -> Iterator[str]:
    """A throwaway database already at the migrations' head: a copy of a template this
    process migrates once (copying takes about 0.3 s where running the migrations takes
    2-3 s, for each of the hundreds of PostgreSQL tests). The template is dropped when
    the process ends. Tests of the migrations themselves use :func:`postgres_database`."""
    if not _migrated_template:
        import atexit

        from archive import db

        source = postgres_database()
        url = next(source)                       # kept: the generator drops it otherwise
        _keep.append(source)
        engine = db.make_engine(url)
        try:
            db.upgrade(engine)
        finally:
            engine.dispose()                     # a template must have no connection
        name = url.rsplit("/", 1)[1]
        _migrated_template.append(name)
        atexit.register(_drop_template, name)
    yield from postgres_database(_migrated_template[0])


def redis_url() -> str:
    if not reachable("127.0.0.1", 6379):
        missing("Redis at 127.0.0.1:6379")
    return REDIS_URL
