"""OAI-PMH: publication records and tombstones

Revision ID: 0006
Revises: 0005
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_publications")),
    )
    op.create_table(
        "oai_tombstones",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("datestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sets", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_oai_tombstones")),
    )
    op.create_index(op.f("ix_oai_tombstones_datestamp"), "oai_tombstones", ["datestamp"])


def downgrade() -> None:
    op.drop_index(op.f("ix_oai_tombstones_datestamp"), table_name="oai_tombstones")
    op.drop_table("oai_tombstones")
    op.drop_table("publications")
