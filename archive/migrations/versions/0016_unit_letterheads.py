"""unit_letterheads: what a letterhead needs on each unit (reporting chain, part 2)

Placeholder step in the chain: filled in by the change that builds it.

Revision ID: 0016
Revises: 0015
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
