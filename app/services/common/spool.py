"""Upload bytes in transit: the spool folder (``spool_path``), written once.

Every upload is streamed to one spool file, hashed (SHA-256) and counted in the same
pass, then written to storage and removed. A raw request body (the page's script, an
API client) is copied by :func:`spool`. A multipart form is parsed by the web
framework, which writes each file part to a file object it asks for: the front door
hands it a :class:`SpoolFile`, so the part lands in the spool folder already hashed
and counted, and intake takes that very file over (:meth:`SpoolFile.take`) instead
of copying it a second time.

A full disk under the spool is InsufficientStorage (507) naming the setting, and the
partial file is removed; a file over ``max_upload_bytes`` is TooLarge naming it.
"""
from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from archive.errors import Bytes, InsufficientStorage, Quantity, TooLarge, ValidationError

CHUNK = 1024 * 1024  # bytes read per step while spooling
PREFIX = "upload-"   # spool file names; leftovers of a killed process are found by it
WORK_PREFIX = "work-"      # spool/work-<file id>-<attempt>: one folder per attempt
SPOOL_FULL = ("the server's disk for uploads in transit (setting spool_path) is full after "
              "%(size)s bytes of %(file)s; nothing was stored: try again later, or ask the "
              "administrator to free space")


@dataclass(frozen=True)
class Spooled:
    path: Path
    sha256: str
    size: int     # bytes


def too_large(filename: str, limit: int) -> TooLarge:
    return TooLarge("%(file)s is too large: at most %(limit)s per file",
                    field=filename, file=filename, limit=Bytes(limit))


def _full(filename: str, size: int) -> InsufficientStorage:
    return InsufficientStorage(SPOOL_FULL, field="spool_path", file=filename,
                               size=Quantity(size))


def _is_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def spool(spool_dir: Path, stream: BinaryIO, filename: str, limit: int) -> Spooled:
    """Copy ``stream`` to a spool file, hashing as it goes; enforce ``limit`` (bytes).

    Raises TooLarge (naming the file and the limit) as soon as the limit is passed,
    ValidationError for an empty file and InsufficientStorage when the disk fills.
    The spool file is removed on any error.
    """
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=PREFIX, dir=spool_dir)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise too_large(filename, limit)
                digest.update(chunk)
                try:
                    out.write(chunk)
                except OSError as exc:
                    if _is_full(exc):
                        raise _full(filename, size - len(chunk)) from None
                    raise
        if size == 0:
            raise ValidationError("%(file)s is empty", field=filename, file=filename)
    except OSError as exc:       # the final flush on close may be what hits the full disk
        Path(name).unlink(missing_ok=True)
        if _is_full(exc):
            raise _full(filename, size) from None
        raise
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Spooled(Path(name), digest.hexdigest(), size)


class SpoolFile:
    """A file object for the web framework's multipart parser: a spool file that
    hashes and counts what is written to it.

    Past ``limit`` bytes it keeps counting but stops writing (and frees what it
    wrote), so the request's other files are still read and kept; :meth:`take`
    then refuses this one by name. Closing removes the file unless intake took it.
    """

    def __init__(self, spool_dir: Path, limit: int, filename: str = "") -> None:
        spool_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=PREFIX, dir=spool_dir)
        self.path = Path(name)
        self.limit, self.filename = limit, filename
        self.size = 0
        self._digest = hashlib.sha256()
        self._file = os.fdopen(fd, "w+b")
        self._taken = False

    @property
    def over_limit(self) -> bool:
        return self.size > self.limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.over_limit:
            if self._file.tell():
                self._file.seek(0)
                self._file.truncate()
            return len(data)
        self._digest.update(data)
        try:
            return self._file.write(data)
        except OSError as exc:
            if _is_full(exc):
                self.close()
                raise _full(self.filename or "file", self.size - len(data)) from None
            raise

    def take(self, filename: str) -> Spooled:
        """Hand the spool file to intake (which removes it when done); TooLarge or
        ValidationError (empty) naming ``filename``."""
        if self.over_limit:
            raise too_large(filename, self.limit)
        if self.size == 0:
            raise ValidationError("%(file)s is empty", field=filename, file=filename)
        try:
            self._file.flush()
        except OSError as exc:
            if _is_full(exc):
                raise _full(filename, self.size) from None
            raise
        self._taken = True
        return Spooled(self.path, self._digest.hexdigest(), self.size)

    # the rest of the file protocol the parser and FileStorage use
    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        try:
            self._file.close()
        except OSError:
            pass
        if not self._taken:
            self.path.unlink(missing_ok=True)

    def __iter__(self):
        return iter(self._file)

    def __enter__(self) -> "SpoolFile":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
