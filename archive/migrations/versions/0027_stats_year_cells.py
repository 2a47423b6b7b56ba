"""statistics: the summary cells summed per year and over every month

The dashboard's usual periods (every year, one year) added up the month cells of the
whole catalogue on every request: 27,000 rows and 40 ms at 100,000 products on SQLite,
most of a served page (issue 27). ``stats_year_cells`` holds the same seven counts per
part, year (``yyyy``; 0 = every month), breakdown and key, kept by the fold in the
transaction that writes the month cells, so those periods read a few hundred rows a
year.

The new table is filled here from ``stats_cells`` (a grouped copy, no recount), so the
cells stay current across the upgrade. Downgrade drops it.

Revision ID: 0027
Revises: 0026
"""
from alembic import op
import sqlalchemy as sa

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

COUNTS = ("total", "digitised", "ethnic_language", "foreign_language", "digital_platform",
          "combined", "online")


def upgrade() -> None:
    op.create_table(
        "stats_year_cells",
        sa.Column("part", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("year", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("dim", sa.SmallInteger(), nullable=False, autoincrement=False),
        sa.Column("key", sa.Integer(), nullable=False, autoincrement=False),
        *[sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS],
        sa.PrimaryKeyConstraint("part", "year", "dim", "key", name=op.f("pk_stats_year_cells")))
    columns = ", ".join(COUNTS)
    sums = ", ".join(f"SUM({c})" for c in COUNTS)
    for year, group in (("month / 100", "part, month / 100, dim, key"),
                        ("0", "part, dim, key")):
        op.execute(f"INSERT INTO stats_year_cells (part, year, dim, key, {columns}) "
                   f"SELECT part, {year}, dim, key, {sums} FROM stats_cells GROUP BY {group}")


def downgrade() -> None:
    op.drop_table("stats_year_cells")
