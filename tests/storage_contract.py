"""The behaviour every Storage backend must show, written once.

A test module subclasses :class:`StorageContract` (as ``Test...``) and provides a
``storage`` fixture: an empty store whose multipart threshold (where it has one) is
at most 5 MiB, so the 20 MB test file exercises multipart transfer.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from archive.errors import NotFound, ValidationError
from archive.storage import Storage, original_key
from tests.stored_keys import stored_keys

LARGE_BYTES = 20 * 1000 * 1000
HOSTILE_KEYS = ["../x", "originals/../../etc/passwd", "/abs", "a//b", "a/", "./a", "a/./b",
                "originals/ảnh.jpg", "a b", "a\\b", "", "a/.hidden"]


def write_file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key_for(data: bytes) -> str:
    return original_key(hashlib.sha256(data).hexdigest())


class StorageContract:
    """Shared tests; needs fixtures ``storage`` and ``tmp_path``."""

    def test_is_a_storage(self, storage):
        assert isinstance(storage, Storage)

    def test_put_then_open_returns_the_same_bytes(self, storage, tmp_path):
        data = b"Ban tin phap luat\x00\xff" * 100
        key = key_for(data)
        storage.put_file(key, write_file(tmp_path / "in.bin", data), "application/pdf")
        with storage.open(key) as handle:
            assert handle.read() == data

    def test_put_same_key_twice_keeps_one_complete_object(self, storage, tmp_path):
        data = os.urandom(4096)
        key = key_for(data)
        source = write_file(tmp_path / "in.bin", data)
        storage.put_file(key, source)
        storage.put_file(key, source)
        assert storage.size(key) == len(data)
        assert list(stored_keys(storage)) == [key]

    def test_put_replaces_an_object_whole(self, storage, tmp_path):
        key = "exports/report.csv"
        storage.put_file(key, write_file(tmp_path / "a", b"old content, longer than new"))
        storage.put_file(key, write_file(tmp_path / "b", b"new"))
        with storage.open(key) as handle:
            assert handle.read() == b"new"

    def test_large_file_round_trips_with_equal_sha256(self, storage, tmp_path):
        source = tmp_path / "video.bin"
        with open(source, "wb") as handle:
            for _ in range(LARGE_BYTES // 1_000_000):
                handle.write(os.urandom(1_000_000))
        expected = sha256_of_file(source)
        key = original_key(expected)
        storage.put_file(key, source, "video/mp4")
        assert storage.size(key) == LARGE_BYTES
        copy = tmp_path / "copy.bin"
        storage.download_to(key, copy)
        assert sha256_of_file(copy) == expected
        digest = hashlib.sha256()
        with storage.open(key) as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        assert digest.hexdigest() == expected

    def test_read_range_returns_exact_slices(self, storage, tmp_path):
        data = bytes(range(256)) * 40   # 10240 bytes
        key = "derivatives/ab/cd/x/thumb.jpg"
        storage.put_file(key, write_file(tmp_path / "in", data))
        last = len(data) - 1
        for start, end in [(0, 0), (0, 99), (100, 5000), (last, last), (last - 9, last),
                           (0, last)]:
            assert b"".join(storage.read_range(key, start, end)) == data[start:end + 1]

    def test_read_range_clamps_an_end_past_the_last_byte(self, storage, tmp_path):
        key = "a/b"
        storage.put_file(key, write_file(tmp_path / "in", b"0123456789"))
        assert b"".join(storage.read_range(key, 7, 10_000)) == b"789"

    @pytest.mark.parametrize("start,end", [(10, 12), (-1, 3), (5, 4)])
    def test_read_range_rejects_impossible_ranges(self, storage, tmp_path, start, end):
        key = "a/b"
        storage.put_file(key, write_file(tmp_path / "in", b"0123456789"))
        with pytest.raises(ValidationError):
            list(storage.read_range(key, start, end))

    def test_exists_size_delete(self, storage, tmp_path):
        key = "originals/aa/bb/thing"
        assert not storage.exists(key)
        storage.put_file(key, write_file(tmp_path / "in", b"12345"))
        assert storage.exists(key)
        assert storage.size(key) == 5
        storage.delete(key)
        assert not storage.exists(key)
        storage.delete(key)  # deleting again is not an error
        assert list(stored_keys(storage)) == []

    def test_stream_gives_the_whole_object_in_bounded_chunks(self, storage, tmp_path):
        data = os.urandom(3 * 65536 + 17)
        key = key_for(data)
        storage.put_file(key, write_file(tmp_path / "in", data))
        chunks = list(storage.stream(key, 65536))
        assert b"".join(chunks) == data and max(len(c) for c in chunks) <= 65536

    def test_digest_of_an_object_finds_changed_and_missing_bytes(self, storage, tmp_path):
        from archive.object_fixity import digest_object

        data = os.urandom(10_000)
        key = key_for(data)
        storage.put_file(key, write_file(tmp_path / "in", data))
        assert digest_object(storage, key).sha256 == hashlib.sha256(data).hexdigest()
        storage.put_file(key, write_file(tmp_path / "bad", data[:5000]))   # truncated
        assert digest_object(storage, key).size == 5000
        storage.delete(key)
        assert digest_object(storage, key).missing

    @pytest.mark.parametrize("action", ["open", "size", "read_range", "download_to", "stream"])
    def test_missing_key_raises_not_found_naming_the_key(self, storage, tmp_path, action):
        key = original_key("0" * 64)
        calls = {"open": lambda: storage.open(key), "size": lambda: storage.size(key),
                 "stream": lambda: list(storage.stream(key)),
                 "read_range": lambda: storage.read_range(key, 0, 10),
                 "download_to": lambda: storage.download_to(key, tmp_path / "out")}
        with pytest.raises(NotFound) as caught:
            calls[action]()
        assert key in str(caught.value)
        assert not (tmp_path / "out").exists()

    @pytest.mark.parametrize("key", HOSTILE_KEYS)
    def test_hostile_keys_are_rejected(self, storage, tmp_path, key):
        source = write_file(tmp_path / "in", b"x")
        with pytest.raises(ValidationError):
            storage.put_file(key, source)
        for call in (storage.exists, storage.open, storage.delete, storage.size):
            with pytest.raises(ValidationError):
                call(key)
        assert list(stored_keys(storage)) == []

    def test_failed_put_of_a_missing_source_leaves_no_object(self, storage, tmp_path):
        key = "originals/aa/bb/never"
        with pytest.raises(FileNotFoundError):
            storage.put_file(key, tmp_path / "does-not-exist")
        assert not storage.exists(key)
        assert list(stored_keys(storage)) == []

    def test_failed_put_keeps_the_previous_object(self, storage, tmp_path):
        key = "exports/list.csv"
        storage.put_file(key, write_file(tmp_path / "in", b"kept"))
        with pytest.raises(FileNotFoundError):
            storage.put_file(key, tmp_path / "does-not-exist")
        with storage.open(key) as handle:
            assert handle.read() == b"kept"

    def test_download_to_writes_a_local_copy(self, storage, tmp_path):
        data = os.urandom(70_000)
        key = key_for(data)
        storage.put_file(key, write_file(tmp_path / "in", data))
        target = tmp_path / "work" / "copy.bin"
        target.parent.mkdir()
        storage.download_to(key, target)
        assert target.read_bytes() == data
        assert [p.name for p in target.parent.iterdir()] == ["copy.bin"]

    def test_check_and_ensure_accept_a_usable_store(self, storage):
        storage.ensure()
        assert storage.check() is None

    def test_listing_names_the_objects_under_a_prefix(self, storage, tmp_path):
        import time

        source = write_file(tmp_path / "in", b"12345")
        for key in ("search/main/segments/a.seg", "search/main/tocs/_MAIN_1.toc",
                    "search/other/b.seg"):
            storage.put_file(key, source)
        listed = {item.key: item for item in storage.listing("search/main/")}
        assert sorted(listed) == ["search/main/segments/a.seg", "search/main/tocs/_MAIN_1.toc"]
        assert all(item.size == 5 and abs(item.modified - time.time()) < 600
                   for item in listed.values())
        assert list(storage.listing("nothing/here/")) == []
