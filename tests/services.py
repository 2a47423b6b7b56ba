"""Reaching the real engines of the integration tests: PostgreSQL, Redis.

A missing service fails the test when ``CI=true`` (CI must prove the real engines)
and skips it with the reason elsewhere, so a laptop without PostgreSQL can still run
the unit suite.
"""
from __future__ import annotations

import atexit
import os
import socket
import threading
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
_lasting: list[str] = []            # templates this process made (see lasting_copy)


def url_of(name: str) -> str:
    """The URL of database ``name`` on the test server."""
    return f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"


def postgres_database(template: str = "template0") -> Iterator[str]:
    """A throwaway database (empty, or a copy of ``template``): its URL, dropped
    afterwards (in the background, see :class:`_Dropper`). The copy was usually made
    while the previous test ran (:class:`_Spares`), and the next one is started now."""
    name = _spares.take(template) or _create_database(template)
    _spares.make(template)
    try:
        yield url_of(name)
    finally:
        _dropper.drop_later(name)


def _new_database(template: str) -> str:
    """The name of a new database copied from ``template``; psycopg's error if the
    server refuses."""
    import psycopg

    name = f"kho_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE "{template}"')
    return name


def _create_database(template: str) -> str:
    """The name of a new database copied from ``template`` (fails or skips the test,
    see :func:`missing`, when the server does not answer)."""
    if not reachable(PG_HOST, PG_PORT):
        missing(f"PostgreSQL at {PG_HOST}:{PG_PORT}")
    import psycopg

    try:
        return _new_database(template)
    except psycopg.Error as exc:
        missing(f"PostgreSQL at {PG_HOST}:{PG_PORT} ({exc})")
        raise                                  # not reached: missing() fails or skips


class _Spares:
    """One copy of each template made ahead, in a background thread, while a test runs.

    Copying a template takes PostgreSQL 0.3-0.45 s of mostly waiting on the disk (the
    copy is written to the WAL), which each of the ~1,000 PostgreSQL tests used to wait
    in its setup; the next test's copy is now made while this one runs. Templates never
    change once copied (a process's templates are finished before their first copy),
    so a spare is the database the test would have made. Spares left at the session's
    end are dropped with the rest (:func:`drop_databases_now`). A copy that fails in
    the background is simply not there: the test makes its own, and a server that is
    gone fails it as before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: dict[str, list[str]] = {}
        self._making: dict[str, threading.Thread] = {}
        # if the session's end was not reached (it drains them first otherwise)
        atexit.register(lambda: [_drop_database(name) for name in self.drain()])

    def take(self, template: str) -> str | None:
        with self._lock:
            making = self._making.pop(template, None)
        if making is not None:
            making.join()                      # nearly done: sooner than a new copy
        with self._lock:
            ready = self._ready.get(template)
            return ready.pop() if ready else None

    def make(self, template: str) -> None:
        def run() -> None:
            try:
                name = _new_database(template)
            except Exception:  # noqa: BLE001 - the test will make its own and say why
                return
            with self._lock:
                self._ready.setdefault(template, []).append(name)
        thread = threading.Thread(target=run, name="kho-test-db-spare", daemon=True)
        with self._lock:
            if template in self._making:
                return
            self._making[template] = thread
        thread.start()

    def drain(self) -> list[str]:
        """Every spare, once those being made are finished (nothing is made after)."""
        with self._lock:
            making, self._making = list(self._making.values()), {}
        for thread in making:
            thread.join()
        with self._lock:
            names = [n for ready in self._ready.values() for n in ready]
            self._ready.clear()
        return names


_spares = _Spares()


def _drop_database(name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error:
        pass                   # the server is gone already: nothing to tidy


class _Dropper:
    """Drops the tests' throwaway databases in a background thread, several at once.

    PostgreSQL 15 runs a forced checkpoint for every DROP DATABASE and waits for it:
    1-4 s on a busy two-core machine, which each PostgreSQL test used to wait in its
    teardown (hundreds of tests). Checkpoint requests made while one is pending are
    served together, so drops made at the same time on separate connections cost about
    one checkpoint (8 at once: about 1 s, against 30 s one after the other). A test's
    database is dropped a moment after the test, with those of the tests that ended
    meanwhile (``WITH (FORCE)`` ends connections the test left open); the process waits
    for the last drops when it exits, so no database outlives the run."""

    AT_ONCE = 8             # connections opened together for the drops
    EXIT_WAIT = 300         # seconds an exiting test process waits for its last drops

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._busy = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def drop_later(self, name: str) -> None:
        with self._changed:
            self._pending.append(name)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kho-test-db-drops",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.wait)
            self._changed.notify_all()

    def wait(self) -> None:
        """Return when every database handed over so far is dropped (or after
        ``EXIT_WAIT`` seconds: the server may be gone)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._pending and not self._busy,
                                   timeout=self.EXIT_WAIT)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._pending))
                batch, self._pending = self._pending[:self.AT_ONCE], self._pending[self.AT_ONCE:]
                self._busy = True
            drops = [threading.Thread(target=_drop_database, args=(name,)) for name in batch]
            for drop in drops:
                drop.start()
            for drop in drops:
                drop.join()
            with self._changed:
                self._busy = False
                self._changed.notify_all()


_dropper = _Dropper()


def migrated_postgres_database() -> Iterator[str]:
    """A throwaway database already at the migrations' head: a copy of a template this
    process migrates once (copying takes about 0.3 s where running the migrations takes
    2-3 s, for each of the hundreds of PostgreSQL tests). The template is dropped when
    the process ends. Tests of the migrations themselves use :func:`postgres_database`."""
    yield from postgres_database(migrated_template())


def migrated_template() -> str:
    """The name of this process's database at the migrations' head (made on first
    use, dropped when the process ends); copy it, never connect to it for long."""
    if not _migrated_template:
        from archive import db

        name = lasting_copy("template0")
        engine = db.make_engine(url_of(name))
        try:
            db.upgrade(engine)
        finally:
            engine.dispose()                     # a template must have no connection
        _migrated_template.append(name)
    return _migrated_template[0]


def lasting_copy(template: str) -> str:
    """A new database copied from ``template``, dropped when this process ends (for
    templates of the tests' databases); returns its name (:func:`url_of` gives its URL)."""
    name = _create_database(template)
    _lasting.append(name)
    atexit.register(_drop_database, name)        # if the session's end was not reached
    return name


def drop_databases_now() -> None:
    """Drop every database this process made and wait for it (at the session's end,
    from tests/conftest.py: a pytest-xdist worker may not run ``atexit``)."""
    for name in _spares.drain():                 # before their templates
        _dropper.drop_later(name)
    for name in _lasting:
        _dropper.drop_later(name)
    _lasting.clear()
    _migrated_template.clear()
    _dropper.wait()


def redis_url() -> str:
    if not reachable("127.0.0.1", 6379):
        missing("Redis at 127.0.0.1:6379")
    return REDIS_URL
