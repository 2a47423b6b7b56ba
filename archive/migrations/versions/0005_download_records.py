"""downloads of files and renditions, coalesced per user, rendition and day

Revision ID: 0005
Revises: 0004
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "download_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("rendition", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["commune_id"], ["units.id"],
                                name=op.f("fk_download_records_commune_id_units")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_download_records_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download_records")),
        sa.UniqueConstraint("user_id", "file_id", "rendition", "day",
                            name=op.f("uq_download_records_user_id")),
    )
    op.create_index(op.f("ix_download_records_commune_id"), "download_records", ["commune_id"])
    op.create_index("ix_download_records_product_day", "download_records",
                    ["product_id", "day"])
    op.create_index("ix_download_records_day_commune", "download_records",
                    ["day", "commune_id"])


def downgrade() -> None:
    op.drop_table("download_records")
