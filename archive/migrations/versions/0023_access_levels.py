"""access levels: audiences, embargoes, consent, access requests (issue 26)

Products gain ``access_level`` (public | internal | restricted | closed), ``embargo_until``
(a date) and ``protocol_note`` (the community's protocol, shown with the product); files
gain ``access_level`` (NULL: as their product; otherwise stricter). Four new tables
(models in ``archive/access.py``): the audience of a restricted product (units, roles),
consents with their scanned forms, and access requests.

The boolean ``products.sensitive`` goes: ``true`` becomes ``closed`` (office and admin
of the owning unit; producers of another unit lose sight of it, nobody gains), ``false``
becomes ``public`` (what it was: seen by every account and harvested). Nothing becomes
more visible.

Downgrade brings ``sensitive`` back as ``access_level <> 'public'`` (restricted, internal,
closed and embargoed products all become sensitive: nothing becomes more visible that
way either) and drops the new tables and columns.

Revision ID: 0023
Revises: 0022
"""
import sqlite3

from alembic import op
import sqlalchemy as sa

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# products and files keep AUTOINCREMENT if an old SQLite copies them (ids never reused)
KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    # plain ALTER TABLE (no copy: SQLite would lose the AUTOINCREMENT counters)
    op.add_column("products", sa.Column("access_level", sa.String(length=20), nullable=False,
                                        server_default="public"))
    op.add_column("products", sa.Column("embargo_until", sa.Date(), nullable=True))
    op.add_column("products", sa.Column("protocol_note", sa.Text(), nullable=False,
                                        server_default=""))
    op.execute("UPDATE products SET access_level = 'closed' WHERE sensitive")
    _drop_column("products", "sensitive")
    op.create_index(op.f("ix_products_access_level"), "products", ["access_level"])
    op.create_index(op.f("ix_products_embargo_until"), "products", ["embargo_until"])
    op.add_column("files", sa.Column("access_level", sa.String(length=20), nullable=True))

    op.create_table(
        "product_audience_units",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_product_audience_units_product_id_products")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_product_audience_units_unit_id_units")),
        sa.PrimaryKeyConstraint("product_id", "unit_id", name=op.f("pk_product_audience_units")),
    )
    op.create_index(op.f("ix_product_audience_units_unit_id"), "product_audience_units",
                    ["unit_id"])
    op.create_table(
        "product_audience_roles",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_product_audience_roles_product_id_products")),
        sa.PrimaryKeyConstraint("product_id", "role", name=op.f("pk_product_audience_roles")),
    )
    op.create_table(
        "product_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("given_by", sa.String(length=300), nullable=False),
        sa.Column("uses", sa.JSON(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_size", sa.BigInteger(), nullable=True),
        sa.Column("evidence_media_type", sa.String(length=120), nullable=True),
        sa.Column("evidence_filename", sa.String(length=500), nullable=True),
        sa.Column("evidence_key", sa.String(length=300), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_product_consents_product_id_products")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_product_consents_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_consents")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_product_consents_product_id"), "product_consents", ["product_id"])
    op.create_index(op.f("ix_product_consents_evidence_sha256"), "product_consents",
                    ["evidence_sha256"])
    op.create_index(op.f("ix_product_consents_evidence_key"), "product_consents",
                    ["evidence_key"])
    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("grant_until", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_access_requests_product_id_products")),
        sa.ForeignKeyConstraint(["requester_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_access_requests_requester_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_access_requests_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_access_requests_product_id"), "access_requests", ["product_id"])
    op.create_index(op.f("ix_access_requests_status"), "access_requests", ["status"])
    op.create_index("ix_access_requests_requester_product", "access_requests",
                    ["requester_id", "product_id"])


def downgrade() -> None:
    op.drop_table("access_requests")
    op.drop_table("product_consents")
    op.drop_table("product_audience_roles")
    op.drop_index(op.f("ix_product_audience_units_unit_id"), table_name="product_audience_units")
    op.drop_table("product_audience_units")
    _drop_column("files", "access_level")
    op.add_column("products", sa.Column("sensitive", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.execute("UPDATE products SET sensitive = (access_level <> 'public' "
               "OR embargo_until IS NOT NULL)")
    op.drop_index(op.f("ix_products_embargo_until"), table_name="products")
    op.drop_index(op.f("ix_products_access_level"), table_name="products")
    for name in ("protocol_note", "embargo_until", "access_level"):
        _drop_column("products", name)


def _drop_column(table: str, name: str) -> None:
    """Drop a column in place (SQLite >= 3.35 does; older ones copy the table, keeping
    its AUTOINCREMENT counter by hand, as 0013 does)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_column(table, name)
    elif sqlite3.sqlite_version_info >= (3, 35):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
    else:
        seq = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                           {"t": table}).scalar() or 0
        with op.batch_alter_table(table, recreate="always", table_kwargs=KEEP_IDS) as batch:
            batch.drop_column(name)
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"),
                     {"t": table, "n": seq})
