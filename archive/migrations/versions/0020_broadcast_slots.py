"""broadcast slots: several airings of a product a day, one log per airing

A commune radio airs a feature in the morning and again in the evening; each airing is
a log, and the figures count airings. ``broadcasts.slot`` says the part of the day
(``morning``, ``noon``, ``afternoon``, ``evening``; ``app/services/broadcasts/slots.py``)
and the partial unique index over the logs in force becomes (product, commune, day,
slot): the same airing logged twice, or a retried request, still ends in one log.

Existing logs keep their rows and get the slot ``""`` (not known): they stay one per
product, commune and day among the logs without a slot, as before; a log with a slot
may be added beside one of them.

SQLite: the column is added in batch mode (a NOT NULL column with its default); the
index is partial on both engines and is dropped and built again, not altered.

Downgrade: the old index allows one log in force per product, commune and day, so
every airing of a day but the oldest is withdrawn first (by nobody, with a
``broadcast.withdraw`` event naming the log it shares the day with), as 0012 did.

Revision ID: 0020
Revises: 0019
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

IN_FORCE = "withdrawn_at IS NULL"
INDEX = "uq_broadcasts_in_force"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="broadcasts", sqlite_where=sa.text(IN_FORCE),
                  postgresql_where=sa.text(IN_FORCE))
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot", sa.String(length=10), nullable=False,
                                      server_default=""))
    op.create_index(INDEX, "broadcasts", ["product_id", "commune_id", "aired_on", "slot"],
                    unique=True, sqlite_where=sa.text(IN_FORCE),
                    postgresql_where=sa.text(IN_FORCE))


def _withdraw_later_airings(bind) -> None:
    """Every log in force of a product, commune and day but the oldest: withdrawn now,
    with a history event naming the log that stays."""
    rows = bind.execute(sa.text(
        "SELECT b.id, b.product_id, b.aired_on, u.code, b.commune_id, b.slot "
        "FROM broadcasts b JOIN units u ON u.id = b.commune_id "
        "WHERE b.withdrawn_at IS NULL "
        "ORDER BY b.product_id, b.commune_id, b.aired_on, b.id")).all()
    now = datetime.now(timezone.utc)
    kept: dict[tuple, int] = {}
    for log_id, product_id, aired_on, code, commune_id, slot in rows:
        first = kept.setdefault((product_id, commune_id, str(aired_on)[:10]), log_id)
        if first == log_id:
            continue
        bind.execute(sa.text("UPDATE broadcasts SET withdrawn_at = :now WHERE id = :id"),
                     {"now": now, "id": log_id})
        day = str(aired_on)[:10]
        airing = f"aired on {day}" + (f" ({slot})" if slot else "") + f" by {code}"
        bind.execute(sa.text(
            "INSERT INTO events (product_id, action, tool, tool_version, outcome, detail, at)"
            " VALUES (:p, 'broadcast.withdraw', 'kho', '', 'ok', :d, :now)"),
            {"p": product_id, "now": now,
             "d": f"log #{log_id} withdrawn (the same day as log #{first}): {airing}"})


def downgrade() -> None:
    op.drop_index(INDEX, table_name="broadcasts", sqlite_where=sa.text(IN_FORCE),
                  postgresql_where=sa.text(IN_FORCE))
    _withdraw_later_airings(op.get_bind())
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("slot")
    op.create_index(INDEX, "broadcasts", ["product_id", "commune_id", "aired_on"],
                    unique=True, sqlite_where=sa.text(IN_FORCE),
                    postgresql_where=sa.text(IN_FORCE))
