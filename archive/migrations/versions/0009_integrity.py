"""one file row per content and product, product versions, processing leases, job outbox

Before the unique constraint on ``files (product_id, sha256)`` can exist, rows that
parallel uploads made twice are merged: the oldest row stays; derivatives it lacks,
its processing results when only a later copy finished, provenance events and
download counts move to it; the later rows go. Each merge leaves a ``file.merge``
event naming the rows merged.

Revision ID: 0009
Revises: 0008
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _run(bind, sql: str, **params):
    return bind.execute(sa.text(sql), params)


def _move_downloads(bind, keep: int, drop: int) -> None:
    """Download counts of ``drop`` added to ``keep``'s rows of the same user, rendition
    and day; rows ``keep`` has no match for move over."""
    rows = _run(bind, "SELECT id, user_id, rendition, day, count, last_at FROM download_records"
                " WHERE file_id = :d", d=drop).all()
    for row_id, user_id, rendition, day, count, last_at in rows:
        twin = _run(bind, "SELECT id FROM download_records WHERE file_id = :k AND rendition = :r"
                    " AND day = :day AND (user_id = :u OR (user_id IS NULL AND :u IS NULL))",
                    k=keep, r=rendition, day=day, u=user_id).scalar()
        if twin is None:
            _run(bind, "UPDATE download_records SET file_id = :k WHERE id = :i", k=keep, i=row_id)
        else:
            _run(bind, "UPDATE download_records SET count = count + :n WHERE id = :t",
                 n=count, t=twin)
            _run(bind, "DELETE FROM download_records WHERE id = :i", i=row_id)


def _merge_into(bind, keep: int, drop: int) -> None:
    ready = _run(bind, "SELECT status FROM files WHERE id = :k", k=keep).scalar() == "ready"
    if not ready and _run(bind, "SELECT status FROM files WHERE id = :d",
                          d=drop).scalar() == "ready":
        # only the later copy finished: its results (and derivatives) are the file's
        _run(bind, "DELETE FROM derivatives WHERE file_id = :k", k=keep)
        for column in ("status", "technical", "text", "error", "error_detail"):
            _run(bind, f"UPDATE files SET {column} = (SELECT f.{column} FROM files f "
                 "WHERE f.id = :d) WHERE id = :k", d=drop, k=keep)
    _run(bind, "UPDATE derivatives SET file_id = :k WHERE file_id = :d AND name NOT IN "
         "(SELECT name FROM derivatives WHERE file_id = :k)", k=keep, d=drop)
    _run(bind, "DELETE FROM derivatives WHERE file_id = :d", d=drop)
    _run(bind, "UPDATE events SET file_id = :k WHERE file_id = :d", k=keep, d=drop)
    _move_downloads(bind, keep, drop)
    _run(bind, "DELETE FROM files WHERE id = :d", d=drop)


def merge_duplicate_files(bind) -> int:
    """Merge rows of the same content in the same product; returns rows dropped."""
    groups = _run(bind, "SELECT product_id, sha256, MIN(id) FROM files "
                  "GROUP BY product_id, sha256 HAVING COUNT(*) > 1").all()
    dropped = 0
    for product_id, sha256, keep in groups:
        later = [r[0] for r in _run(bind, "SELECT id FROM files WHERE product_id = :p AND "
                                    "sha256 = :s AND id <> :k ORDER BY id",
                                    p=product_id, s=sha256, k=keep)]
        for drop in later:
            _merge_into(bind, keep, drop)
        dropped += len(later)
        _run(bind, "INSERT INTO events (product_id, file_id, action, tool, tool_version, outcome,"
             " detail, at) VALUES (:p, :k, 'file.merge', 'kho migration 0009', '', 'ok', :d, :t)",
             p=product_id, k=keep, t=datetime.now(timezone.utc),
             d="merged duplicate rows of the same original: " + ", ".join(map(str, later)))
    return dropped


def upgrade() -> None:
    merge_duplicate_files(op.get_bind())
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=120), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.create_unique_constraint("uq_files_product_sha256", ["product_id", "sha256"])
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
    )
    op.create_index(op.f("ix_job_outbox_queued_at"), "job_outbox", ["queued_at"])


def downgrade() -> None:
    op.drop_table("job_outbox")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("files") as batch:
        batch.drop_constraint("uq_files_product_sha256", type_="unique")
        batch.drop_column("lease_expires_at")
        batch.drop_column("claimed_by")
