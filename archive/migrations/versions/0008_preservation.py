"""fixity of each copy of an original, the replica outbox and background-task leases

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "copy_fixity",
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("copy", sa.String(length=10), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("expected_sha256", sa.String(length=64), nullable=False),
        sa.Column("found_sha256", sa.String(length=64), nullable=True),
        sa.Column("found_size", sa.BigInteger(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", "copy", name=op.f("pk_copy_fixity")),
    )
    op.create_index(op.f("ix_copy_fixity_verdict"), "copy_fixity", ["verdict"])
    op.create_index(op.f("ix_copy_fixity_checked_at"), "copy_fixity", ["checked_at"])
    op.create_table(
        "replica_outbox",
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", name=op.f("pk_replica_outbox")),
    )
    op.create_index(op.f("ix_replica_outbox_queued_at"), "replica_outbox", ["queued_at"])
    op.create_table(
        "preservation_leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_preservation_leases")),
    )


def downgrade() -> None:
    op.drop_table("preservation_leases")
    op.drop_table("replica_outbox")
    op.drop_table("copy_fixity")
