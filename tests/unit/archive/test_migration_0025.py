"""Migration 0025 adds the statistics triggers found missing in review (a moved file's
near-duplicate partners, edits of airings and downloads counted) and on PostgreSQL the
usage cells' advisory lock; the downgrade restores 0024's triggers and writes go on.

Runs on SQLite here and on PostgreSQL through tests/integration/test_stats_summary_postgres.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from archive import db
from tests.unit.archive.test_migration_0024 import PRODUCT, _marked

FILE = ("INSERT INTO files (product_id, sha256, size, media_type, category, type_mismatch,"
        " original_filename, storage_key, technical, text, status, error_detail, attempts,"
        " created_at, updated_at) VALUES (:p, :h, 1, 'audio/mpeg', 'audio', false, 'a.mp3',"
        " :h, '{}', '', 'ready', '', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


@pytest.fixture
def at_0024(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0024")
    yield runtime
    runtime.close()


def _products_and_pair(c) -> tuple[int, int, int, int]:
    ids = []
    for title in ("một", "hai", "ba"):
        c.execute(text(PRODUCT), {"t": title})
        ids.append(c.execute(text("SELECT max(id) FROM products")).scalar())
    files = []
    for pid, h in ((ids[0], "a" * 64), (ids[1], "b" * 64)):
        c.execute(text(FILE), {"p": pid, "h": h})
        files.append(c.execute(text("SELECT max(id) FROM files")).scalar())
    c.execute(text("INSERT INTO near_duplicates (file_id, other_file_id, kind, distance, answer,"
                   " found_at) VALUES (:a, :b, 'audio', 0.01, 'same', CURRENT_TIMESTAMP)"),
              {"a": files[1], "b": files[0]})
    c.execute(text("DELETE FROM stats_dirty"))
    return ids[0], ids[1], ids[2], files[0]


def test_a_moved_file_marks_its_partner_after_the_upgrade_only(at_0024):
    engine = at_0024.engine
    with engine.begin() as c:
        first, second, third, moved = _products_and_pair(c)
        c.execute(text("UPDATE files SET product_id = :p WHERE id = :f"), {"p": third, "f": moved})
        assert second not in _marked(c)                # 0024 missed the partner
    db.upgrade(engine, "0025")
    with engine.begin() as c:
        c.execute(text("DELETE FROM stats_dirty"))
        c.execute(text("UPDATE files SET product_id = :p WHERE id = :f"), {"p": first, "f": moved})
        assert set(_marked(c)) == {first, second, third}
        assert sorted(c.execute(text("SELECT kind, count FROM stats_usage_edits"))) == \
            [(0, 0), (1, 0)]


def test_downgrade_restores_0024_and_writes_go_on(at_0024):
    engine = at_0024.engine
    db.upgrade(engine, "0025")
    from alembic import command

    from archive.db import _alembic_config
    command.downgrade(_alembic_config(engine), "0024")
    with engine.begin() as c:
        first, second, third, moved = _products_and_pair(c)
        c.execute(text("UPDATE files SET product_id = :p WHERE id = :f"), {"p": third, "f": moved})
        assert set(_marked(c)) == {first, third}
    db.upgrade(engine, "0025")                     # and up again, cleanly
    with engine.begin() as c:
        c.execute(text("UPDATE files SET product_id = :p WHERE id = :f"), {"p": first, "f": moved})
        assert second in _marked(c)
