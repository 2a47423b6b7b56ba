"""index backlog: products whose search entry must be rewritten

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_backlog",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_index_backlog")),
    )


def downgrade() -> None:
    op.drop_table("index_backlog")
