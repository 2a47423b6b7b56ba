"""processing problems stored as a code and values, not as English sentences

``files.error`` held an English sentence made by the pipeline ("probe: ffprobe failed:
…"); a producer reading Vietnamese could neither read it nor tell what to do. A failed
file now keeps ``problem`` (a code of ``archive.problems``: each door renders its
sentence, with the remedy, in the reader's language) and ``problem_params`` (its
values, JSON); ``error_detail`` stays the tool's own output.

Existing failed rows get the generic code (``processing.failed``: "processing failed —
press Retry…") and their old English sentence is kept, ahead of the old detail, as the
tool output: nothing that was known is lost, and Retry gives them a precise code.
``files.error`` is then dropped (SQLite 3.35+ drops a column in place; an older SQLite
rebuilds the table keeping its AUTOINCREMENT counter, see 0011).

Revision ID: 0013
Revises: 0012
"""
import sqlite3

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

GENERIC = "processing.failed"


def upgrade() -> None:
    op.add_column("files", sa.Column("problem", sa.String(length=60), nullable=False,
                                     server_default=""))
    op.add_column("files", sa.Column("problem_params", sa.JSON(), nullable=True))
    op.get_bind().execute(sa.text(
        "UPDATE files SET problem = :code,"
        " error_detail = CASE WHEN error_detail = '' THEN error"
        " ELSE error || :newline || error_detail END"
        " WHERE error <> ''"), {"code": GENERIC, "newline": "\n"})
    _drop_column("error")


def downgrade() -> None:
    op.add_column("files", sa.Column("error", sa.Text(), nullable=False, server_default=""))
    # the old column held a sentence: the code is the closest there is to one
    op.get_bind().execute(sa.text(
        "UPDATE files SET error = 'processing failed (' || problem || ')'"
        " WHERE problem <> ''"))
    _drop_column("problem_params")
    _drop_column("problem")


def _drop_column(name: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_column("files", name)
    elif sqlite3.sqlite_version_info >= (3, 35):
        op.execute(f"ALTER TABLE files DROP COLUMN {name}")
    else:
        seq = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'files'")
                           ).scalar() or 0
        with op.batch_alter_table("files", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.drop_column(name)
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'files'"))
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('files', :n)"),
                     {"n": seq})
