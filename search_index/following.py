"""A reader's side: the local index folder brought to the writer's newest published
generation (layout: :mod:`search_index.snapshots`). Readers never take Whoosh's write
lock and never index.

One :func:`sync`: read ``manifest.json``; when its generation is newer than the one
applied here, copy each segment file this folder lacks to a temporary file (fsynced),
check its size and SHA-256 against the manifest and only then rename it into the
folder — Whoosh ignores segment files no TOC names, so searches go on from the old
generation — and last rename the TOC into place: Whoosh opens the newest TOC, so the
new generation appears at once and whole. A sync killed at any point (kill -9) leaves
the old TOC as the newest: the node answers from the previous index, and the next sync
reuses the files already renamed in and completes. A file that is missing from the
store or differs from its manifest is refused (:class:`SnapshotError`, or the store's
MissingObject naming the key), and the node keeps the generation it has.

The state file ``.kho-follow.json`` in the folder says which generation is served and
the newest one seen in the store, for ``healthz`` and ``/metrics`` (:func:`status`).
"""
from __future__ import annotations

import os
import shutil
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from archive.storage import Storage
from search_index.snapshots import (
    PREFIX, SEGMENT_FILE, STAGING, TOC_NAME, FileEntry, Manifest, SnapshotError, copy_hashing,
    folder_lock, fsync_folder, pointer_key, read_json, read_manifest, segment_key, toc_key,
    write_json_atomically,
)

STATE_FILE = ".kho-follow.json"
LOCK_FILE = ".kho-follow.lock"


@dataclass(frozen=True)
class FollowStatus:
    """Where a reader stands. ``generation``: the one it serves (-1: none applied yet);
    ``latest_generation`` / ``latest_written_at``: the newest the store held when last
    checked (``checked_at``, aware UTC; None before the first check); ``error``: why the
    last sync failed, or ""."""

    generation: int
    written_at: datetime | None
    latest_generation: int
    latest_written_at: datetime | None
    checked_at: datetime | None
    error: str = ""

    def lag_seconds(self, now: datetime | None = None) -> float:
        """Seconds since the newest generation not yet applied here was written; 0 when
        caught up."""
        if self.latest_generation <= self.generation or self.latest_written_at is None:
            return 0.0
        now = now or datetime.now(timezone.utc)
        return max(0.0, (now - self.latest_written_at).total_seconds())


@dataclass(frozen=True)
class SyncOutcome:
    """One sync: ``applied`` a new generation or not; ``busy`` when another process of
    this machine was syncing the folder; ``copied`` files and bytes."""

    status: FollowStatus
    applied: bool = False
    busy: bool = False
    copied: int = 0
    copied_bytes: int = 0


def status(folder: Path) -> FollowStatus:
    """The reader's state as the last sync left it (cheap: one small local file)."""
    data = read_json(Path(folder) / STATE_FILE)
    return FollowStatus(int(data.get("generation", -1)), _time(data.get("written_at")),
                        int(data.get("latest_generation", -1)),
                        _time(data.get("latest_written_at")), _time(data.get("checked_at")),
                        str(data.get("error", "")))


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def sync(folder: Path, store: Storage, *, prefix: str = PREFIX) -> SyncOutcome:
    """Bring ``folder`` to the store's newest generation (see the module text). Raises
    SnapshotError or the store's errors (StorageError, MissingObject) after recording
    the error in the state file; the folder then still serves its old generation."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder, LOCK_FILE, blocking=False) as mine:
        if not mine:
            return SyncOutcome(status(folder), busy=True)
        state = read_json(folder / STATE_FILE)
        try:
            return _sync(folder, store, prefix, state)
        except Exception as exc:
            state.update(error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                         checked_at=_now())
            write_json_atomically(folder / STATE_FILE, state)
            raise
        finally:
            shutil.rmtree(folder / STAGING, ignore_errors=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _sync(folder: Path, store: Storage, prefix: str, state: dict) -> SyncOutcome:
    manifest = read_manifest(store, pointer_key(prefix))
    state["checked_at"] = _now()
    if manifest is None:
        state["error"] = ""
        write_json_atomically(folder / STATE_FILE, state)
        return SyncOutcome(status(folder))
    state.update(latest_generation=manifest.generation,
                 latest_written_at=manifest.written_at.isoformat())
    if manifest.generation <= int(state.get("generation", -1)):
        state["error"] = ""
        write_json_atomically(folder / STATE_FILE, state)
        return SyncOutcome(status(folder))
    write_json_atomically(folder / STATE_FILE, state)   # the lag shows while copying
    staging = folder / STAGING
    shutil.rmtree(staging, ignore_errors=True)          # what a killed sync left
    staging.mkdir()
    copied = copied_bytes = 0
    for entry in manifest.files:
        target = folder / entry.name
        if target.is_file() and target.stat().st_size == entry.size:
            continue                                    # renamed in by an earlier sync
        _fetch(store, segment_key(entry.name, prefix), entry, staging, target, manifest)
        copied, copied_bytes = copied + 1, copied_bytes + entry.size
    fsync_folder(folder)
    _fetch(store, toc_key(manifest.toc.name, prefix), manifest.toc, staging,
           folder / manifest.toc.name, manifest)        # the switch: Whoosh sees it now
    fsync_folder(folder)
    previous = list(state.get("files", []))
    state.update(generation=manifest.generation, written_at=manifest.written_at.isoformat(),
                 applied_at=_now(), files=sorted(manifest.names()), previous_files=previous,
                 error="")
    write_json_atomically(folder / STATE_FILE, state)
    _clean(folder, manifest, set(previous))
    return SyncOutcome(status(folder), applied=True, copied=copied, copied_bytes=copied_bytes)


def _fetch(store: Storage, key: str, entry: FileEntry, staging: Path, target: Path,
           manifest: Manifest) -> None:
    """Copy one object to ``target`` through a checked temporary file in ``staging``."""
    temp = staging / f"{entry.name}.part"
    with closing(store.open(key)) as source, open(temp, "wb") as out:
        size, digest = copy_hashing(source, out)
    if (size, digest) != (entry.size, entry.sha256):
        raise SnapshotError(
            "search generation %(generation)s refused: %(key)s holds %(size)s bytes with "
            "SHA-256 %(got)s, its manifest says %(want_size)s bytes with %(want)s; this "
            "node keeps serving the generation it has", generation=manifest.generation,
            key=key, size=size, got=digest[:12], want_size=entry.size, want=entry.sha256[:12])
    os.replace(temp, target)


def _clean(folder: Path, manifest: Manifest, previous: set[str]) -> None:
    """Remove what neither the new nor the previous generation uses (a process that
    opened the previous one a moment ago still finds its files), and any TOC newer than
    the one applied (this folder's own from before it followed a writer)."""
    keep = manifest.names() | previous
    for name in os.listdir(folder):
        toc = TOC_NAME.match(name)
        newer = toc is not None and int(toc.group(1)) > manifest.generation
        if name in keep and not newer:
            continue
        if newer or toc is not None or SEGMENT_FILE.match(name):
            try:
                (folder / name).unlink()
            except FileNotFoundError:
                pass
