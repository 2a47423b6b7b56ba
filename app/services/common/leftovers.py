"""Files a killed process left behind: spool files of uploads in transit and of
verified copies between stores (repair, replica), work folders of processing attempts
and ``.kho-partial-*`` objects of interrupted writes.

None of them is ever read again (an upload is retried from the start, an attempt
gets a new work folder, an object write is retried under a new temporary name), but
they hold disk space. Anything older than an hour — by the newest modification time
of the entry and what it directly holds, so a long upload or transcode that is still
writing is never touched — is removed at start-up of ``kho init``, ``kho serve`` and
``kho worker``, and counted by ``kho check``. A work folder whose attempt still holds
its claim (``app.services.common.leases``) is kept whatever its age.

On S3 a writer killed mid-upload leaves an incomplete multipart upload instead: its
parts are stored (and billed) but no object is visible. Those whose newest part (or
start) is older than the same hour are listed by ``kho check`` by key and aborted at
the same start-ups (``archive.s3.S3Storage.incomplete_uploads``). A bucket that cannot
be listed is skipped here: ``kho check``'s storage line reports it.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.common.spool import PREFIX as UPLOAD_PREFIX, WORK_PREFIX
from archive.object_fixity import SPOOL_PREFIX as COPY_PREFIX
from archive.models import File
from archive.errors import StorageError
from archive.storage import LocalStorage

MAX_AGE_SECONDS = 3600
PARTIAL_PREFIX = ".kho-partial-"


@dataclass
class Leftovers:
    paths: list[Path] = field(default_factory=list)
    size: int = 0             # bytes of the files and folders in ``paths``
    # incomplete S3 multipart uploads: (the store, its PendingUpload)
    uploads: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.paths)


def _newest_mtime(path: Path) -> float:
    newest = path.lstat().st_mtime
    if path.is_dir():
        for child in path.iterdir():
            try:
                newest = max(newest, child.lstat().st_mtime)
            except FileNotFoundError:
                continue
    return newest


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file())
    return path.lstat().st_size


def _candidates(kho: Kho) -> Iterator[Path]:
    spool = kho.settings.spool_dir
    if spool.is_dir():
        yield from (p for p in spool.iterdir()
                    if p.name.startswith((UPLOAD_PREFIX, WORK_PREFIX, PARTIAL_PREFIX,
                                          COPY_PREFIX)))
    for store in (kho.storage, kho.replica):
        if isinstance(store, LocalStorage) and store.root.is_dir():
            yield from store.root.rglob(f"{PARTIAL_PREFIX}*")


def _live_attempts(kho: Kho) -> set[str]:
    """Work-folder suffixes of attempts holding a claim right now."""
    with kho.transaction() as session:
        tokens = session.scalars(select(File.claimed_by).where(File.status == "processing",
                                                               File.claimed_by != ""))
        return {t.rsplit(":", 1)[-1] for t in tokens}


def _incomplete_uploads(kho: Kho, cutoff: float) -> Iterator[tuple[Any, Any]]:
    for store in (kho.storage, kho.replica):
        lister = getattr(store, "incomplete_uploads", None)   # S3 stores only
        if lister is None:
            continue
        try:
            yield from ((store, u) for u in lister() if u.last_activity < cutoff)
        except StorageError:
            continue


def find(kho: Kho, max_age: Optional[float] = None) -> Leftovers:
    """Leftovers older than ``max_age`` seconds (default MAX_AGE_SECONDS; see the
    module text)."""
    found = Leftovers()
    cutoff = time.time() - (MAX_AGE_SECONDS if max_age is None else max_age)
    live = _live_attempts(kho)
    for path in _candidates(kho):
        try:
            if path.name.startswith(WORK_PREFIX) and path.name.rsplit("-", 1)[-1] in live:
                continue
            if _newest_mtime(path) < cutoff:
                found.size += _size(path)
                found.paths.append(path)
        except FileNotFoundError:       # removed meanwhile by its own process
            continue
    found.uploads.extend(_incomplete_uploads(kho, cutoff))
    return found


def clean(kho: Kho, max_age: Optional[float] = None) -> Leftovers:
    """Remove the leftovers :func:`find` reports (aborting the incomplete uploads);
    returns what was removed."""
    found = find(kho, max_age)
    for store, upload in found.uploads:
        try:
            store.abort_upload(upload)
        except StorageError:
            continue
    for path in found.paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return found
