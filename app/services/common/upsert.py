"""One atomic "insert, or update the row that is already there" for SQLite and PostgreSQL.

Both dialects spell it ``INSERT … ON CONFLICT (key) DO UPDATE``; the database decides
under its own locking whether the row exists, so concurrent writers (threads, gunicorn
workers, machines) never raise a unique-constraint error and never lose an update —
what a read-then-write in Python cannot promise.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence, Union

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

Updates = Union[Mapping[str, Any], Callable[[Any], Mapping[str, Any]]]


def dialect_insert(session: Session):
    """The dialect's ``insert`` that knows ON CONFLICT; ValueError for other dialects."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql_insert
    if dialect == "sqlite":
        return sqlite_insert
    raise ValueError(f"no atomic upsert for the {dialect} dialect")


def upsert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]],
                key: Sequence[str], updates: Callable[[Any], Mapping[str, Any]]) -> None:
    """The same upsert as :func:`upsert`, compiled once and executed for all ``rows``
    (executemany, on the table rather than the ORM class): for hundreds of rows a
    multi-row VALUES costs more to compile than to run. ``updates`` gets the
    statement (for its ``excluded``)."""
    if not rows:
        return
    stmt = dialect_insert(session)(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=dict(updates(stmt)))
    session.connection().execute(stmt, list(rows))


def upsert(session: Session, model: type, rows: Sequence[Mapping[str, Any]],
           key: Sequence[str], updates: Updates) -> None:
    """Insert ``rows`` into ``model``'s table; where a row with the same ``key``
    columns (a unique constraint or primary key) exists, apply ``updates`` to it.

    ``updates`` maps column names to values or SQL expressions over the existing row
    (``Model.count + 1``); pass a callable to get the statement and use its
    ``excluded`` (the values that were to be inserted). Runs in ``session``'s
    transaction. Raises ValueError for a dialect other than SQLite or PostgreSQL.
    """
    if not rows:
        return
    stmt = dialect_insert(session)(model).values(list(rows))
    values = updates(stmt) if callable(updates) else updates
    session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=dict(values)))
