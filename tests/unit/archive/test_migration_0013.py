"""Migration 0013 turns the English sentences of failed files into a problem code with
the old text kept as tool output; a file that had not failed gets no problem.

Run on PostgreSQL too: tests/integration/test_failed_files_postgres.py."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from archive import db

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def at_0012(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0012")
    yield runtime
    runtime.close()


def _file(c, file_id: int, status: str, error: str, detail: str) -> None:
    c.execute(text(
        "INSERT INTO files (id, product_id, sha256, size, media_type, category, type_mismatch,"
        " original_filename, storage_key, technical, text, status, error, error_detail,"
        " attempts, claimed_by, created_at, updated_at) VALUES (:i, 1, :s, 10, 'video/mp4',"
        " 'video', :f, 'tin.mp4', :k, '{}', '', :st, :e, :d, 1, '', :n, :n)"),
        {"i": file_id, "s": f"{file_id:064x}", "k": f"originals/{file_id}", "f": False,
         "st": status, "e": error, "d": detail, "n": NOW})


def test_old_failures_keep_their_text_as_tool_output_under_the_generic_code(at_0012):
    from app.bootstrap import Kho
    from archive.models import File

    with at_0012.engine.begin() as c:
        c.execute(text("INSERT INTO products (id, title, description, tags, suggestions,"
                       " rights_note, sensitive, status, version, created_at, updated_at)"
                       " VALUES (1, 'Bản tin', '', '[]', '[]', '', :f, 'failed', 1, :n, :n)"),
                  {"f": False, "n": NOW})
        _file(c, 1, "failed", "probe: ffprobe failed: moov atom not found",
              "[mov,mp4] moov atom not found")
        _file(c, 2, "failed", "processing stopped: No space left on device", "")
        _file(c, 3, "ready", "", "")
    db.upgrade(at_0012.engine)
    runtime = Kho(at_0012.settings)
    try:
        with runtime.transaction() as s:
            first, second, fine = (s.get(File, i) for i in (1, 2, 3))
            assert (first.problem, second.problem, fine.problem) == \
                ("processing.failed", "processing.failed", "")
            assert first.error_detail == ("probe: ffprobe failed: moov atom not found\n"
                                          "[mov,mp4] moov atom not found")
            assert second.error_detail == "processing stopped: No space left on device"
            assert fine.error_detail == "" and fine.error == ""
            assert first.error.startswith("Processing of this file failed — press Retry")
    finally:
        runtime.close()
    with at_0012.engine.connect() as c:
        columns = set(c.execute(text("SELECT * FROM files")).keys())
    assert "error" not in columns and {"problem", "problem_params"} <= columns


def test_a_downgrade_puts_a_sentence_back(at_0012):
    with at_0012.engine.begin() as c:
        c.execute(text("INSERT INTO products (id, title, description, tags, suggestions,"
                       " rights_note, sensitive, status, version, created_at, updated_at)"
                       " VALUES (1, 'Bản tin', '', '[]', '[]', '', :f, 'failed', 1, :n, :n)"),
                  {"f": False, "n": NOW})
        _file(c, 1, "failed", "probe: ffprobe failed", "")
    db.upgrade(at_0012.engine)
    _downgrade(at_0012, "0012")
    with at_0012.engine.connect() as c:
        error, detail = c.execute(text("SELECT error, error_detail FROM files")).one()
    assert error == "processing failed (processing.failed)"
    assert detail == "probe: ffprobe failed"


def _downgrade(kho, revision: str) -> None:
    from alembic import command

    command.downgrade(db._alembic_config(kho.engine), revision)
