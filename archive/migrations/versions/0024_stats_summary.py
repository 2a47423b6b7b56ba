"""statistics summary rows kept current by the database (issue 27, part 1)

Five tables (models and meaning in ``archive/stats.py``): ``stats_dirty`` (products
whose figures must be counted again), ``stats_facts`` (what each product last counted
as), ``stats_cells`` (counts per part, month, breakdown and key), ``stats_usage_cells``
(airings in force and downloads per month and commune) and ``stats_state`` (one row).

Triggers, on SQLite and PostgreSQL, mark a product in ``stats_dirty`` whenever a row a
figure reads changes: ``products`` (inserted, deleted, or its date, creation time,
``updated_at``, lead unit, kind or plan task updated), ``product_terms``,
``product_communes``, ``files`` (inserted, deleted, status/SHA-256/product updated),
``publications`` and ``near_duplicates`` (both files' products). Every existing
product is marked, so the first request after the upgrade counts them once.

Triggers on ``broadcasts`` (inserted, deleted, or withdrawn/aired day/commune updated)
and ``download_records`` (inserted, deleted, day/commune updated) add and subtract
their row's 1 in ``stats_usage_cells``; the existing rows are summed into it here.

Note for later migrations: on SQLite a batch operation that rebuilds one of these
tables drops its triggers; such a migration must create them again
(:func:`create_triggers` of this module, importable by revision).

Downgrade drops the triggers and the five tables (derived data only).

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# table -> (product id expression for a row, columns whose update matters or None)
_BY_PRODUCT_ID = {
    "product_terms": None,
    "product_communes": None,
    "files": ("status", "sha256", "product_id"),
    "publications": ("version_at", "product_id"),
}
_PRODUCT_COLUMNS = ("produced_on", "created_at", "updated_at", "lead_unit_id", "kind_id",
                    "plan_task_id")
_NEAR = "INSERT INTO stats_dirty (product_id) SELECT product_id FROM files WHERE id IN ({row}.file_id, {row}.other_file_id)"


def _sqlite_triggers() -> list[str]:
    out = []

    def mark(value: str) -> str:
        return f"INSERT INTO stats_dirty (product_id) SELECT {value} WHERE {value} IS NOT NULL;"

    for table, columns in _BY_PRODUCT_ID.items():
        of = f" OF {', '.join(columns)}" if columns else ""
        out += [
            f"CREATE TRIGGER stats_{table}_ins AFTER INSERT ON {table} BEGIN "
            f"{mark('NEW.product_id')} END",
            f"CREATE TRIGGER stats_{table}_upd AFTER UPDATE{of} ON {table} BEGIN "
            f"{mark('OLD.product_id')} {mark('NEW.product_id')} END",
            f"CREATE TRIGGER stats_{table}_del AFTER DELETE ON {table} BEGIN "
            f"{mark('OLD.product_id')} END",
        ]
    out += [
        f"CREATE TRIGGER stats_products_ins AFTER INSERT ON products BEGIN {mark('NEW.id')} END",
        f"CREATE TRIGGER stats_products_upd AFTER UPDATE OF {', '.join(_PRODUCT_COLUMNS)} "
        f"ON products BEGIN {mark('NEW.id')} END",
        f"CREATE TRIGGER stats_products_del AFTER DELETE ON products BEGIN {mark('OLD.id')} END",
        f"CREATE TRIGGER stats_near_duplicates_ins AFTER INSERT ON near_duplicates BEGIN "
        f"{_NEAR.format(row='NEW')}; END",
        f"CREATE TRIGGER stats_near_duplicates_upd AFTER UPDATE OF answer ON near_duplicates "
        f"BEGIN {_NEAR.format(row='NEW')}; END",
        f"CREATE TRIGGER stats_near_duplicates_del AFTER DELETE ON near_duplicates BEGIN "
        f"{_NEAR.format(row='OLD')}; END",
    ]
    return out


_PG_FUNCTIONS = {
    "stats_mark_by_product_id": """
        BEGIN
          IF TG_OP <> 'INSERT' AND OLD.product_id IS NOT NULL THEN
            INSERT INTO stats_dirty (product_id) VALUES (OLD.product_id);
          END IF;
          IF TG_OP <> 'DELETE' AND NEW.product_id IS NOT NULL THEN
            INSERT INTO stats_dirty (product_id) VALUES (NEW.product_id);
          END IF;
          RETURN NULL;
        END""",
    "stats_mark_product": """
        BEGIN
          IF TG_OP = 'DELETE' THEN
            INSERT INTO stats_dirty (product_id) VALUES (OLD.id);
          ELSE
            INSERT INTO stats_dirty (product_id) VALUES (NEW.id);
          END IF;
          RETURN NULL;
        END""",
    "stats_mark_near_duplicate": f"""
        BEGIN
          IF TG_OP = 'DELETE' THEN
            {_NEAR.format(row='OLD')};
          ELSE
            {_NEAR.format(row='NEW')};
          END IF;
          RETURN NULL;
        END""",
}


def _postgresql_triggers() -> list[str]:
    out = [f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$"
           for name, body in _PG_FUNCTIONS.items()]

    def trigger(table: str, function: str, columns) -> str:
        of = f" OF {', '.join(columns)}" if columns else ""
        return (f"CREATE TRIGGER stats_{table} AFTER INSERT OR UPDATE{of} OR DELETE "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()")

    for table, columns in _BY_PRODUCT_ID.items():
        out.append(trigger(table, "stats_mark_by_product_id", columns))
    out.append(trigger("products", "stats_mark_product", _PRODUCT_COLUMNS))
    out.append(trigger("near_duplicates", "stats_mark_near_duplicate", ("answer",)))
    return out


_USAGE = {   # table -> (kind, day column, "in force" condition or None, update columns)
    "broadcasts": (0, "aired_on", "{row}.withdrawn_at IS NULL",
                   ("withdrawn_at", "aired_on", "commune_id")),
    "download_records": (1, "day", None, ("day", "commune_id")),
}


def _month(dialect: str, day: str) -> str:
    """SQL of the ``yyyymm`` integer of the date column ``day``."""
    if dialect == "postgresql":
        return f"(EXTRACT(YEAR FROM {day}) * 100 + EXTRACT(MONTH FROM {day}))::int"
    return f"CAST(strftime('%Y%m', {day}) AS INTEGER)"


def _usage_cell(dialect: str, table: str, row: str, sign: int) -> str:
    kind, day, in_force, _ = _USAGE[table]
    month = _month(dialect, f"{row}.{day}")
    statement = (f"INSERT INTO stats_usage_cells (kind, month, commune_id, count) "
                 f"SELECT {kind}, {month}, COALESCE({row}.commune_id, 0), {sign}")
    if in_force:
        statement += " WHERE " + in_force.format(row=row)
    elif dialect == "sqlite":
        statement += " WHERE 1"     # SQLite reads ON CONFLICT after a bare SELECT as a join
    return statement + (" ON CONFLICT (kind, month, commune_id) DO UPDATE"
                        " SET count = stats_usage_cells.count + excluded.count;")


def _usage_triggers(dialect: str) -> list[str]:
    out = []
    for table, (_kind, _day, _force, columns) in _USAGE.items():
        add_new, add_old = (_usage_cell(dialect, table, r, s) for r, s in (("NEW", 1), ("OLD", -1)))
        if dialect == "postgresql":
            out.append(f"""CREATE FUNCTION stats_count_{table}() RETURNS trigger LANGUAGE plpgsql
                AS $$ BEGIN
                  IF TG_OP <> 'INSERT' THEN {add_old} END IF;
                  IF TG_OP <> 'DELETE' THEN {add_new} END IF;
                  RETURN NULL;
                END $$""")
            out.append(f"CREATE TRIGGER stats_{table} AFTER INSERT OR UPDATE OF "
                       f"{', '.join(columns)} OR DELETE ON {table} FOR EACH ROW "
                       f"EXECUTE FUNCTION stats_count_{table}()")
        else:
            out += [f"CREATE TRIGGER stats_{table}_ins AFTER INSERT ON {table} BEGIN {add_new} END",
                    f"CREATE TRIGGER stats_{table}_upd AFTER UPDATE OF {', '.join(columns)} "
                    f"ON {table} BEGIN {add_old} {add_new} END",
                    f"CREATE TRIGGER stats_{table}_del AFTER DELETE ON {table} BEGIN {add_old} END"]
    return out


def _fill_usage() -> None:
    """Sum the existing airings and downloads into the cells. On PostgreSQL the two
    tables are locked against writes until the migration commits (the triggers are
    created in the same transaction), so no row is counted twice or missed."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("LOCK TABLE broadcasts, download_records IN SHARE MODE")
    for table, (kind, day, in_force, _) in _USAGE.items():
        month = _month(dialect, day)
        where = " WHERE " + in_force.format(row=table) if in_force else ""
        op.execute(f"INSERT INTO stats_usage_cells (kind, month, commune_id, count) "
                   f"SELECT {kind}, {month}, COALESCE(commune_id, 0), count(*) FROM {table}"
                   f"{where} GROUP BY {month}, COALESCE(commune_id, 0)")


