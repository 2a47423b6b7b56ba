"""LocalStorage: the shared storage contract, key rules and folder-specific behaviour."""
from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

import archive.storage
from archive.errors import StorageError, ValidationError
from archive.storage import LocalStorage, content_disposition, derivative_key, \
    original_key, validate_key
from tests.storage_contract import StorageContract, write_file

SHA = "0123456789abcdef" * 4


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    store = LocalStorage(tmp_path / "objects")
    store.ensure()
    return store


class TestLocalStorageContract(StorageContract):
    pass


def all_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# --- keys ---------------------------------------------------------------------------

def test_original_key_is_content_addressed():
    assert original_key(SHA) == f"originals/01/23/{SHA}"


def test_derivative_key_nests_under_the_original_hash():
    assert derivative_key(SHA, "proxy-720", "mp4") == f"derivatives/01/23/{SHA}/proxy-720.mp4"


@pytest.mark.parametrize("sha", ["ABC", SHA.upper(), SHA[:-1], SHA + "0", "g" * 64,
                                 "../" + SHA[3:]])
def test_original_key_rejects_anything_but_a_sha256(sha):
    with pytest.raises(ValidationError) as caught:
        original_key(sha)
    assert caught.value.field == "sha256"


@pytest.mark.parametrize("rendition,ext,field", [("Thumb", "jpg", "rendition"),
                                                 ("../x", "jpg", "rendition"),
                                                 ("thumb", "j.pg", "ext"),
                                                 ("thumb", "", "ext")])
def test_derivative_key_rejects_unsafe_names(rendition, ext, field):
    with pytest.raises(ValidationError) as caught:
        derivative_key(SHA, rendition, ext)
    assert caught.value.field == field


def test_validate_key_returns_safe_keys_unchanged():
    assert validate_key("exports/2026/bao-cao_v1.2.xlsx") == "exports/2026/bao-cao_v1.2.xlsx"


def test_content_disposition_keeps_an_ascii_fallback_and_the_vietnamese_name():
    header = content_disposition("Bản tin Đắk Lắk \"số 1\".mp4")
    assert header.startswith('attachment; filename="Ban tin Dak Lak _so 1_.mp4"')
    assert "filename*=UTF-8''B%E1%BA%A3n%20tin%20%C4%90%E1%BA%AFk" in header
    assert content_disposition("report.pdf") == 'attachment; filename="report.pdf"'


# --- folder behaviour ---------------------------------------------------------------

def test_put_leaves_only_the_object_in_the_folder(storage, tmp_path):
    key = original_key(SHA)
    storage.put_file(key, write_file(tmp_path / "in", b"data"))
    assert all_files(storage.root) == [key]
    assert storage.local_path(key) == storage.root / key


def test_write_failure_midway_leaves_no_partial_object(storage, tmp_path, monkeypatch):
    def disk_full(source, target, length):
        target.write(source.read(10))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive.storage.shutil, "copyfileobj", disk_full)
    key = original_key(SHA)
    with pytest.raises(StorageError) as caught:
        storage.put_file(key, write_file(tmp_path / "in", b"x" * 1000))
    assert "No space left on device" in str(caught.value)
    assert not storage.exists(key)
    assert all_files(storage.root) == []


def test_local_store_has_no_presigned_url(storage, tmp_path):
    key = "a/b"
    storage.put_file(key, write_file(tmp_path / "in", b"x"))
    assert storage.presigned_url(key, filename="b.txt", content_type="text/plain",
                                 expires=60) is None


def test_check_names_a_missing_folder(tmp_path):
    root = tmp_path / "nowhere"
    with pytest.raises(StorageError) as caught:
        LocalStorage(root).check()
    assert str(root) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_ensure_creates_the_folder(tmp_path):
    root = tmp_path / "instance" / "objects"
    LocalStorage(root).ensure()
    assert root.is_dir()


def test_ensure_names_a_folder_it_cannot_create(tmp_path):
    blocker = write_file(tmp_path / "file", b"")
    with pytest.raises(StorageError) as caught:
        LocalStorage(blocker / "objects").ensure()
    assert str(blocker / "objects") in str(caught.value)


def test_check_names_an_unwritable_folder(tmp_path, monkeypatch):
    # Running as root ignores permission bits, so simulate the OS refusing the write.
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    store = LocalStorage(tmp_path)
    monkeypatch.setattr(archive.storage.tempfile, "mkstemp", refuse)
    with pytest.raises(StorageError) as caught:
        store.check()
    assert str(tmp_path) in str(caught.value) and "not writable" in str(caught.value)


def test_storage_works_after_the_folder_is_moved(tmp_path):
    store = LocalStorage(tmp_path / "one")
    store.ensure()
    store.put_file("a/b", write_file(tmp_path / "in", b"x"))
    shutil.move(tmp_path / "one", tmp_path / "two")
    assert LocalStorage(tmp_path / "two").size("a/b") == 1
