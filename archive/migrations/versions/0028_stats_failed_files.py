"""statistics: each product's failed files in its summary facts

The dashboard's "files that failed processing" count joined every failed file to its
product to learn whether it fell in the period asked (37,627 failed files: 100 ms on
SQLite at a million products, after every edit). ``stats_facts.failed`` holds how many
of a product's files failed, kept by the fold like the other facts (a file's status
change already marks its product), and ``ix_stats_facts_failed`` (counted, failed,
month) sums a period's over the few products with any (confirmed repeats left out).

The facts are counted over once after the upgrade, as after 0026: the fingerprint the
cells were counted with (``stats_state.catalogue``) is cleared, so the first fold
allowed to start over (``kho init``, ``kho stats rebuild``, a worker's sweep) recounts
everything; until then requests count from the products (exact, slower).

``stats_facts`` carries no trigger, so adding a column needs no table rebuild on SQLite.

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stats_facts", sa.Column("failed", sa.Integer(), nullable=False,
                                           server_default="0"))
    op.create_index("ix_stats_facts_failed", "stats_facts", ["counted", "failed", "month"])
    op.execute("UPDATE stats_state SET catalogue = ''")


def downgrade() -> None:
    op.drop_index("ix_stats_facts_failed", table_name="stats_facts")
    with op.batch_alter_table("stats_facts") as batch:
        batch.drop_column("failed")
    op.execute("UPDATE stats_state SET catalogue = ''")
