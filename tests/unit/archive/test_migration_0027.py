"""Migration 0027 adds the year sums of the summary cells and fills them from the month
cells already counted (no recount: the figures stay current across the upgrade); the
downgrade drops them.

Runs on SQLite here and on PostgreSQL through tests/integration/test_stats_summary_postgres.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from archive import db

CELL = ("INSERT INTO stats_cells (part, month, dim, key, total, digitised, ethnic_language, "
        "foreign_language, digital_platform, combined, online) "
        "VALUES (:part, :month, :dim, :key, :n, :n, 0, 0, 0, 0, 1)")


@pytest.fixture
def at_0026(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0026")
    yield runtime
    runtime.close()


def _years(c) -> list[tuple]:
    return sorted(tuple(r) for r in c.execute(text(
        "SELECT part, year, dim, key, total, digitised, online FROM stats_year_cells")))


def test_the_upgrade_sums_the_month_cells_per_year_and_over_every_month(at_0026):
    kho = at_0026
    with kho.engine.begin() as c:
        for part, month, dim, key, n in ((0, 202401, 2, 7, 3), (0, 202412, 2, 7, 4),
                                         (0, 202501, 2, 7, 5), (0, 202403, 0, 0, 2),
                                         (5, 202403, 2, 7, 1)):
            c.execute(text(CELL), dict(part=part, month=month, dim=dim, key=key, n=n))
    db.upgrade(kho.engine)
    with kho.engine.begin() as c:
        assert _years(c) == [
            (0, 0, 0, 0, 2, 2, 1), (0, 0, 2, 7, 12, 12, 3),        # every month
            (0, 2024, 0, 0, 2, 2, 1), (0, 2024, 2, 7, 7, 7, 2), (0, 2025, 2, 7, 5, 5, 1),
            (5, 0, 2, 7, 1, 1, 1), (5, 2024, 2, 7, 1, 1, 1)]


def test_downgrade_drops_the_year_sums_and_up_again(at_0026):
    from alembic import command

    from archive.db import _alembic_config

    kho = at_0026
    db.upgrade(kho.engine)
    command.downgrade(_alembic_config(kho.engine), "0026")
    assert "stats_year_cells" not in inspect(kho.engine).get_table_names()
    with kho.engine.begin() as c:
        c.execute(text(CELL), dict(part=0, month=202601, dim=0, key=0, n=9))
    db.upgrade(kho.engine)
    with kho.engine.begin() as c:
        assert _years(c) == [(0, 0, 0, 0, 9, 9, 1), (0, 2026, 0, 0, 9, 9, 1)]
