"""statistics triggers after review: a moved file's partners, usage cells in one order

Three changes to the triggers of migration 0024 (issue 27, review):

- A file moved to another product (``files.product_id`` updated) now also marks the
  products of the files paired with it in ``near_duplicates``: which of two products
  is the confirmed repeat (the later one of a pair answered "same") depends on both
  files' products, so the partner's product can start or stop counting. New trigger
  ``stats_files_move`` (SQLite and PostgreSQL, function ``stats_mark_file_partners``).
- On PostgreSQL the triggers that add an airing's or a download's 1 to
  ``stats_usage_cells`` take a transaction-scoped advisory lock
  (:data:`USAGE_LOCK`) before touching any cell. Two transactions writing the same
  cells in opposite orders (airings of communes A then B, and B then A) deadlocked on
  the cells' row locks; now every writer of usage cells takes that one lock first, so
  they queue instead (a download's transaction is one statement; a broadcast log's a
  few rows). ``kho stats rebuild`` takes the same lock to recount the cells. SQLite
  has one writer at a time and needs nothing.
- A new table ``stats_usage_edits`` (model in ``archive/stats.py``) counts, per kind
  (0 airings, 1 downloads), the rows updated in what the usage cells count (day,
  commune, withdrawal) or deleted: the figures' cache keyed airings by the newest id
  and the number withdrawn, so an airing moved to another day or commune kept old
  figures. Triggers ``stats_broadcasts_edit*`` / ``stats_download_records_edit*`` on
  SQLite; on PostgreSQL the usage functions bump it (under the advisory lock).

Note for later migrations: on SQLite a batch operation that rebuilds ``files``,
``near_duplicates``, ``broadcasts`` or ``download_records`` drops their triggers; such a
migration must create them again: ``create_triggers()`` of 0024, then
:func:`create_triggers` of this module.

Downgrade drops the new triggers and table and restores 0024's functions.

Revision ID: 0025
Revises: 0024
"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

USAGE_LOCK = 270_271   # the advisory lock key of the usage cells (issue 27, part 1)

_PARTNERS = ("INSERT INTO stats_dirty (product_id) SELECT f.product_id FROM near_duplicates nd "
             "JOIN files f ON f.id = CASE WHEN nd.file_id = NEW.id THEN nd.other_file_id "
             "ELSE nd.file_id END WHERE (nd.file_id = NEW.id OR nd.other_file_id = NEW.id) "
             "AND f.product_id IS NOT NULL")


def _0024():
    """Migration 0024's module (its name starts with a digit: loaded by path)."""
    path = Path(__file__).with_name("0024_stats_summary.py")
    spec = importlib.util.spec_from_file_location("kho_migration_0024", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _edit(kind: int) -> str:
    return f"UPDATE stats_usage_edits SET count = count + 1 WHERE kind = {kind};"


def _usage_functions(locked: bool) -> list[str]:
    """0024's PostgreSQL usage functions; with ``locked`` (this migration) the advisory
    lock first and the edit counted."""
    old = _0024()
    lock = f"PERFORM pg_advisory_xact_lock({USAGE_LOCK});" if locked else ""
    out = []
    for table, (kind, *_rest) in old._USAGE.items():
        add_new, add_old = (old._usage_cell("postgresql", table, r, s)
                            for r, s in (("NEW", 1), ("OLD", -1)))
        edit = _edit(kind) if locked else ""
        out.append(f"""CREATE OR REPLACE FUNCTION stats_count_{table}() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN
              {lock}
              IF TG_OP <> 'INSERT' THEN {add_old} {edit} END IF;
              IF TG_OP <> 'DELETE' THEN {add_new} END IF;
              RETURN NULL;
            END $$""")
    return out


def create_triggers() -> None:
    """This migration's triggers and functions, for the current dialect."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION stats_mark_file_partners() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $$ BEGIN {_PARTNERS}; RETURN NULL; END $$")
        op.execute("CREATE TRIGGER stats_files_move AFTER UPDATE OF product_id ON files "
                   "FOR EACH ROW WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id) "
                   "EXECUTE FUNCTION stats_mark_file_partners()")
        for statement in _usage_functions(locked=True):
            op.execute(statement)
    else:
        op.execute("CREATE TRIGGER stats_files_move AFTER UPDATE OF product_id ON files "
                   "WHEN OLD.product_id IS NOT NEW.product_id "
                   f"BEGIN {_PARTNERS}; END")
        for table, (kind, _day, _force, columns) in _0024()._USAGE.items():
            op.execute(f"CREATE TRIGGER stats_{table}_edit AFTER UPDATE OF "
                       f"{', '.join(columns)} ON {table} BEGIN {_edit(kind)} END")
            op.execute(f"CREATE TRIGGER stats_{table}_edit_del AFTER DELETE ON {table} "
                       f"BEGIN {_edit(kind)} END")


def upgrade() -> None:
    op.create_table(
        "stats_usage_edits",
        sa.Column("kind", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_stats_usage_edits")))
    op.execute("INSERT INTO stats_usage_edits (kind, count) VALUES (0, 0), (1, 0)")
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stats_files_move ON files")
        op.execute("DROP FUNCTION IF EXISTS stats_mark_file_partners()")
        for statement in _usage_functions(locked=False):
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER IF EXISTS stats_files_move")
        for table in _0024()._USAGE:
            op.execute(f"DROP TRIGGER IF EXISTS stats_{table}_edit")
            op.execute(f"DROP TRIGGER IF EXISTS stats_{table}_edit_del")
    op.drop_table("stats_usage_edits")
