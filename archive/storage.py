"""Object storage: the ``Storage`` protocol, key rules and the local-folder backend.

Objects are addressed by *keys* that Kho builds itself (``original_key``,
``derivative_key``); a user's filename never becomes a key. Two backends implement
the same protocol: :class:`LocalStorage` here (a folder, atomic writes) and
``archive.s3.S3Storage`` (any S3-compatible store). ``app.bootstrap`` picks one from
the settings; nothing here reads settings or touches the disk at import time.

Fixity is the caller's own SHA-256 of the bytes, never an ETag: storage only stores.

Errors: a missing object raises :class:`~archive.errors.NotFound` naming the key; a
bad key or range raises :class:`~archive.errors.ValidationError`; a store that cannot
be used (missing folder or bucket, no permission, unreachable) raises
:class:`~archive.errors.StorageError` with one line naming the folder or bucket.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Protocol, runtime_checkable

from archive.errors import MissingObject, StorageError, ValidationError

CHUNK_BYTES = 1024 * 1024          # read/copy buffer for streaming, 1 MiB
DIGEST_CHUNK_BYTES = 4 * 1024 * 1024  # read size when re-hashing a whole object, 4 MiB
MAX_KEY_BYTES = 1024               # S3's limit on a key
MAX_SEGMENT_BYTES = 255            # common filesystem limit on one path component

_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME_PART = re.compile(r"[a-z0-9_-]+")
_KEY_CHARS = re.compile(r"[A-Za-z0-9._/-]+")
_TEMP_PREFIX = ".kho-partial-"


# --- keys -----------------------------------------------------------------------

def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe object key, else raise ValidationError.

    A key is ASCII ``[A-Za-z0-9._/-]``, at most 1024 bytes, relative (no leading
    ``/``), without empty segments (``a//b``, trailing ``/``) and without segments that
    start with ``.`` (this rejects ``.`` and ``..`` and hidden/temporary files).
    """
    if not isinstance(key, str) or not key:
        raise ValidationError("storage key must be a non-empty string", field="key")
    if len(key) > MAX_KEY_BYTES or not _KEY_CHARS.fullmatch(key):
        raise ValidationError(f"storage key {key!r} must be ASCII letters, digits, "
                              "'.', '_', '-' or '/' and at most 1024 characters",
                              field="key")
    if key.startswith("/"):
        raise ValidationError(f"storage key {key!r} must not start with '/'", field="key")
    for segment in key.split("/"):
        if not segment:
            raise ValidationError(f"storage key {key!r} has an empty segment", field="key")
        if segment.startswith("."):
            raise ValidationError(f"storage key {key!r} has a segment starting with '.'",
                                  field="key")
        if len(segment) > MAX_SEGMENT_BYTES:
            raise ValidationError(f"storage key {key!r} has a segment longer than "
                                  f"{MAX_SEGMENT_BYTES} characters", field="key")
    return key


def validate_prefix(prefix: str) -> str:
    """Return a key prefix (the ``s3_prefix`` that keeps an instance's objects apart in
    a shared bucket): ``""`` or a key, optionally ending with ``/``."""
    if prefix == "":
        return prefix
    validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def _validate_sha256(sha256: str) -> str:
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValidationError("must be 64 lowercase hexadecimal characters", field="sha256")
    return sha256


def original_key(sha256: str) -> str:
    """Key of an original file: ``originals/ab/cd/<sha256>``."""
    _validate_sha256(sha256)
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def derivative_key(sha256: str, rendition: str, ext: str) -> str:
    """Key of a derivative: ``derivatives/ab/cd/<sha256>/<rendition>.<ext>``.

    ``rendition`` (e.g. ``thumb``, ``proxy-720``) and ``ext`` (e.g. ``jpg``) are
    lowercase ``[a-z0-9_-]``; anything else raises ValidationError naming the field.
    """
    _validate_sha256(sha256)
    for field, value in (("rendition", rendition), ("ext", ext)):
        if not isinstance(value, str) or not _NAME_PART.fullmatch(value):
            raise ValidationError("must be lowercase letters, digits, '-' or '_'",
                                  field=field)
    return f"derivatives/{sha256[:2]}/{sha256[2:4]}/{sha256}/{rendition}.{ext}"


