"""The Alembic migrations build exactly the models, and upgrades keep the data."""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import text

from archive import db


@pytest.fixture
def blank(settings) -> Iterator:
    """An instance whose database has no tables yet."""
    from app.bootstrap import Kho

    runtime = Kho(settings)
    yield runtime
    runtime.close()


def test_migrations_build_exactly_what_the_models_describe(kho):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from archive.base import Base
    import archive.models  # noqa: F401 - registers every table

    with kho.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_upgrade_to_0004_keeps_users_tokens_and_history(blank):
    # 0004 alters users; on SQLite that copies and drops the table, which must not
    # cascade to the rows that point at users (tokens deleted, authors set to NULL).
    db.upgrade(blank.engine, "0003")
    with blank.engine.begin() as c:
        c.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, locale,"
                       " active, created_at) VALUES (7, 'hoa', 'Hòa', 'x', 'producer', 'vi', :t,"
                       " CURRENT_TIMESTAMP)"), {"t": True})
        c.execute(text("INSERT INTO api_tokens (user_id, token_hash, prefix, label, created_at)"
                       " VALUES (7, 'abc', 'kho_ab', 'máy trạm', CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO events (action, tool, tool_version, outcome, user_id, detail,"
                       " at) VALUES ('user.add', '', '', 'ok', 7, 'hoa', CURRENT_TIMESTAMP)"))
    db.upgrade(blank.engine)
    with blank.engine.connect() as c:
        row = c.execute(text("SELECT display_name, locale FROM users WHERE id = 7")).one()
        tokens = c.execute(text("SELECT label FROM api_tokens WHERE user_id = 7")).all()
        authors = c.execute(text("SELECT user_id FROM events WHERE action = 'user.add'")).all()
    assert row == ("Hòa", None)   # nobody had chosen a language through this column
    assert tokens == [("máy trạm",)]
    assert authors == [(7,)]
    if blank.engine.dialect.name == "sqlite":   # enforcement is back on afterwards
        with blank.engine.connect() as c:
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_an_instance_not_upgraded_is_reported_and_not_served(blank, monkeypatch):
    from click.testing import CliRunner

    from app.cli import main
    from app.services.instance.setup import health

    db.upgrade(blank.engine, "0003")   # new code, database left at the previous version
    assert "kho init" in health(blank)["database"]
    monkeypatch.setenv("KHO_INSTANCE_PATH", blank.settings.instance_path)
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    monkeypatch.setenv("KHO_SECRET_KEY", "x")
    worker = CliRunner().invoke(main, ["--lang", "en", "worker"])
    assert worker.exit_code != 0 and "run `kho init`" in worker.output
    db.upgrade(blank.engine)
    assert health(blank)["database"] == "ok"


def test_ids_of_deleted_products_and_files_are_never_handed_out_again(kho):
    from sqlalchemy import delete, insert

    from archive.models import File, Product

    with kho.transaction() as s:
        first = s.execute(insert(Product).values(title="một", status="draft")
                          .returning(Product.id)).scalar_one()
        second = s.execute(insert(Product).values(title="hai", status="draft")
                           .returning(Product.id)).scalar_one()
        s.execute(delete(Product).where(Product.id == second))
    with kho.transaction() as s:
        third = s.execute(insert(Product).values(title="ba", status="draft")
                          .returning(Product.id)).scalar_one()
    assert first < second < third


def test_upgrade_to_0011_starts_ids_above_every_deleted_product(blank):
    db.upgrade(blank.engine, "0010")
    with blank.engine.begin() as c:
        c.execute(text("INSERT INTO products (id, title, description, tags, suggestions, "
                       "rights_note, sensitive, status, created_at, updated_at, version) VALUES "
                       "(1, 'một', '', '[]', '[]', '', :f, 'draft', CURRENT_TIMESTAMP, "
                       "CURRENT_TIMESTAMP, 1)"), {"f": False})
        c.execute(text("INSERT INTO product_changes (product_id, action, changes, at) VALUES "
                       "(7, 'delete', '{}', CURRENT_TIMESTAMP)"))
    db.upgrade(blank.engine, "head")
    with blank.engine.begin() as c:
        c.execute(text("INSERT INTO products (title, description, tags, suggestions, "
                       "rights_note, status, created_at, updated_at, version) VALUES "
                       "('mới', '', '[]', '[]', '', 'draft', CURRENT_TIMESTAMP, "
                       "CURRENT_TIMESTAMP, 1)"))
        assert c.execute(text("SELECT MAX(id) FROM products")).scalar() == 8
