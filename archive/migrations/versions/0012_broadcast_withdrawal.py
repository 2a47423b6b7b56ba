"""broadcast logs can be withdrawn: withdrawn_at / withdrawn_by, one log in force per airing

A log typed by mistake (wrong day, wrong product) is withdrawn, not deleted: the row
stays with who withdrew it and when, and a ``broadcast.withdraw`` event goes to the
product's history. Counts and lists skip withdrawn rows.

The "same product, commune and day is logged once" rule becomes a partial unique index
over the logs in force, so two parallel logs of one airing cannot both be written (the
check before the insert could let both through on PostgreSQL). Duplicates such a race
may already have left are withdrawn here (the oldest log of each airing stays), each
with its event, so the index can be built and the history says what happened.

Revision ID: 0012
Revises: 0011
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

IN_FORCE = "withdrawn_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_broadcasts_withdrawn_by_id_users"),
                                    "users", ["withdrawn_by_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_broadcasts_withdrawn_at"), ["withdrawn_at"],
                              unique=False)
    _withdraw_duplicates(op.get_bind())
    op.create_index("uq_broadcasts_in_force", "broadcasts",
                    ["product_id", "commune_id", "aired_on"], unique=True,
                    sqlite_where=sa.text(IN_FORCE), postgresql_where=sa.text(IN_FORCE))


def _withdraw_duplicates(bind) -> None:
    """Every log of an airing (product, commune, day) but the oldest: withdrawn now, by
    nobody (the upgrade), with a history event naming the log it duplicated."""
    rows = bind.execute(sa.text(
        "SELECT b.id, b.product_id, b.aired_on, u.code, b.commune_id FROM broadcasts b "
        "JOIN units u ON u.id = b.commune_id ORDER BY b.product_id, b.commune_id, "
        "b.aired_on, b.id")).all()
    now = datetime.now(timezone.utc)
    kept: dict[tuple, int] = {}
    for log_id, product_id, aired_on, code, commune_id in rows:
        first = kept.setdefault((product_id, commune_id, str(aired_on)), log_id)
        if first == log_id:
            continue
        bind.execute(sa.text("UPDATE broadcasts SET withdrawn_at = :now WHERE id = :id"),
                     {"now": now, "id": log_id})
        day = str(aired_on)[:10]
        bind.execute(sa.text(
            "INSERT INTO events (product_id, action, tool, tool_version, outcome, detail, at)"
            " VALUES (:p, 'broadcast.withdraw', 'kho', '', 'ok', :d, :now)"),
            {"p": product_id, "now": now,
             "d": f"log #{log_id} withdrawn (the same airing as log #{first}): "
                  f"aired on {day} by {code}"})


def downgrade() -> None:
    op.drop_index("uq_broadcasts_in_force", table_name="broadcasts",
                  sqlite_where=sa.text(IN_FORCE), postgresql_where=sa.text(IN_FORCE))
    op.execute("DELETE FROM broadcasts WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcasts_withdrawn_at"))
        batch_op.drop_constraint(batch_op.f("fk_broadcasts_withdrawn_by_id_users"),
                                 type_="foreignkey")
        batch_op.drop_column("withdrawn_by_id")
        batch_op.drop_column("withdrawn_at")
