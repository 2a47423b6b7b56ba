"""One row's write lock for the rest of a transaction, on SQLite and PostgreSQL alike:
``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite a no-op UPDATE of the row's ``version``,
which takes the database's write lock (SQLite has no row locks). Writers of one record
(a product, an activity) are serialised by it, so each reads what the one before wrote.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.base import fits_id


def lock_row(session: Session, model: Any, row_id: int) -> None:
    """Lock ``model``'s row ``row_id`` (a model with ``id`` and ``version`` columns);
    nothing happens for an id no row can have."""
    if not fits_id(row_id):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(model.id).where(model.id == row_id).with_for_update())
    else:
        session.execute(update(model).where(model.id == row_id)
                        .values(version=model.version)
                        .execution_options(synchronize_session=False))
