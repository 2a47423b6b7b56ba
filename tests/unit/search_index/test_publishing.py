"""The writer publishes its index's generations to the object store (the local folder
store here; the S3 server in tests/integration/test_search_nodes_s3.py): files before
the TOC before the manifest, idempotently, renumbered after a recreated index, and the
garbage collection keeps what a manifest still names."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from archive.errors import StorageError
from archive.storage import LocalStorage
from search_index import SearchIndex, SearchQuery
from search_index.following import sync
from search_index.publishing import collect_garbage, publish, unpublished
from search_index.snapshots import pointer_key, read_manifest, segment_key, toc_key
from tests.unit.search_index.conftest import products


@pytest.fixture
def store(tmp_path):
    storage = LocalStorage(tmp_path / "objects")
    storage.ensure()
    return storage


def total(index: SearchIndex, text: str) -> int:
    return index.search(SearchQuery(text=text)).total


def test_a_generation_is_published_whole_and_only_once(tmp_path, store):
    writer = SearchIndex(tmp_path / "writer")
    writer.upsert(products()[:7])
    assert unpublished(writer.path)
    manifest = publish(writer.path, store)
    assert not unpublished(writer.path)
    assert manifest.generation == 1 and len(manifest.files) == 1
    for entry in manifest.files:
        assert store.size(segment_key(entry.name)) == entry.size
    assert store.size(toc_key(manifest.toc.name)) == manifest.toc.size
    assert read_manifest(store, pointer_key()) == manifest
    assert publish(writer.path, store) is None          # nothing new: one GET
    writer.upsert(products()[7:])
    second = publish(writer.path, store)
    assert second.generation == 2 and len(second.files) == 2
    assert set(manifest.files) < set(second.files)      # the unchanged segment is reused


def test_a_failed_publish_leaves_the_manifest_readers_follow(tmp_path, store, monkeypatch):
    writer = SearchIndex(tmp_path / "writer")
    writer.upsert(products()[:7])
    first = publish(writer.path, store)
    writer.upsert(products()[7:])
    real_put = store.put_file

    def toc_upload_fails(key, path, content_type=None):
        if "/tocs/" in key:
            raise StorageError("the store went away")
        return real_put(key, path, content_type)

    monkeypatch.setattr(store, "put_file", toc_upload_fails)
    with pytest.raises(StorageError):
        publish(writer.path, store)
    assert read_manifest(store, pointer_key()) == first  # readers still see a whole one
    assert unpublished(writer.path)
    monkeypatch.setattr(store, "put_file", real_put)
    again = publish(writer.path, store)                  # the segment is sent again, whole
    assert again.generation == 2
    reader = SearchIndex(tmp_path / "reader")
    sync(reader.path, store)
    assert total(reader, "quyền") == total(writer, "quyền") == 7


def test_a_recreated_writer_index_is_published_with_a_higher_generation(tmp_path, store):
    writer = SearchIndex(tmp_path / "writer")
    for item in products()[:4]:                          # generations 1..4
        writer.upsert([item])
    publish(writer.path, store)
    reader = SearchIndex(tmp_path / "reader")
    sync(reader.path, store)
    assert total(reader, "quyền") == total(writer, "quyền") == 3
    writer.close()
    fresh = SearchIndex(tmp_path / "writer")
    for path in fresh.path.iterdir():                    # a new index: generations start again
        path.unlink()
    fresh.upsert(products()[12:])
    manifest = publish(fresh.path, store)
    assert manifest.writer_generation == 1 and manifest.generation == 5
    assert sync(reader.path, store).applied
    assert [h.id for h in reader.search(SearchQuery(text="quyền")).hits] == [13]


def test_garbage_collection_keeps_what_a_live_manifest_names(tmp_path, store):
    writer = SearchIndex(tmp_path / "writer")
    writer.upsert(products()[:7])
    first = publish(writer.path, store)
    writer.clear()
    writer.upsert(products()[7:])
    second = publish(writer.path, store)
    assert not set(first.files) & set(second.files)
    stray = tmp_path / "stray.seg"
    stray.write_bytes(b"left by a publish killed before its manifest")
    store.put_file(segment_key("MAIN_stray.seg"), stray)
    now = datetime.now(timezone.utc)
    # within the grace period of the replacement: the first generation is still live
    kept = collect_garbage(store, grace_seconds=3600, now=now)
    assert kept.deleted == 0
    assert all(store.exists(segment_key(f.name)) for f in first.files)
    # long after: the first generation and the stray go, the newest stays whole
    report = collect_garbage(store, grace_seconds=3600, now=now + timedelta(hours=2))
    assert report.deleted == len(first.files) + 3        # its files, TOC, manifest, the stray
    assert not any(store.exists(segment_key(f.name)) for f in first.files)
    assert not store.exists(segment_key("MAIN_stray.seg"))
    assert all(store.exists(segment_key(f.name)) for f in second.files)
    assert store.exists(toc_key(second.toc.name))
    reader = SearchIndex(tmp_path / "reader")
    sync(reader.path, store)
    assert total(reader, "quyền") == total(writer, "quyền")


def test_the_manifest_names_sizes_hashes_and_when(tmp_path, store):
    writer = SearchIndex(tmp_path / "writer")
    writer.upsert(products())
    publish(writer.path, store, now=datetime(2026, 12, 7, 4, 0, tzinfo=timezone.utc))
    with store.open(pointer_key()) as body:
        data = json.loads(body.read())
    assert data["written_at"] == "2026-12-07T04:00:00+00:00"
    assert data["toc"]["name"] == f"_MAIN_{data['generation']}.toc"
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in data["files"])
