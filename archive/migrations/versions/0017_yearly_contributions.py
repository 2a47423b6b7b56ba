"""yearly_contributions: each body's yearly contribution to the plan's report (reporting chain, part 3)

Four new tables (``archive/contributions.py``): ``contributions`` (one unit's part for
one year: results, difficulties, proposals, state draft/submitted/returned/accepted,
when submitted and reviewed; unique per unit and year), ``contribution_products`` (links
to products, removed with the product), ``contribution_activities`` (activity ids, no
foreign key: the activities table comes in 0018) and ``contribution_events`` (the audit
trail). Nothing existing changes.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("difficulties", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_contributions_unit_id_units")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_contributions_submitted_by_id_users")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_contributions_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
        sa.UniqueConstraint("unit_id", "year", name="uq_contributions_unit_year"),
    )
    op.create_index(op.f("ix_contributions_unit_id"), "contributions", ["unit_id"])
    op.create_index(op.f("ix_contributions_year"), "contributions", ["year"])
    op.create_table(
        "contribution_products",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contributions.id"], ondelete="CASCADE",
                                name=op.f("fk_contribution_products_contribution_id_contributions")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_contribution_products_product_id_products")),
        sa.PrimaryKeyConstraint("contribution_id", "product_id",
                                name=op.f("pk_contribution_products")),
    )
    op.create_index(op.f("ix_contribution_products_product_id"), "contribution_products",
                    ["product_id"])
    op.create_table(
        "contribution_activities",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contributions.id"], ondelete="CASCADE",
                                name=op.f("fk_contribution_activities_contribution_id_contributions")),
        sa.PrimaryKeyConstraint("contribution_id", "activity_id",
                                name=op.f("pk_contribution_activities")),
    )
    op.create_index(op.f("ix_contribution_activities_activity_id"), "contribution_activities",
                    ["activity_id"])
    op.create_table(
        "contribution_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contributions.id"], ondelete="CASCADE",
                                name=op.f("fk_contribution_events_contribution_id_contributions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_contribution_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_events")),
    )
    op.create_index(op.f("ix_contribution_events_contribution_id"), "contribution_events",
                    ["contribution_id"])
    op.create_index(op.f("ix_contribution_events_at"), "contribution_events", ["at"])


def downgrade() -> None:
    op.drop_table("contribution_events")
    op.drop_table("contribution_activities")
    op.drop_table("contribution_products")
    op.drop_table("contributions")