def content_disposition(filename: str | None) -> str:
    """An ``attachment`` Content-Disposition header value for a download filename.

    The plain ``filename=`` carries an ASCII fallback (Vietnamese letters lose their
    marks, unsafe characters become ``_``); ``filename*=`` carries the NFC UTF-8 name
    percent-encoded (RFC 6266/5987), which browsers prefer.
    """
    if not filename:
        return "attachment"
    name = unicodedata.normalize("NFC", filename).replace("/", "_").replace("\\", "_")
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in folded if not unicodedata.combining(c))
    ascii_name = re.sub(r'[^A-Za-z0-9._ ()-]', "_", ascii_name).strip() or "download"
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"
    return header


# --- protocol -------------------------------------------------------------------

@dataclass(frozen=True)
class StoredObject:
    """One object as a listing shows it: its key (without a store's prefix), its size
    in bytes and when it was last written (seconds since the epoch)."""

    key: str
    size: int
    modified: float


@runtime_checkable
class Storage(Protocol):
    """What every object store offers. Keys are validated with :func:`validate_key`."""

    def check(self) -> None:
        """Raise StorageError (one line naming the folder/bucket) if unusable."""

    def ensure(self) -> None:
        """Prepare the store (create the local folder; S3: the bucket must exist)."""

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        """Store the file at ``path`` under ``key`` atomically, replacing any object."""

    def open(self, key: str) -> BinaryIO:
        """A streaming binary reader of the object; the caller closes it."""

    def read_range(self, key: str, start: int, end_inclusive: int) -> Iterator[bytes]:
        """Chunks of bytes ``start..end_inclusive`` (end clamped to the last byte)."""

    def stream(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The whole object in chunks of at most ``chunk_bytes`` (an empty object
        yields nothing). Raises NotFound, or StorageError when reading fails midway."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Object size in bytes."""

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    def presigned_url(self, key: str, *, filename: str | None = None,
                      content_type: str | None = None,
                      expires: int | None = None) -> str | None:
        """A time-limited direct download URL, or None if the backend has none."""

    def local_path(self, key: str) -> Path | None:
        """The object's file on this machine, or None if the backend is remote."""

    def download_to(self, key: str, path: Path) -> None:
        """Copy the object to the local file ``path`` (written atomically)."""

    def listing(self, prefix: str) -> Iterator[StoredObject]:
        """The objects whose key starts with ``prefix`` (``a/b/``: a folder), in no
        particular order. Raises StorageError when the store cannot be listed."""


def check_range(key: str, start: int, end_inclusive: int, size: int) -> int:
    """Validate a byte range against an object of ``size`` bytes; return the clamped end.

    Raises ValidationError when ``start`` is negative, past the last byte, or after
    ``end_inclusive``.
    """
    if start < 0 or end_inclusive < start:
        raise ValidationError(f"invalid byte range {start}-{end_inclusive} for '{key}'",
                              field="range")
    if start >= size:
        raise ValidationError(f"byte range {start}-{end_inclusive} is outside '{key}' "
                              f"({size} bytes)", field="range")
    return min(end_inclusive, size - 1)


# --- local folder ---------------------------------------------------------------

class LocalStorage:
    """Objects as files under ``root`` (``root/<key>``), written atomically.

    A write goes to a hidden temporary file in the target's folder, is fsynced and
    then renamed over the target with ``os.replace``, so readers see either the old
    object or the whole new one, and a crash leaves no partial object under the key.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _existing(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise MissingObject(f"object '{key}' not found in storage folder {self.root}",
                                field="key")
        return path

    def check(self) -> None:
        if not self.root.is_dir():
            raise StorageError(f"storage folder {self.root} does not exist", field="storage_path")
        try:
            fd, probe = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise StorageError(f"storage folder {self.root} is not writable: "
                               f"{exc.strerror or exc}", field="storage_path") from None

    def ensure(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create storage folder {self.root}: "
                               f"{exc.strerror or exc}", field="storage_path") from None
        self.check()

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        """Copy ``path`` to ``key``. A missing source raises FileNotFoundError and
        leaves no object; a failed write raises StorageError and leaves no object."""
        target = self._path(key)
        with open(path, "rb") as source:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._write_atomically(source, target)
            except OSError as exc:
                raise StorageError(f"cannot write '{key}' in storage folder {self.root}: "
                                   f"{exc.strerror or exc}", field="key") from None

    @staticmethod
    def _write_atomically(source: BinaryIO, target: Path) -> None:
        write_atomically(source, target)

    def open(self, key: str) -> BinaryIO:
        return open(self._existing(key), "rb")

    def read_range(self, key: str, start: int, end_inclusive: int) -> Iterator[bytes]:
        path = self._existing(key)
        end = check_range(key, start, end_inclusive, path.stat().st_size)
        handle = open(path, "rb")
        handle.seek(start)
        return _read_span(handle, end - start + 1)

    def stream(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        handle = open(self._existing(key), "rb")
        return _read_span(handle, None, chunk_bytes)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._existing(key).stat().st_size

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageError(f"cannot delete '{key}' in storage folder {self.root}: "
                               f"{exc.strerror or exc}", field="key") from None

    def presigned_url(self, key: str, *, filename: str | None = None,
                      content_type: str | None = None,
                      expires: int | None = None) -> str | None:
        """Local files have no direct URL: the web layer streams them (returns None)."""
        validate_key(key)
        return None

    def local_path(self, key: str) -> Path | None:
        """The object's file (raises NotFound if there is none)."""
        return self._existing(key)

    def download_to(self, key: str, path: Path) -> None:
        source_path = self._existing(key)
        path = Path(path)
        with open(source_path, "rb") as source:
            self._write_atomically(source, path)

    def listing(self, prefix: str) -> Iterator[StoredObject]:
        """Files under the folder ``prefix`` names (hidden temporary files left out)."""
        folder = self.root / validate_key(prefix.rstrip("/")) if prefix.strip("/") else self.root
        try:
            for parent, dirs, names in os.walk(folder):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in names:
                    if name.startswith("."):
                        continue
                    path = Path(parent) / name
                    try:
                        stat = path.stat()
                    except FileNotFoundError:       # deleted while listing
                        continue
                    yield StoredObject(path.relative_to(self.root).as_posix(),
                                       stat.st_size, stat.st_mtime)
        except OSError as exc:
            raise StorageError(f"cannot list '{prefix}' in storage folder {self.root}: "
                               f"{exc.strerror or exc}", field="key") from None


def _read_span(handle: BinaryIO, length: Optional[int],
               chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Yield ``length`` bytes (None: all) from ``handle`` in chunks, then close it."""
    try:
        remaining = length
        while remaining is None or remaining > 0:
            chunk = handle.read(chunk_bytes if remaining is None else min(chunk_bytes, remaining))
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort where folders can't be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(source: BinaryIO, target: Path, prefix: str = _TEMP_PREFIX) -> None:
    """Replace ``target`` with the bytes of ``source``: a temporary file named ``prefix``…
    in the same folder, fsynced, renamed over it, the folder fsynced. A reader sees the
    old file or the new, never part of one; a killed writer leaves only the temporary
    file (removed here on any error it sees). Raises OSError."""
    fd, temp_name = tempfile.mkstemp(prefix=prefix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as temp:
            shutil.copyfileobj(source, temp, CHUNK_BYTES)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(target.parent)
