"""statistics: a change mark for the people and activities figures

The dashboard and ``/api/v1/stats`` read the people figures (trained per group and
unit, spokespersons, activities by kind and plan task) from their summary rows on every
request: ~20 ms at a province's size, a third of a served dashboard, because nothing
told the figures' cache when they changed. ``stats_people_changes`` is that mark: the
database writes a row whenever a row the figures read changes, whatever wrote it
(imports, merges, raw SQL), and the cache keys the figures by its newest id.

Tables watched (insert, update, delete): ``activities``, ``activity_communes``,
``activity_participant_counts``, ``trained_counts``, ``staff_counts``,
``spokespersons``, ``terms`` (group targets, labels, order) and ``units`` (names,
successors).

- PostgreSQL: deferred constraint triggers, so the row is written as the transaction
  commits (its id then follows the commit order closely), once per transaction (a
  transaction-local setting remembers it). Writers only ever insert new rows, so no
  writer waits for another on this table: a counter row updated by every writer would
  be locked in different orders by two transactions and could deadlock them.
- SQLite (one writer at a time): a row trigger writes a new row and deletes the older
  ones, so the table holds one row.

The sweep of the workers deletes the rows older than the newest on PostgreSQL.

Notes for later migrations:

- On SQLite a batch operation that rebuilds one of the watched tables drops its
  triggers; such a migration must create them again (:func:`create_triggers`).
- On PostgreSQL a write to a watched table queues a deferred trigger event until the
  transaction commits, and DDL on that table later in the same transaction (ALTER
  TABLE, CREATE INDEX, TRUNCATE) then fails with "pending trigger events". Alembic runs
  an upgrade in one transaction, so a migration that writes to a watched table (say a
  backfill of ``terms``) and then — itself or a later revision — alters it must run
  :func:`fire_pending` between the two.

Revision ID: 0029
Revises: 0028
"""
from alembic import op
import sqlalchemy as sa

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

WATCHED = ("activities", "activity_communes", "activity_participant_counts",
           "trained_counts", "staff_counts", "spokespersons", "terms", "units")
_EVENTS = {"ins": "INSERT", "upd": "UPDATE", "del": "DELETE"}
_SQLITE_MARK = ("INSERT INTO stats_people_changes (id) VALUES (NULL); "
                "DELETE FROM stats_people_changes "
                "WHERE id < (SELECT max(id) FROM stats_people_changes);")
_PG_FUNCTION = """CREATE OR REPLACE FUNCTION stats_people_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
      IF coalesce(current_setting('kho.people_changed', true), '') <> 'y' THEN
        PERFORM set_config('kho.people_changed', 'y', true);
        INSERT INTO stats_people_changes DEFAULT VALUES;
      END IF;
      RETURN NULL;
    END $$"""


def create_triggers() -> None:
    """The triggers of this migration, for the current dialect."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in WATCHED:
            op.execute(f"CREATE CONSTRAINT TRIGGER stats_people_{table} "
                       f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                       "EXECUTE FUNCTION stats_people_changed()")
        return
    for table in WATCHED:
        for suffix, event in _EVENTS.items():
            op.execute(f"CREATE TRIGGER stats_people_{table}_{suffix} AFTER {event} "
                       f"ON {table} BEGIN {_SQLITE_MARK} END")


def fire_pending() -> None:
    """Fire the people marks queued so far in this transaction (PostgreSQL), so DDL on a
    watched table can follow a write to it; nothing to do on SQLite."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS stats_people_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS stats_people_changed()")
        return
    for table in WATCHED:
        for suffix in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS stats_people_{table}_{suffix}")


def upgrade() -> None:
    op.create_table(
        "stats_people_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_people_changes")),
        sqlite_autoincrement=True)
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("stats_people_changes")
