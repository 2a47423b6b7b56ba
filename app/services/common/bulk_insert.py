"""Thousands of rows added in one go, keeping those already there: ``INSERT … ON
CONFLICT DO NOTHING`` for SQLite and PostgreSQL, built for speed.

Why not an ORM ``add_all`` or an executemany on PostgreSQL: a 5,000-row attendance sheet
must import in about the time it takes to read it (activities issue). What costs is not
the database's work but getting the values to it — psycopg builds a multi-row VALUES list
or an array per column in Python, value by value. COPY streams the rows in psycopg's C
row formatter instead, into a temporary table dropped at once; one ``INSERT … SELECT``
then lets the database arbitrate conflicts, so concurrent writers never add a row twice.
Small batches (under :data:`COPY_FROM`) go as one statement over ``unnest`` of one array
per column: a temporary table's creation would cost more than it saves.
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from app.services.common.upsert import dialect_insert

COPY_FROM = 500                    # rows: from this many, PostgreSQL gets them by COPY
_scratch_names = itertools.count()


def _pg_type(column) -> str:
    name = column.type.__class__.__name__.lower()
    return {"integer": "int8", "biginteger": "int8", "boolean": "bool", "date": "date",
            "datetime": "timestamptz"}.get(name, "text")


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _returning(returning: Sequence[str]) -> str:
    return f" RETURNING {_quoted(returning)}" if returning else ""


def _by_unnest(session: Session, table: Table, rows: Sequence[dict],
               returning: Sequence[str]) -> list:
    """One ``INSERT … SELECT FROM unnest(arrays)``; a column with one value for every
    row goes as one parameter, not an array."""
    columns = list(rows[0])
    params: dict[str, Any] = {}
    arrays, select_list = [], []
    for i, c in enumerate(columns):
        values = [r[c] for r in rows]
        kind = _pg_type(table.c[c])
        if (i or len(rows) == 1) and all(v == values[0] for v in values):
            # the first column stays an array, so as many rows come out as went in
            params[f"c{i}"] = values[0]
            select_list.append(f"CAST(:c{i} AS {kind})")
        else:
            params[f"c{i}"] = values
            arrays.append(f"CAST(:c{i} AS {kind}[])")
            select_list.append(f"u.a{len(arrays) - 1}")
    names = ", ".join(f"a{j}" for j in range(len(arrays)))
    source = f" FROM unnest({', '.join(arrays)}) AS u({names})" if arrays else ""
    sql = (f"INSERT INTO {table.name} ({_quoted(columns)}) SELECT {', '.join(select_list)}"
           f"{source} ON CONFLICT DO NOTHING{_returning(returning)}")
    result = session.execute(text(sql), params)
    return list(result) if returning else []


def _by_copy(session: Session, table: Table, rows: Sequence[dict],
             returning: Sequence[str]) -> list:
    """COPY into a scratch temporary table of the same column types (dropped right
    after, and at commit whatever happens), then one ``INSERT … SELECT``."""
    columns = list(rows[0])
    cols = _quoted(columns)
    scratch = f"kho_scratch_{next(_scratch_names)}"
    driver = session.connection().connection.driver_connection    # same transaction
    with driver.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "
                       f"SELECT {cols} FROM {table.name} WITH NO DATA")
        with cursor.copy(f"COPY {scratch} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cursor.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {scratch} "
                       f"ON CONFLICT DO NOTHING{_returning(returning)}")
        added = [tuple(r) for r in cursor.fetchall()] if returning else []
        cursor.execute(f"DROP TABLE {scratch}")
    return added


def insert_new(session: Session, table: Table, rows: Sequence[dict],
               returning: Sequence[str] = ()) -> list:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in ``session``'s
    transaction, leaving out any that conflict with a row already there (a unique
    constraint or primary key). Returns the ``returning`` columns of the rows really
    inserted, as tuples (empty when ``returning`` is empty). SQLite: an executemany.

    The rows carry every column that has no server default: on PostgreSQL the
    statement is SQL text, so the model's Python-side defaults (``created_at``…) are
    not applied — a missing one is a NOT NULL error, not a silent difference."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        stmt = dialect_insert(session)(table).on_conflict_do_nothing()
        if returning:
            stmt = stmt.returning(*(table.c[c] for c in returning))
            return [tuple(r) for r in session.connection().execute(stmt, list(rows))]
        session.connection().execute(stmt, list(rows))
        return []
    if len(rows) >= COPY_FROM:
        return _by_copy(session, table, rows, returning)
    return [tuple(r) for r in _by_unnest(session, table, rows, returning)]
