"""users.locale: the language a user chose, or NULL when they never chose one

Until now the column was filled with "vi" for everybody and never read (the choice
lived only in a browser cookie), so every existing value is reset to NULL: the
browser's language keeps applying until the user picks one.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=5), nullable=True)
    op.execute("UPDATE users SET locale = NULL")


def downgrade() -> None:
    op.execute("UPDATE users SET locale = 'vi' WHERE locale IS NULL")
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=5), nullable=False)
