"""Migration 0020 gives broadcast logs a slot (the part of the day): the logs written
before keep their rows, ids and withdrawals, with the slot not known (""), and stay one
per product, commune and day among themselves; from then on one log per airing. The
downgrade withdraws the later airings of a day (with their history event) so the old
index holds again.

Runs on SQLite here and on PostgreSQL through tests/integration/test_broadcast_races.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from archive import db

AIRING = ("INSERT INTO broadcasts (product_id, commune_id, aired_on, note, created_at{slot})"
          " VALUES (5, :u, :d, '', CURRENT_TIMESTAMP{value})")


@pytest.fixture
def at_0019(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0019")
    yield runtime
    runtime.close()


def _log(c, unit: int, day: str, slot: str | None = None) -> int:
    sql = AIRING.format(slot=", slot" if slot is not None else "",
                        value=", :s" if slot is not None else "")
    c.execute(text(sql), {"u": unit, "d": day, "s": slot})
    return c.execute(text("SELECT max(id) FROM broadcasts")).scalar()


def _catalogue(engine) -> int:
    """A commune and a product aired by it; the commune's id."""
    with engine.begin() as c:
        c.execute(text("INSERT INTO units (code, name, short_name, level) VALUES"
                       " ('xa-thu', 'Xã Thử', 'Thử', 'commune')"))
        c.execute(text("INSERT INTO products (id, title, description, rights_note, tags,"
                       " suggestions, sensitive, status, created_at, updated_at, version)"
                       " VALUES (5, 'Bản tin', '', '', '[]', '[]', :f, 'ready',"
                       " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"), {"f": False})
        return c.execute(text("SELECT id FROM units WHERE code = 'xa-thu'")).scalar()


def test_the_logs_written_before_keep_their_rows_with_the_slot_not_known(at_0019):
    engine = at_0019.engine
    unit = _catalogue(engine)
    with engine.begin() as c:
        kept = _log(c, unit, "2025-08-02")
        c.execute(text("UPDATE broadcasts SET withdrawn_at = CURRENT_TIMESTAMP"
                       " WHERE id = :i"), {"i": kept})
        again = _log(c, unit, "2025-08-02")      # logged again after the withdrawal
        other = _log(c, unit, "2025-08-03")
    db.upgrade(engine)
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, aired_on, slot, withdrawn_at IS NULL FROM broadcasts"
                              " ORDER BY id")).all()
    assert [(r[0], str(r[1])[:10], r[2], bool(r[3])) for r in rows] == [
        (kept, "2025-08-02", "", False), (again, "2025-08-02", "", True),
        (other, "2025-08-03", "", True)]
    with pytest.raises(IntegrityError), engine.begin() as c:   # still one a day, unknown
        _log(c, unit, "2025-08-02")
    with engine.begin() as c:                                   # an airing beside it
        _log(c, unit, "2025-08-02", "morning")
        _log(c, unit, "2025-08-02", "evening")
    with pytest.raises(IntegrityError), engine.begin() as c:   # the same airing: once
        _log(c, unit, "2025-08-02", "evening")


def test_the_downgrade_withdraws_the_later_airings_of_a_day(at_0019):
    from alembic import command

    engine = at_0019.engine
    unit = _catalogue(engine)
    db.upgrade(engine)
    with engine.begin() as c:
        first = _log(c, unit, "2025-08-02", "morning")
        second = _log(c, unit, "2025-08-02", "evening")
        alone = _log(c, unit, "2025-08-03", "noon")
    command.downgrade(db._alembic_config(engine), "0019")
    with engine.connect() as c:
        in_force = c.execute(text("SELECT id FROM broadcasts WHERE withdrawn_at IS NULL"
                                  " ORDER BY id")).scalars().all()
        events = c.execute(text("SELECT detail FROM events WHERE action ="
                                " 'broadcast.withdraw'")).scalars().all()
    assert in_force == [first, alone]
    assert events == [f"log #{second} withdrawn (the same day as log #{first}): aired on "
                      "2025-08-02 (evening) by xa-thu"]
    db.upgrade(engine)                      # and up again: the rows come back unknown
    with engine.connect() as c:
        assert set(c.execute(text("SELECT slot FROM broadcasts")).scalars()) == {""}
