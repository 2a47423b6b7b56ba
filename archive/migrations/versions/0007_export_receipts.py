"""export receipts and the identity of imported products

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("set_spec", sa.String(length=120), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("objects", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("high_water", sa.DateTime(timezone=True), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_export_receipts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_receipts")),
    )
    op.create_index("ix_export_receipts_chain", "export_receipts",
                    ["format", "scope", "set_spec"])
    op.create_index(op.f("ix_export_receipts_finished_at"), "export_receipts", ["finished_at"])
    op.create_table(
        "imported_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_products")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_imported_products_source")),
    )
    op.create_index(op.f("ix_imported_products_product_id"), "imported_products",
                    ["product_id"])


def downgrade() -> None:
    op.drop_table("imported_products")
    op.drop_table("export_receipts")
