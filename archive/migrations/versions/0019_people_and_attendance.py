"""people_and_attendance: participants, attendance, staff counts, spokespersons (activities issue, parts 2-3)

New tables (models in ``archive/people.py``):

- ``people``: a participant matched across activities by folded name + unit (+ homonym
  after a split); ``merged_into_id`` after a merge. Personal data.
- ``attendance_imports``: each imported attendance sheet (SHA-256, rows, notes, who, when).
- ``attendances``: a person on an activity's list (unit, group, position, ethnic group,
  sex as the sheet gave them); one row per person and activity.
- ``trained_people`` and ``trained_counts``: the people figures, kept current on write
  (a person once per year and target group; the count per year, unit and group).
- ``staff_counts``: staff per unit, year and target group (the denominator).
- ``spokespersons``: the spokesperson mechanism per administrative body and year.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete=None) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("homonym", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("position", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("target_group_id", sa.Integer(), nullable=True),
        sa.Column("ethnic_group", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("sex", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("people", "unit_id", "units.id"),
        _fk("people", "target_group_id", "terms.id"),
        _fk("people", "merged_into_id", "people.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("name_key", "unit_id", "homonym",
                            name="uq_people_name_key_unit_homonym"),
    )
    op.create_index(op.f("ix_people_unit_id"), "people", ["unit_id"])
    op.create_index(op.f("ix_people_merged_into_id"), "people", ["merged_into_id"])

    op.create_table(
        "attendance_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("attendance_imports", "activity_id", "activities.id", "CASCADE"),
        _fk("attendance_imports", "by_id", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_imports")),
    )
    op.create_index(op.f("ix_attendance_imports_activity_id"), "attendance_imports",
                    ["activity_id"])

    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("target_group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("ethnic_group", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("sex", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("attended_on", sa.Date(), nullable=True),
        _fk("attendances", "activity_id", "activities.id", "CASCADE"),
        _fk("attendances", "person_id", "people.id"),
        _fk("attendances", "import_id", "attendance_imports.id", "SET NULL"),
        _fk("attendances", "unit_id", "units.id"),
        _fk("attendances", "target_group_id", "terms.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint("activity_id", "person_id", name="uq_attendances_activity_person"),
    )
    op.create_index(op.f("ix_attendances_person_id"), "attendances", ["person_id"])

    op.create_table(
        "trained_people",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target_group_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        _fk("trained_people", "person_id", "people.id", "CASCADE"),   # derived: no more FKs
        sa.PrimaryKeyConstraint("person_id", "year", "target_group_id",
                                name=op.f("pk_trained_people")),
    )
    op.create_index("ix_trained_people_year_unit_group", "trained_people",
                    ["year", "unit_id", "target_group_id"])

    op.create_table(
        "trained_counts",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("target_group_id", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        _fk("trained_counts", "unit_id", "units.id"),
        _fk("trained_counts", "target_group_id", "terms.id"),
        sa.PrimaryKeyConstraint("year", "unit_id", "target_group_id",
                                name=op.f("pk_trained_counts")),
    )

    op.create_table(
        "staff_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target_group_id", sa.Integer(), nullable=False),
        sa.Column("staff", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("staff_counts", "unit_id", "units.id"),
        _fk("staff_counts", "target_group_id", "terms.id"),
        _fk("staff_counts", "updated_by_id", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("unit_id", "year", "target_group_id",
                                name=op.f("pk_staff_counts")),
    )

    op.create_table(
        "spokespersons",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("designated", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("position", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("spokespersons", "unit_id", "units.id"),
        _fk("spokespersons", "updated_by_id", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("unit_id", "year", name=op.f("pk_spokespersons")),
    )


def downgrade() -> None:
    for table in ("spokespersons", "staff_counts", "trained_counts", "trained_people",
                  "attendances", "attendance_imports", "people"):
        op.drop_table(table)
