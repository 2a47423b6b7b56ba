"""Migration 0023 replaces the "sensitive" box by access levels: a sensitive product
becomes closed, every other one public (what it was), ids keep counting from where they
were, and the downgrade makes every product that is not plainly public sensitive (no
product becomes more visible either way).

Runs on SQLite here and on PostgreSQL through tests/integration/test_access_pg.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from archive import db

PRODUCT = ("INSERT INTO products (title, description, rights_note, tags, suggestions,"
           " sensitive, status, created_at, updated_at, version) VALUES (:t, '', '',"
           " '[]', '[]', :s, 'ready', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)")


def _add(c, title: str, sensitive: bool) -> int:
    c.execute(text(PRODUCT), {"t": title, "s": sensitive})
    return c.execute(text("SELECT max(id) FROM products")).scalar()


@pytest.fixture
def at_0022(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0022")
    yield runtime
    runtime.close()


def test_sensitive_products_become_closed_and_the_others_stay_public(at_0022):
    engine = at_0022.engine
    with engine.begin() as c:
        ritual = _add(c, "Nghi lễ Xơ Đăng", True)
        poster = _add(c, "Áp phích quyền trẻ em", False)
        gone = _add(c, "đã xoá", False)
        c.execute(text("DELETE FROM products WHERE id = :i"), {"i": gone})
    db.upgrade(engine, "0023")
    with engine.begin() as c:
        levels = dict(c.execute(text("SELECT id, access_level FROM products ORDER BY id")).all())
        c.execute(text("INSERT INTO products (title, description, rights_note, tags,"
                       " suggestions, status, created_at, updated_at, version) VALUES"
                       " ('mới', '', '', '[]', '[]', 'draft', CURRENT_TIMESTAMP,"
                       " CURRENT_TIMESTAMP, 1)"))
        newest = c.execute(text("SELECT max(id) FROM products")).scalar()
        fresh = c.execute(text("SELECT access_level, embargo_until, protocol_note"
                               " FROM products WHERE id = :i"), {"i": newest}).one()
    assert levels == {ritual: "closed", poster: "public"}
    assert newest == gone + 1                 # the deleted one's id is not handed out again
    assert tuple(fresh) == ("public", None, "")


def test_downgrade_makes_every_product_not_plainly_public_sensitive(at_0022):
    engine = at_0022.engine
    db.upgrade(engine, "0023")
    with engine.begin() as c:
        for i, level, embargo in ((1, "public", None), (2, "internal", None),
                                  (3, "restricted", None), (4, "closed", None),
                                  (5, "public", "2027-01-01")):
            c.execute(text("INSERT INTO products (id, title, description, rights_note, tags,"
                           " suggestions, status, created_at, updated_at, version,"
                           " access_level, embargo_until) VALUES (:i, 'x', '', '', '[]',"
                           " '[]', 'ready', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, :l, :e)"),
                      {"i": i, "l": level, "e": embargo})
    from alembic import command

    command.downgrade(db._alembic_config(engine), "0022")
    with engine.connect() as c:
        rows = dict(c.execute(text("SELECT id, sensitive FROM products ORDER BY id")).all())
    assert {i: bool(v) for i, v in rows.items()} == {1: False, 2: True, 3: True, 4: True,
                                                       5: True}
