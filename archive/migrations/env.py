"""Alembic environment: the engine is handed in by archive.db.upgrade.

SQLite alters a column by copying its table, dropping the old one and renaming the
copy ("batch" mode). With foreign keys enforced (archive.db turns them on for every
connection) dropping ``users`` would cascade: API tokens deleted, every recorded
author set to NULL. So on SQLite the migrations run with foreign keys off, the
result is checked with ``PRAGMA foreign_key_check`` before it is committed, and
enforcement is switched back on for the pooled connection.
"""
from alembic import context
from sqlalchemy import text

from archive.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # a no-op inside a transaction, so before the migrations' one
        connection.execute(text("PRAGMA foreign_keys=OFF"))
        connection.commit()
    try:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=sqlite, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            connection.execute(text("PRAGMA foreign_keys=ON"))
            connection.commit()
