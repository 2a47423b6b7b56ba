"""statistics: the dashboard's to-do lists read the summary rows

The dashboard's to-do lists (products not digitised, products with no language or no
channel) counted the whole catalogue after every edit (5 s at 1,000,000 products on
SQLite, issue 27). Now they are read off the summary rows:

- ``stats_facts.unclassified``: 1 when the product has no language or no channel term;
- indexes ``ix_stats_facts_not_digitised`` (counted, digitised, product_id) and
  ``ix_stats_facts_unclassified`` (counted, unclassified, product_id): each list is
  the newest products of its kind, walked in one index range;
- a new breakdown in ``stats_cells`` (dimension 11, "unclassified"), so the list's
  total is a sum of cells;
- index ``ix_files_status_updated_at`` (status, updated_at, id): the failed files, newest
  first, without sorting every failed file (37,627 of them took 0.1 s to sort on SQLite
  at 1,000,000 products). Creating an index does not rebuild ``files``, so its triggers
  stay.

The facts and cells are counted over once after the upgrade: the fingerprint the cells
were counted with (``stats_state.catalogue``) is cleared, so the first fold allowed to
start over (``kho init``, ``kho stats rebuild``, a worker's sweep) recounts everything;
until then requests count from the products, as before (exact, slower).

``stats_facts`` carries no trigger, so adding a column needs no table rebuild on SQLite.

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stats_facts", sa.Column("unclassified", sa.SmallInteger(), nullable=False,
                                           server_default="0"))
    op.create_index("ix_stats_facts_not_digitised", "stats_facts",
                    ["counted", "digitised", "product_id"])
    op.create_index("ix_stats_facts_unclassified", "stats_facts",
                    ["counted", "unclassified", "product_id"])
    op.create_index("ix_files_status_updated_at", "files", ["status", "updated_at", "id"])
    op.execute("UPDATE stats_state SET catalogue = ''")


def downgrade() -> None:
    op.drop_index("ix_files_status_updated_at", table_name="files")
    op.drop_index("ix_stats_facts_unclassified", table_name="stats_facts")
    op.drop_index("ix_stats_facts_not_digitised", table_name="stats_facts")
    with op.batch_alter_table("stats_facts") as batch:
        batch.drop_column("unclassified")
    op.execute("DELETE FROM stats_cells WHERE dim = 11")
    op.execute("UPDATE stats_state SET catalogue = ''")
