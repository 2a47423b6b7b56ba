"""processing problems stored as a template and values (reserved for the processing-failure work)

Revision ID: 0013
Revises: 0012
"""
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
