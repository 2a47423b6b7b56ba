"""0015: users.commune_id becomes users.unit_id, one column for every role; a commune
account keeps its commune, and going back keeps only commune accounts' units."""
from __future__ import annotations

from sqlalchemy import text

from archive import db


def test_0015_keeps_a_commune_accounts_commune_and_goes_back(settings):
    from alembic import command

    from app.bootstrap import Kho

    runtime = Kho(settings)
    try:
        db.upgrade(runtime.engine, "0014")
        with runtime.engine.begin() as c:
            c.execute(text("INSERT INTO units (id, code, name, short_name, level) VALUES "
                           "(900, 'xa-thu', 'Xã Thử', 'Thử', 'commune')"))
            c.execute(text("INSERT INTO users (id, username, display_name, password_hash, "
                           "role, commune_id, active, created_at) VALUES (7, 'thu', 'Thử', "
                           "'x', 'commune', 900, :t, CURRENT_TIMESTAMP)"), {"t": True})
        db.upgrade(runtime.engine, "0015")
        with runtime.engine.begin() as c:
            assert c.execute(text("SELECT unit_id FROM users WHERE id = 7")).scalar() == 900
            c.execute(text("INSERT INTO users (id, username, display_name, password_hash, "
                           "role, unit_id, active, created_at) VALUES (8, 'vp', 'VP', "
                           "'x', 'office', 900, :t, CURRENT_TIMESTAMP)"), {"t": True})
        command.downgrade(db._alembic_config(runtime.engine), "0014")
        with runtime.engine.connect() as c:
            rows = c.execute(text("SELECT id, commune_id FROM users ORDER BY id")).all()
        assert rows == [(7, 900), (8, None)]
    finally:
        runtime.close()
