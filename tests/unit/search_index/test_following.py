"""A reader follows the writer's published generations into its own folder: a new
generation appears whole, a file that is missing or differs from its manifest is
refused while the old generation keeps answering, and an interrupted copy is completed
by the next sync (kill -9 of a real process: tests/integration/test_search_nodes_s3.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from archive.errors import MissingObject
from archive.storage import LocalStorage
from search_index import SearchIndex, SearchQuery
from search_index.following import FollowStatus, status, sync
from search_index.publishing import publish
from search_index.snapshots import STAGING, SnapshotError, latest_generation, segment_key
from tests.unit.search_index.conftest import products


@pytest.fixture
def store(tmp_path):
    storage = LocalStorage(tmp_path / "objects")
    storage.ensure()
    return storage


@pytest.fixture
def writer(tmp_path, store):
    index = SearchIndex(tmp_path / "writer")
    index.upsert(products()[:7])
    publish(index.path, store)
    return index


def ids(index: SearchIndex, text: str) -> list[int]:
    return sorted(h.id for h in index.search(SearchQuery(text=text, per_page=50)).hits)


def test_an_empty_reader_starts_from_the_snapshot_and_follows_edits(tmp_path, store, writer):
    reader = SearchIndex(tmp_path / "reader")           # an empty folder: no rebuild
    first = sync(reader.path, store)
    assert first.applied and first.status.generation == 1 and first.copied == 1
    assert ids(reader, "quyền") == ids(writer, "quyền")
    writer.upsert(products()[7:])                      # an edit on the writer...
    writer.delete([1])
    publish(writer.path, store)
    assert 8 not in ids(reader, "học tập")               # ...not yet here
    outcome = sync(reader.path, store)
    assert outcome.applied and outcome.copied == 1     # only the new segment is copied
    assert ids(reader, "quyền") == ids(writer, "quyền") and 1 not in ids(reader, "quyền")
    assert ids(reader, "học tập") == [8]
    caught_up = sync(reader.path, store)
    assert not caught_up.applied and caught_up.status.lag_seconds() == 0


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_a_bad_file_in_the_store_is_refused_and_the_old_generation_kept(
        tmp_path, store, writer, damage):
    reader = SearchIndex(tmp_path / "reader")
    sync(reader.path, store)
    before = ids(reader, "quyền")
    writer.upsert(products()[7:])
    manifest = publish(writer.path, store)
    new = [f for f in manifest.files if not (reader.path / f.name).exists()][0]
    stored = store.local_path(segment_key(new.name))
    good = stored.read_bytes()
    if damage == "corrupt":
        stored.write_bytes(good[:-10] + b"0123456789")  # same size, other bytes
        with pytest.raises(SnapshotError, match="refused.*SHA-256"):
            sync(reader.path, store)
    else:
        stored.unlink()
        with pytest.raises(MissingObject, match=new.name):
            sync(reader.path, store)
    assert ids(reader, "quyền") == before              # still answering, from generation 1
    assert latest_generation(reader.path) == 1
    assert not (reader.path / new.name).exists()
    assert not (reader.path / STAGING).exists()
    seen = status(reader.path)
    assert seen.generation == 1 and seen.latest_generation == manifest.generation
    assert seen.error and seen.lag_seconds() > 0
    stored.write_bytes(good)                           # repaired: the next sync completes
    assert sync(reader.path, store).applied
    assert ids(reader, "quyền") == ids(writer, "quyền") and status(reader.path).error == ""


def test_an_interrupted_copy_keeps_the_old_generation_and_the_next_sync_completes(
        tmp_path, store, writer, monkeypatch):
    reader = SearchIndex(tmp_path / "reader")
    sync(reader.path, store)
    writer.upsert(products()[7:9])
    writer.upsert(products()[9:11])
    manifest = publish(writer.path, store)
    assert len(manifest.files) >= 2
    real_open, opened = store.open, []

    def dies_on_second_file(key):
        opened.append(key)
        if len([k for k in opened if "/segments/" in k]) == 2:
            raise KeyboardInterrupt                    # the process stopped mid-copy
        return real_open(key)

    monkeypatch.setattr(store, "open", dies_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        sync(reader.path, store)
    monkeypatch.setattr(store, "open", real_open)
    assert latest_generation(reader.path) == 1 and ids(reader, "học tập") == []
    outcome = sync(reader.path, store)
    assert outcome.applied and outcome.copied == len(manifest.files) - 2  # 1 copied before
    assert ids(reader, "học tập") == [8]


def test_a_folder_with_a_newer_generation_of_its_own_follows_the_writer(
        tmp_path, store, writer):
    reader = SearchIndex(tmp_path / "reader")          # was a single machine's index
    for item in products()[7:]:
        reader.upsert([item])
    assert latest_generation(reader.path) > 1
    sync(reader.path, store)
    assert latest_generation(reader.path) == 1
    assert ids(reader, "quyền") == ids(writer, "quyền")


def test_lag_counts_from_the_newest_generation_not_applied():
    written = datetime(2026, 12, 7, 4, 0, tzinfo=timezone.utc)
    behind = FollowStatus(3, written - timedelta(minutes=5), 5, written, written)
    assert behind.lag_seconds(written + timedelta(seconds=7)) == 7
    caught_up = FollowStatus(5, written, 5, written, written)
    assert caught_up.lag_seconds(written + timedelta(hours=1)) == 0


def test_a_sync_in_progress_elsewhere_is_left_to_finish(tmp_path, store, writer):
    from search_index.following import LOCK_FILE
    from search_index.snapshots import folder_lock

    reader = SearchIndex(tmp_path / "reader")
    reader.ensure()
    with folder_lock(reader.path, LOCK_FILE):
        outcome = sync(reader.path, store)
    assert outcome.busy and not outcome.applied
