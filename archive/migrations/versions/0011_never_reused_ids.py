"""products and files: ids are never handed out again on SQLite (AUTOINCREMENT)

SQLite gives a new row the largest id + 1 unless the table is AUTOINCREMENT, so the
id of a deleted newest product came back for the next one: its OAI identifier then
named two products (one deleted), and old links and tombstones pointed at the new
one. The two tables are rebuilt as AUTOINCREMENT and their counters start above
every id ever used, including deleted products known from the audit trail and the
OAI tombstones. PostgreSQL sequences never reuse ids: nothing to do there.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_HIGHEST_EVER = {
    "products": ("SELECT MAX(id) FROM products", "SELECT MAX(product_id) FROM product_changes",
                 "SELECT MAX(product_id) FROM oai_tombstones",
                 "SELECT MAX(product_id) FROM events"),
    "files": ("SELECT MAX(id) FROM files", "SELECT MAX(file_id) FROM events"),
}


def _highest(bind, queries) -> int:
    found = 0
    tables = set(sa.inspect(bind).get_table_names())
    for query in queries:
        table = query.split(" FROM ")[1]
        if table in tables:
            found = max(found, bind.execute(sa.text(query)).scalar() or 0)
    return found


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, queries in _HIGHEST_EVER.items():
        highest = _highest(bind, queries)
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"),
                     {"t": table, "n": highest})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in _HIGHEST_EVER:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": False}):
            pass
