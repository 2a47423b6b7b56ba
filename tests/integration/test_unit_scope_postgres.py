"""Unit-scoped accounts on PostgreSQL: the unit scope's rules, each office's part of
the figures, next steps, report and broadcast list, and the refusal of a filter outside
it, run unchanged (the ``kho`` fixture of this folder is a PostgreSQL instance); and the
0015 migration keeps a commune account's commune there."""
from tests.unit.services.access.test_unit_scope import *  # noqa: F401,F403
from tests.unit.services.stats.test_unit_parts import *  # noqa: F401,F403,E402


def test_0015_keeps_a_commune_accounts_commune_on_postgresql(tmp_path, pg_url):  # noqa: F811
    from sqlalchemy import text

    from app.bootstrap import Kho
    from archive import db
    from tests.conftest import make_settings

    runtime = Kho(make_settings(tmp_path / "instance", database_url=pg_url))
    try:
        db.upgrade(runtime.engine, "0014")
        with runtime.engine.begin() as c:
            c.execute(text("INSERT INTO units (id, code, name, short_name, level) VALUES "
                           "(900, 'xa-thu', 'Xã Thử', 'Thử', 'commune')"))
            c.execute(text("INSERT INTO users (id, username, display_name, password_hash, "
                           "role, commune_id, active, created_at) VALUES (7, 'thu', 'Thử', "
                           "'x', 'commune', 900, true, CURRENT_TIMESTAMP)"))
        db.upgrade(runtime.engine)
        with runtime.engine.connect() as c:
            assert c.execute(text("SELECT unit_id FROM users WHERE id = 7")).scalar() == 900
    finally:
        runtime.close()
