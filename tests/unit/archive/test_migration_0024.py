"""Migration 0024 adds the statistics summary: every product already there is marked,
so the first figures after the upgrade count it; from then on the database marks each
change by itself; the downgrade removes the triggers and tables and writes go on.

Runs on SQLite here and on PostgreSQL through tests/integration/test_stats_summary_postgres.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from archive import db

PRODUCT = ("INSERT INTO products (title, description, rights_note, tags, suggestions,"
           " status, created_at, updated_at, version) VALUES (:t, '', '', '[]', '[]',"
           " 'ready', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)")


@pytest.fixture
def at_0023(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0023")
    yield runtime
    runtime.close()


def _marked(c) -> list[int]:
    return sorted(c.execute(text("SELECT product_id FROM stats_dirty")).scalars())


def test_products_there_before_are_marked_and_new_changes_mark_themselves(at_0023):
    engine = at_0023.engine
    with engine.begin() as c:
        c.execute(text(PRODUCT), {"t": "Áp phích"})
        old = c.execute(text("SELECT max(id) FROM products")).scalar()
    db.upgrade(engine, "0024")
    with engine.begin() as c:
        assert _marked(c) == [old]
        c.execute(text("DELETE FROM stats_dirty"))
        c.execute(text(PRODUCT), {"t": "Phóng sự"})
        new = c.execute(text("SELECT max(id) FROM products")).scalar()
        c.execute(text("UPDATE products SET version = version + 1 WHERE id = :i"), {"i": old})
        assert _marked(c) == [new]                 # a lock's version bump is no change
        c.execute(text("UPDATE products SET updated_at = CURRENT_TIMESTAMP WHERE id = :i"),
                  {"i": old})
        c.execute(text("DELETE FROM products WHERE id = :i"), {"i": new})
        assert _marked(c) == sorted([new, old, new])
        state = c.execute(text("SELECT catalogue, generation FROM stats_state")).one()
    assert tuple(state) == ("", 0)


def test_downgrade_removes_the_summary_and_writes_go_on(at_0023):
    engine = at_0023.engine
    db.upgrade(engine, "0024")
    from alembic import command

    from archive.db import _alembic_config
    command.downgrade(_alembic_config(engine), "0023")
    with engine.begin() as c:
        c.execute(text(PRODUCT), {"t": "sau khi hạ cấp"})
        tables = {r for r in c.execute(text(
            "SELECT table_name FROM information_schema.tables" if engine.dialect.name ==
            "postgresql" else "SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()}
    assert not {t for t in tables if t.startswith("stats_")}
    db.upgrade(engine, "0024")                     # and up again, cleanly
    with engine.begin() as c:
        assert len(_marked(c)) == 1
