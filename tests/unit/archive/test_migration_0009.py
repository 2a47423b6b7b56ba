"""Migration 0009 merges the duplicate file rows parallel uploads made before the
unique constraint existed: one row per original, nothing it pointed at lost."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from archive import db

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
SHA = "ab" * 32


@pytest.fixture
def at_0008(settings):
    from app.bootstrap import Kho

    runtime = Kho(settings)
    db.upgrade(runtime.engine, "0008")
    yield runtime
    runtime.close()


def _file(c, file_id: int, status: str) -> None:
    c.execute(text(
        "INSERT INTO files (id, product_id, sha256, size, media_type, category, type_mismatch,"
        " original_filename, storage_key, technical, text, status, error, error_detail,"
        " attempts, created_at, updated_at) VALUES (:i, 1, :s, 10, 'audio/mpeg', 'audio', :f,"
        " 'tin.mp3', 'originals/ab', '{\"duration\": %d}', :x, :st, '', '', 1, :n, :n)"
        % file_id), {"i": file_id, "s": SHA, "f": False,
         "x": f"text {file_id}", "st": status, "n": NOW})


def _derivative(c, file_id: int, name: str) -> None:
    c.execute(text("INSERT INTO derivatives (file_id, name, storage_key, media_type, size, params,"
                   " created_at) VALUES (:f, :n, :k, 'image/jpeg', 5, '{}', :t)"),
              {"f": file_id, "n": name, "k": f"derivatives/{name}", "t": NOW})


def _download(c, file_id: int, count: int) -> None:
    c.execute(text("INSERT INTO download_records (user_id, product_id, file_id, rendition, day,"
                   " count, first_at, last_at) VALUES (NULL, 1, :f, 'original', :d, :c, :t, :t)"),
              {"f": file_id, "d": date(2026, 11, 30), "c": count, "t": NOW})


def test_duplicates_are_merged_into_the_oldest_row(at_0008):
    with at_0008.engine.begin() as c:
        c.execute(text("INSERT INTO products (id, title, description, tags, suggestions,"
                       " rights_note, sensitive, status, created_at, updated_at) VALUES"
                       " (1, 'Bản tin', '', '[]', '[]', '', :f, 'failed', :n, :n)"),
                  {"f": False, "n": NOW})
        _file(c, 1, "failed")            # the oldest row, whose processing failed
        _file(c, 2, "ready")             # a later copy that finished
        _file(c, 3, "ready")
        _derivative(c, 1, "waveform")
        _derivative(c, 2, "thumbnail")
        _derivative(c, 3, "thumbnail")
        _derivative(c, 3, "broadcast")
        for file_id in (1, 2, 3):
            c.execute(text("INSERT INTO events (product_id, file_id, action, tool, tool_version,"
                           " outcome, detail, at) VALUES (1, :f, 'file.receive', 'kho', '', 'ok',"
                           " '', :t)"), {"f": file_id, "t": NOW})
        _download(c, 1, 2)
        _download(c, 3, 5)
    db.upgrade(at_0008.engine)
    with at_0008.engine.connect() as c:
        files = c.execute(text("SELECT id, status, text FROM files")).all()
        names = sorted(r[0] for r in c.execute(text(
            "SELECT name FROM derivatives WHERE file_id = 1")))
        events = c.execute(text("SELECT file_id, action FROM events ORDER BY id")).all()
        downloads = c.execute(text("SELECT file_id, count FROM download_records")).all()
        merge = c.execute(text("SELECT detail FROM events WHERE action = 'file.merge'")).scalar()
    assert files == [(1, "ready", "text 2")]
    assert names == ["broadcast", "thumbnail"]          # the finished copy's results
    assert [e for e in events if e[1] == "file.receive"] == [(1, "file.receive")] * 3
    assert downloads == [(1, 7)]
    assert merge.endswith("2, 3")
    with pytest.raises(Exception):                     # and the schema keeps it so
        with at_0008.engine.begin() as c:
            _file(c, 9, "queued")
