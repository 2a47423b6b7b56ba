"""suggestion_dismissals: suggested themes and conventions an editor dismissed

A dismissed suggestion is not offered again for that product when its files are
processed again (``archive/suggestions.py``). Nothing existing changes.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_dismissals",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_suggestion_dismissals_product_id_products")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_suggestion_dismissals_user_id_users")),
        sa.PrimaryKeyConstraint("product_id", "kind", "code",
                                name=op.f("pk_suggestion_dismissals")),
    )


def downgrade() -> None:
    op.drop_table("suggestion_dismissals")
