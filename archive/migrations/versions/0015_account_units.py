"""account_units: every account belongs to a unit (users.commune_id -> users.unit_id)

One column for every role: a commune account's unit is its commune (the rows keep their
value), an office, producer or admin account may now have one too (a commune office, a
provincial department). NULL stays allowed: an office account without a unit sees
everything, as before.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("fk_users_commune_id_units", type_="foreignkey")
        batch_op.alter_column("commune_id", new_column_name="unit_id",
                              existing_type=sa.Integer(), existing_nullable=True)
    with op.batch_alter_table("users") as batch_op:     # SQLite: a second copy
        batch_op.create_foreign_key(batch_op.f("fk_users_unit_id_units"), "units",
                                    ["unit_id"], ["id"])


def downgrade() -> None:
    # only a commune account's unit was kept before 0015
    op.execute("UPDATE users SET unit_id = NULL WHERE role <> 'commune'")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("fk_users_unit_id_units", type_="foreignkey")
        batch_op.alter_column("unit_id", new_column_name="commune_id",
                              existing_type=sa.Integer(), existing_nullable=True)
    with op.batch_alter_table("users") as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_users_commune_id_units"), "units",
                                    ["commune_id"], ["id"])
