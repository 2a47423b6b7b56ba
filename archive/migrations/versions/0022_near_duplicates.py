"""near-duplicates: fingerprints of originals, their look-up keys, pairs and answers
(issue 25, part 3)

Three new tables (models in ``archive/likeness.py``):

- ``file_likenesses``: the near-duplicate fingerprint of a processed original — an
  image's perceptual hashes (64 and 256 bits, hex) or an audio file's Chromaprint
  values (binary) and the seconds they cover;
- ``likeness_keys``: the keys of each fingerprint (primary key (key, file_id), indexed
  by file too), the look-up that finds candidates without reading every fingerprint;
- ``near_duplicates``: two originals of different products found near each other (the
  later file, the earlier file), how near, and the producers' answer ("same" work,
  "different" work, "" not yet) with who answered and when.

All three follow their files (ON DELETE CASCADE). Existing originals have no
fingerprint: they are compared once processed again (``kho retry`` only takes failed
files; ``kho ingest``/uploads of new files find the old ones once those have one).

Downgrade drops the three tables (the producers' answers with them).

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_likenesses",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("image_hash", sa.String(length=16), nullable=False),
        sa.Column("image_fine", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE",
                                name=op.f("fk_file_likenesses_file_id_files")),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_file_likenesses")),
    )
    op.create_table(
        "likeness_keys",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE",
                                name=op.f("fk_likeness_keys_file_id_files")),
        sa.PrimaryKeyConstraint("key", "file_id", name=op.f("pk_likeness_keys")),
    )
    op.create_index(op.f("ix_likeness_keys_file_id"), "likeness_keys", ["file_id"])
    op.create_table(
        "near_duplicates",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("other_file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE",
                                name=op.f("fk_near_duplicates_file_id_files")),
        sa.ForeignKeyConstraint(["other_file_id"], ["files.id"], ondelete="CASCADE",
                                name=op.f("fk_near_duplicates_other_file_id_files")),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_near_duplicates_answered_by_id_users")),
        sa.PrimaryKeyConstraint("file_id", "other_file_id", name=op.f("pk_near_duplicates")),
    )
    op.create_index(op.f("ix_near_duplicates_other_file_id"), "near_duplicates",
                    ["other_file_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_near_duplicates_other_file_id"), table_name="near_duplicates")
    op.drop_table("near_duplicates")
    op.drop_index(op.f("ix_likeness_keys_file_id"), table_name="likeness_keys")
    op.drop_table("likeness_keys")
    op.drop_table("file_likenesses")
