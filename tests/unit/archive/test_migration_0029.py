"""Migration 0029 gives the people figures a change mark written by the database: every
insert, update or delete of a row they read moves it (raw SQL included), a transaction
that rolls back leaves it, and on PostgreSQL a transaction of many writes adds one mark,
as it commits. The downgrade drops it and writes go on.

Runs on SQLite here and on PostgreSQL through tests/integration/test_stats_summary_postgres.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from archive import db

UNIT = ("INSERT INTO units (code, name, short_name, level, letterhead_name, place_name, "
        "signer_title, signer_name, consolidates) "
        "VALUES (:code, :name, '', 'commune', '', '', '', '', :no)")


@pytest.fixture
def at_0028(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0028")
    yield runtime
    runtime.close()


def _mark(c):
    return c.execute(text("SELECT max(id) FROM stats_people_changes")).scalar()


def _rows(c) -> int:
    return c.execute(text("SELECT count(*) FROM stats_people_changes")).scalar()


def test_every_write_to_a_table_read_moves_the_mark_once_per_transaction(at_0028):
    kho = at_0028
    db.upgrade(kho.engine)
    postgres = kho.engine.dialect.name == "postgresql"
    with kho.engine.begin() as c:
        assert _mark(c) is None
        c.execute(text(UNIT), {"code": "xa-moi", "name": "Xã Mới", "no": False})
    seen = []
    for statements in (["UPDATE units SET name = 'Xã Mới Lập' WHERE code = 'xa-moi'"],
                       ["INSERT INTO spokespersons (unit_id, year, designated, name, "
                        "position, note, updated_at) SELECT id, 2026, :no, '', '', '', "
                        "CURRENT_TIMESTAMP FROM units WHERE code = 'xa-moi'",
                        "UPDATE spokespersons SET designated = :yes, name = 'Y Hoa'",
                        "UPDATE spokespersons SET position = 'Chủ tịch UBND xã'"],
                       ["DELETE FROM spokespersons"],
                       ["DELETE FROM units WHERE code = 'xa-moi'"]):
        with kho.engine.begin() as c:
            before = _mark(c)
            for statement in statements:
                c.execute(text(statement), {"no": False, "yes": True})
        with kho.engine.begin() as c:
            seen.append(_mark(c))
            assert seen[-1] is not None and (before is None or seen[-1] > before), statements
            if not postgres:
                assert _rows(c) == 1          # SQLite's trigger keeps only the newest
    if postgres:                               # one mark per transaction, not per write
        with kho.engine.begin() as c:
            assert _rows(c) == 5
    with kho.engine.connect() as c:            # a rolled-back write leaves no mark
        transaction = c.begin()
        c.execute(text(UNIT), {"code": "xa-bo", "name": "Xã Bỏ", "no": False})
        transaction.rollback()
    with kho.engine.begin() as c:
        assert _mark(c) == seen[-1]
        c.execute(text("INSERT INTO events (action, tool, tool_version, outcome, detail, at) "
                       "VALUES ('fixity.check', 'kho', '1', 'ok', '', CURRENT_TIMESTAMP)"))
    with kho.engine.begin() as c:              # a table the figures do not read
        assert _mark(c) == seen[-1]


def test_downgrade_drops_the_mark_and_writes_go_on(at_0028):
    from alembic import command

    from archive.db import _alembic_config

    kho = at_0028
    db.upgrade(kho.engine)
    command.downgrade(_alembic_config(kho.engine), "0028")
    assert "stats_people_changes" not in inspect(kho.engine).get_table_names()
    with kho.engine.begin() as c:
        c.execute(text(UNIT), {"code": "xa-sau", "name": "Xã Sau", "no": False})
    db.upgrade(kho.engine)
    with kho.engine.begin() as c:
        c.execute(text("UPDATE units SET name = 'Xã Sau Nữa' WHERE code = 'xa-sau'"))
    with kho.engine.begin() as c:
        assert _mark(c) is not None


def test_ddl_after_a_write_in_one_transaction_works_once_the_marks_are_fired(at_0028):
    """What a later migration does (fire_pending's statement): a backfill of a watched
    table, then an index on it, in one transaction; the mark is written too."""
    kho = at_0028
    db.upgrade(kho.engine)
    with kho.engine.begin() as c:
        c.execute(text(UNIT), {"code": "xa-chi-muc", "name": "Xã Chỉ Mục", "no": False})
        if kho.engine.dialect.name == "postgresql":
            c.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        c.execute(text("CREATE INDEX ix_units_name_later ON units (name)"))
    with kho.engine.begin() as c:
        assert _mark(c) is not None
        c.execute(text("DROP INDEX ix_units_name_later"))
