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


def test_upgrade_to_0004_keeps_users_and_forgets_the_unused_locale(blank):
    db.upgrade(blank.engine, "0003")
    with blank.engine.begin() as c:
        c.execute(text("INSERT INTO users (username, display_name, password_hash, role, locale,"
                       " active, created_at) VALUES ('hoa', 'Hòa', 'x', 'producer', 'vi', :t,"
                       " CURRENT_TIMESTAMP)"), {"t": True})
    db.upgrade(blank.engine)
    with blank.engine.connect() as c:
        row = c.execute(text("SELECT display_name, locale FROM users WHERE username = 'hoa'")).one()
    assert row == ("Hòa", None)   # nobody had chosen a language through this column
