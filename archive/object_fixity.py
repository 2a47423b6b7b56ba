"""Re-reading stored objects: their SHA-256, and copies between stores that are verified.

Both work on any :class:`~archive.storage.Storage` and stream: memory use is one chunk
(``DIGEST_CHUNK_BYTES``) whatever the object's size. ``on_bytes`` is called after each
chunk with its length in bytes, so a caller can pace the I/O (a rate limit) and show
progress. Fixity is always our own SHA-256 of the bytes, never an S3 ETag.

Nothing here decides what to do with a bad copy: :func:`digest_object` reports what it
found and :func:`copy_verified` refuses to write bytes whose hash is not the expected one.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from archive.errors import NotFound
from archive.storage import DIGEST_CHUNK_BYTES, Storage

OnBytes = Optional[Callable[[int], None]]


@dataclass(frozen=True)
class Digest:
    """What a re-read found: ``sha256`` (hex) and ``size`` in bytes; both None when the
    object is missing."""

    sha256: Optional[str]
    size: Optional[int]

    @property
    def missing(self) -> bool:
        return self.sha256 is None


class CopyRefused(Exception):
    """A copy's bytes do not have the expected SHA-256 (the source's: nothing was
    written; the target's after writing: the store did not keep what it was given)."""

    def __init__(self, key: str, expected: str, found: Digest) -> None:
        super().__init__(f"copy of '{key}' has sha256 {found.sha256 or '(missing)'}, "
                         f"not {expected}")
        self.key, self.expected, self.found = key, expected, found


def digest_object(storage: Storage, key: str, on_bytes: OnBytes = None) -> Digest:
    """Stream ``key`` from ``storage`` and return its SHA-256 and size.

    A missing object gives ``Digest(None, None)``; a store that cannot be read raises
    StorageError (so an unreachable store is never mistaken for a lost object).
    """
    digest, size = hashlib.sha256(), 0
    try:
        for chunk in storage.stream(key, DIGEST_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    except NotFound:
        return Digest(None, None)
    return Digest(digest.hexdigest(), size)


# spool files of verified copies; those a killed run left are removed by
# app.services.common.leftovers once they are an hour old
SPOOL_PREFIX = "copy-"


def copy_verified(source: Storage, target: Storage, key: str, expected_sha256: str,
                  spool_dir: Path, *, content_type: Optional[str] = None,
                  on_bytes: OnBytes = None) -> int:
    """Copy ``key`` from ``source`` to ``target`` only if its bytes hash to
    ``expected_sha256``; return the size in bytes.

    The bytes are read once into a spool file while hashed, and only those verified
    bytes are written (atomically: a store never holds half an object under the key);
    the target is then re-read to confirm. Raises CopyRefused (the source is not the
    original: nothing written), NotFound (no source), StorageError (a store failed).
    """
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=SPOOL_PREFIX, dir=spool_dir)
    path = Path(name)
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for chunk in source.stream(key, DIGEST_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
        if digest.hexdigest() != expected_sha256:
            raise CopyRefused(key, expected_sha256, Digest(digest.hexdigest(), size))
        target.put_file(key, path, content_type=content_type)
    finally:
        path.unlink(missing_ok=True)
    written = digest_object(target, key)
    if written.sha256 != expected_sha256:
        raise CopyRefused(key, expected_sha256, written)
    return size
