"""activities: the activities register: trainings, conferences, exhibitions … (activities issue, part 1)

New tables (models in ``archive/activities.py``):

- ``activities``: kind (term of ``activity_kind``), title, starts_on/ends_on (one day:
  the same date), organiser (unit), plan task (term), place, description, who and when,
  a version for ETags; ids never reused (SQLite AUTOINCREMENT, as products).
- ``activity_communes``: the communes where it took place.
- ``activity_participant_counts``: per target group (term of ``target_group``): total,
  women, ethnic_minority (each ≤ total, checked by the database too).
- ``activity_products``: products used (shown | aired | handed_out).
- ``activity_evidence``: evidence files, originals in the same store as product files.
- ``activity_changes``: the audit trail (create | update | delete, field -> [old, new]).

``terms`` gains ``plan_tasks`` (activity kinds: the plan tasks the kind carries out) and
``target_percent`` (target groups: the 2028 target share, 100 or 70; NULL: none). The two
new vocabularies are seed data, loaded by ``kho init`` (archive/seed/vocabularies.toml).

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

NEVER_REUSED = {"sqlite_autoincrement": True}


def _who_and_when() -> list[sa.Column]:
    return [sa.Column("created_by_id", sa.Integer(), nullable=True),
            sa.Column("updated_by_id", sa.Integer(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table("terms") as batch_op:
        batch_op.add_column(sa.Column("plan_tasks", sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.add_column(sa.Column("target_percent", sa.Integer(), nullable=True))

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("plan_task_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        *_who_and_when(),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_activities_dates_in_order")),
        sa.ForeignKeyConstraint(["kind_id"], ["terms.id"], name=op.f("fk_activities_kind_id_terms")),
        sa.ForeignKeyConstraint(["organiser_id"], ["units.id"],
                                name=op.f("fk_activities_organiser_id_units")),
        sa.ForeignKeyConstraint(["plan_task_id"], ["terms.id"],
                                name=op.f("fk_activities_plan_task_id_terms")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_activities_created_by_id_users")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_activities_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        **NEVER_REUSED,
    )
    for column in ("kind_id", "starts_on", "organiser_id", "plan_task_id", "updated_at"):
        op.create_index(op.f(f"ix_activities_{column}"), "activities", [column])

    op.create_table(
        "activity_communes",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE",
                                name=op.f("fk_activity_communes_activity_id_activities")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_activity_communes_unit_id_units")),
        sa.PrimaryKeyConstraint("activity_id", "unit_id", name=op.f("pk_activity_communes")),
    )
    op.create_index(op.f("ix_activity_communes_unit_id"), "activity_communes", ["unit_id"])

    op.create_table(
        "activity_participant_counts",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("target_group_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("women", sa.Integer(), nullable=False),
        sa.Column("ethnic_minority", sa.Integer(), nullable=False),
        sa.CheckConstraint("women <= total AND ethnic_minority <= total "
                           "AND women >= 0 AND ethnic_minority >= 0",
                           name=op.f("ck_activity_participant_counts_parts_within_total")),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE",
                                name=op.f("fk_activity_participant_counts_activity_id_activities")),
        sa.ForeignKeyConstraint(["target_group_id"], ["terms.id"],
                                name=op.f("fk_activity_participant_counts_target_group_id_terms")),
        sa.PrimaryKeyConstraint("activity_id", "target_group_id",
                                name=op.f("pk_activity_participant_counts")),
    )
    op.create_index(op.f("ix_activity_participant_counts_target_group_id"),
                    "activity_participant_counts", ["target_group_id"])

    op.create_table(
        "activity_products",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("use", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE",
                                name=op.f("fk_activity_products_activity_id_activities")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_activity_products_product_id_products")),
        sa.PrimaryKeyConstraint("activity_id", "product_id", "use",
                                name=op.f("pk_activity_products")),
    )
    op.create_index(op.f("ix_activity_products_product_id"), "activity_products", ["product_id"])

    op.create_table(
        "activity_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("original_filename", sa.String(length=500), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE",
                                name=op.f("fk_activity_evidence_activity_id_activities")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_activity_evidence_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_evidence")),
        sa.UniqueConstraint("activity_id", "sha256", name="uq_activity_evidence_activity_sha256"),
        **NEVER_REUSED,
    )
    for column in ("activity_id", "sha256", "storage_key"):
        op.create_index(op.f(f"ix_activity_evidence_{column}"), "activity_evidence", [column])

    op.create_table(
        "activity_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_activity_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_changes")),
    )
    op.create_index(op.f("ix_activity_changes_activity_id"), "activity_changes", ["activity_id"])
    op.create_index(op.f("ix_activity_changes_at"), "activity_changes", ["at"])


def downgrade() -> None:
    for table in ("activity_changes", "activity_evidence", "activity_products",
                  "activity_participant_counts", "activity_communes", "activities"):
        op.drop_table(table)
    with op.batch_alter_table("terms") as batch_op:
        batch_op.drop_column("target_percent")
        batch_op.drop_column("plan_tasks")
    op.execute("DELETE FROM terms WHERE vocabulary IN ('activity_kind', 'target_group')")
