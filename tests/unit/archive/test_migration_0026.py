"""Migration 0026 gives the summary facts what the dashboard's to-do lists read (a
product with no language or no channel, and the lists' indexes) and has every product
counted over once, by the first fold allowed to start over; until then the figures are
counted from the products. The downgrade drops them and writes go on.

Runs on SQLite here and on PostgreSQL through tests/integration/test_stats_summary_postgres.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from archive import db
from tests.unit.archive.test_migration_0024 import PRODUCT


@pytest.fixture
def at_0025(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0025")
    yield runtime
    runtime.close()


def _facts(c) -> list[tuple]:
    return sorted(c.execute(text("SELECT product_id, unclassified FROM stats_facts")))


def test_the_upgrade_counts_every_product_over_once(at_0025):
    from app.services.stats import summary

    kho = at_0025
    with kho.engine.begin() as c:
        c.execute(text(PRODUCT), {"t": "Bản tin"})
        product = c.execute(text("SELECT max(id) FROM products")).scalar()
        # the cells as a 0025 fold left them: counted with this catalogue, none marked
        c.execute(text("DELETE FROM stats_dirty"))
        c.execute(text("INSERT INTO stats_facts (product_id, month, digitised, online, "
                       "counted, terms, communes) VALUES (:p, 202501, 0, 0, 1, '', '')"),
                  {"p": product})
        c.execute(text("UPDATE stats_state SET catalogue = 'counted by 0025'"))
    db.upgrade(kho.engine)
    names = {i["name"] for i in inspect(kho.engine).get_indexes("stats_facts")}
    assert {"ix_stats_facts_not_digitised", "ix_stats_facts_unclassified"} <= names
    with kho.engine.begin() as c:
        assert _facts(c) == [(product, 0)]             # the old row, not yet counted
    # a request does not start over (it counts from the products meanwhile) ...
    assert summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False) is None
    # ... a worker's sweep or `kho init` does: no language, no channel -> unclassified
    assert summary.fold(kho) is not None
    with kho.engine.begin() as c:
        assert _facts(c) == [(product, 1)]
        assert c.execute(text("SELECT total FROM stats_cells WHERE part = 0 AND dim = 11")
                         ).scalars().all() == [1]


def test_downgrade_drops_the_column_and_writes_go_on(at_0025):
    from alembic import command

    from archive.db import _alembic_config

    kho = at_0025
    db.upgrade(kho.engine)
    command.downgrade(_alembic_config(kho.engine), "0025")
    assert "unclassified" not in {c["name"] for c in inspect(kho.engine).get_columns("stats_facts")}
    with kho.engine.begin() as c:
        c.execute(text(PRODUCT), {"t": "sau khi hạ"})
        assert c.execute(text("SELECT count(*) FROM stats_dirty")).scalar() == 1
    db.upgrade(kho.engine)                           # and up again, cleanly
    assert "unclassified" in {c["name"] for c in inspect(kho.engine).get_columns("stats_facts")}
