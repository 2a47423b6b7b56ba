"""caption tracks: caption and transcript files of audio and video originals (issue 25, part 1)

New table ``caption_tracks`` (model in ``archive/tracks.py``): one row per caption or
transcript file (WebVTT; SRT converted on input) attached to an original of
``files``: its kind (``captions`` | ``transcript``), language (a code of the
``languages`` vocabulary), a label, the machine-generated flag, where it came from
(``upload`` | ``embedded`` | ``import``), the object as received (SHA-256, size, type,
name, content-addressed key: stored like an original), how its bytes were read, the
parsed cues and what a later check found. Ids are never reused (SQLite
AUTOINCREMENT, as files).

Existing catalogues have no tracks: nothing to convert. The search index gains two
facets (``has_captions``, ``has_transcript``) and the cue text: run ``kho reindex``
after upgrading (the index refuses searches until it is rebuilt).

Downgrade drops the table (the objects stay in the store, as every original does).

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caption_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("machine_generated", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("original_filename", sa.String(length=500), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False, server_default="utf-8"),
        sa.Column("cues", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE",
                                name=op.f("fk_caption_tracks_file_id_files")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_caption_tracks_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caption_tracks")),
        sa.UniqueConstraint("file_id", "sha256", name="uq_caption_tracks_file_sha256"),
        sqlite_autoincrement=True,
    )
    for column in ("file_id", "sha256", "storage_key"):
        op.create_index(op.f(f"ix_caption_tracks_{column}"), "caption_tracks", [column])


def downgrade() -> None:
    for column in ("file_id", "sha256", "storage_key"):
        op.drop_index(op.f(f"ix_caption_tracks_{column}"), table_name="caption_tracks")
    op.drop_table("caption_tracks")