def _trigger_names() -> list[tuple[str, str]]:
    tables = list(_BY_PRODUCT_ID) + ["products", "near_duplicates"] + list(_USAGE)
    return [(f"stats_{t}_{op_}", t) for t in tables for op_ in ("ins", "upd", "del")]


def create_triggers() -> None:
    """Create the marking triggers for the current dialect."""
    dialect = op.get_bind().dialect.name
    for statement in (_postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers()):
        op.execute(statement)
    for statement in _usage_triggers(dialect):
        op.execute(statement)


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in list(_BY_PRODUCT_ID) + ["products", "near_duplicates"] + list(_USAGE):
            op.execute(f"DROP TRIGGER IF EXISTS stats_{table} ON {table}")
        for name in list(_PG_FUNCTIONS) + [f"stats_count_{t}" for t in _USAGE]:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name, _table in _trigger_names():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    op.create_table(
        "stats_dirty",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_dirty")))
    op.create_index(op.f("ix_stats_dirty_product_id"), "stats_dirty", ["product_id"])
    op.create_table(
        "stats_facts",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("kind_id", sa.Integer(), nullable=True),
        sa.Column("plan_task_id", sa.Integer(), nullable=True),
        sa.Column("digitised", sa.SmallInteger(), nullable=False),
        sa.Column("online", sa.SmallInteger(), nullable=False),
        sa.Column("counted", sa.SmallInteger(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("communes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_stats_facts")))
    op.create_table(
        "stats_cells",
        sa.Column("part", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dim", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False)
          for name in ("total", "digitised", "ethnic_language", "foreign_language",
                       "digital_platform", "combined", "online")],
        sa.PrimaryKeyConstraint("part", "month", "dim", "key", name=op.f("pk_stats_cells")))
    op.create_table(
        "stats_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("catalogue", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("folded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_state")))
    op.create_table(
        "stats_usage_cells",
        sa.Column("kind", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("commune_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "month", "commune_id",
                                name=op.f("pk_stats_usage_cells")))
    _fill_usage()
    op.execute("INSERT INTO stats_state (id, version, catalogue, generation) VALUES (1, 0, '', 0)")
    create_triggers()
    op.execute("INSERT INTO stats_dirty (product_id) SELECT id FROM products")


def downgrade() -> None:
    drop_triggers()
    op.drop_table("stats_state")
    op.drop_table("stats_usage_cells")
    op.drop_table("stats_cells")
    op.drop_table("stats_facts")
    op.drop_index(op.f("ix_stats_dirty_product_id"), table_name="stats_dirty")
    op.drop_table("stats_dirty")
