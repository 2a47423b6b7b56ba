"""The one place SQLAlchemy engines are created, plus schema migration.

SQLite (embedded default) runs in WAL mode with foreign keys on and a busy timeout so
the web server and the job consumer can share it; PostgreSQL needs nothing special.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from functools import lru_cache
from typing import Iterator, Optional

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import ServiceUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; ``postgresql://`` uses psycopg 3.

    The SQLite file's folder is created. Nothing is connected until first use.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args={"connect_timeout": 10})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def describe(engine: Engine) -> str:
    """The database location without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def check(engine: Engine) -> None:
    """Raise ServiceUnavailable naming the database if it cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
        raise ServiceUnavailable("database %(where)s unreachable: %(reason)s",
                                 field="database_url", where=describe(engine),
                                 reason=reason) from None


def require_current(engine: Engine) -> None:
    """Raise ServiceUnavailable unless the schema is at this version's last migration.

    An instance upgraded without ``kho init`` (or one opened by an older Kho) would
    otherwise fail later on the first write with a constraint error.
    """
    head, current = head_revision(), current_revision(engine)
    if current != head:
        raise ServiceUnavailable("database schema is at version %(current)s, this version of Kho "
                                 "needs %(head)s: run `kho init`", field="database_url",
                                 current=current or "0", head=head)


@lru_cache(maxsize=1)
def head_revision() -> str:
    """This version's last migration, read once per process: finding it loads every
    migration script (~25 ms), and ``healthz`` asks on every request. The scripts do not
    change under a running process (an upgrade deploys new code and restarts it)."""
    # alembic takes ~0.3-0.9 s to import: only the processes that check or migrate the
    # schema pay for it, not `kho --help` or a test that never opens a database
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> Optional[str]:
    """The migration the database is at (None: none applied)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _alembic_config(engine: Optional[Engine] = None):
    """Alembic's configuration of Kho's migrations (with the engine env.py runs them
    on, when given)."""
    from alembic.config import Config       # ~0.3 s to import: see head_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` (idempotent)."""
    from alembic import command             # ~0.9 s to import: see head_revision

    check(engine)
    try:
        if revision == "head" and current_revision(engine) == head_revision():
            return                          # nothing to apply: skip loading the scripts
        command.upgrade(_alembic_config(engine), revision)
    except OperationalError as exc:
        raise ServiceUnavailable(f"database {describe(engine)}: {exc.orig}",
                                 field="database_url") from None


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
