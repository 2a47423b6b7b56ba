"""Migration 0028 gives each product's summary facts its failed files (the dashboard's
"files that failed processing" count of a period is then a sum over them) and has every
product counted over once by the first fold allowed to start over; the downgrade drops
the column and writes go on.

Runs on SQLite here and on PostgreSQL through tests/integration/test_stats_summary_postgres.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from archive import db
from tests.unit.archive.test_migration_0024 import PRODUCT
from tests.unit.archive.test_migration_0025 import FILE


@pytest.fixture
def at_0027(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0027")
    yield runtime
    runtime.close()


def test_the_upgrade_counts_each_products_failed_files(at_0027):
    from app.services.stats import summary

    kho = at_0027
    with kho.engine.begin() as c:
        c.execute(text(PRODUCT), {"t": "Phóng sự lỗi tệp"})
        product = c.execute(text("SELECT max(id) FROM products")).scalar()
        for digest in ("a" * 64, "b" * 64, "c" * 64):
            c.execute(text(FILE), {"p": product, "h": digest})
        c.execute(text("UPDATE files SET status = 'failed' WHERE sha256 <> :h"), {"h": "c" * 64})
        # the facts as a 0027 fold left them: counted with this catalogue, none marked
        c.execute(text("DELETE FROM stats_dirty"))
        c.execute(text("INSERT INTO stats_facts (product_id, month, digitised, online, "
                       "counted, terms, communes) VALUES (:p, 202501, 1, 0, 1, '', '')"),
                  {"p": product})
        c.execute(text("UPDATE stats_state SET catalogue = 'counted by 0027'"))
    db.upgrade(kho.engine)
    with kho.engine.begin() as c:        # the old row, not yet counted
        assert c.execute(text("SELECT failed FROM stats_facts")).scalars().all() == [0]
    assert "ix_stats_facts_failed" in {i["name"] for i in inspect(kho.engine).get_indexes(
        "stats_facts")}
    # a request does not start over (it counts from the products meanwhile) ...
    assert summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False) is None
    assert summary.fold(kho) is not None                  # ... `kho init` or a sweep does
    with kho.engine.begin() as c:
        assert c.execute(text("SELECT failed FROM stats_facts WHERE product_id = :p"),
                         {"p": product}).scalar() == 2


def test_downgrade_drops_the_column_and_writes_go_on(at_0027):
    from alembic import command

    from archive.db import _alembic_config

    kho = at_0027
    db.upgrade(kho.engine)
    command.downgrade(_alembic_config(kho.engine), "0027")
    assert "failed" not in {c["name"] for c in inspect(kho.engine).get_columns("stats_facts")}
    with kho.engine.begin() as c:
        c.execute(text(PRODUCT), {"t": "sau khi hạ"})
        assert c.execute(text("SELECT count(*) FROM stats_dirty")).scalar() >= 1
    db.upgrade(kho.engine)
    assert "failed" in {c["name"] for c in inspect(kho.engine).get_columns("stats_facts")}
