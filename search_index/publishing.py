"""The writer's side: the index folder's newest generation published to the object
store, and the store's old generations collected (layout: :mod:`search_index.snapshots`).

:func:`publish` uploads the segment files the store does not hold yet, then the TOC,
then the generation's manifest, then — last — the ``manifest.json`` readers poll. It is
idempotent (a generation already published costs one GET; a file the newest manifest
names is not sent again) and a publish killed half-way leaves the store as it was for
readers: the manifest they read still names only files that are there. Publishes of
one folder are taken one at a time (a lock file in the folder, local to the machine).

:func:`collect_garbage` deletes what no manifest a reader may still be following names,
once older than the grace period.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from archive.storage import Storage
from search_index.snapshots import (
    PREFIX, STAGING, FileEntry, Manifest, file_sha256, folder_lock, generation_files, history_key,
    latest_generation, pointer_key, put_text, read_json, read_manifest, retarget_toc,
    segment_key, toc_key, write_json_atomically,
)

STATE_FILE = ".kho-publish.json"    # the last generation this folder published
LOCK_FILE = ".kho-publish.lock"


@dataclass(frozen=True)
class GarbageReport:
    """What :func:`collect_garbage` did: objects deleted, objects kept because a
    manifest a reader may follow names them, bytes freed."""

    deleted: int
    kept: int
    freed: int


def unpublished(folder: Path) -> bool:
    """Whether the newest generation in ``folder`` differs from the one this folder last
    published (by its TOC's number and SHA-256; no store request)."""
    folder = Path(folder)
    generation = latest_generation(folder)
    if generation < 0:
        return False
    state = published_state(folder)
    try:
        _, digest = file_sha256(folder / f"_MAIN_{generation}.toc")
    except FileNotFoundError:           # replaced meanwhile: the newer one is unpublished
        return True
    return (state.get("writer_generation"), state.get("writer_toc_sha256")) \
        != (generation, digest)


def publish(folder: Path, store: Storage, *, prefix: str = PREFIX,
            now: datetime | None = None) -> Manifest | None:
    """Publish the newest generation of the index in ``folder``; returns its manifest,
    or None when it was already published or a newer commit replaced it meanwhile (that
    commit's own publish follows). Raises the store's errors (StorageError) with
    nothing visible changed for readers."""
    folder = Path(folder)
    with folder_lock(folder, LOCK_FILE):
        staging = folder / STAGING
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            return _publish(folder, staging, store, prefix, now or datetime.now(timezone.utc))
        except FileNotFoundError:      # a newer commit cleaned this generation's files
            return None
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _publish(folder: Path, staging: Path, store: Storage, prefix: str,
             now: datetime) -> Manifest | None:
    generation = latest_generation(folder)
    if generation < 0:
        return None
    toc_copy = staging / f"_writer_{generation}.toc"
    shutil.copyfile(folder / f"_MAIN_{generation}.toc", toc_copy)
    names = generation_files(folder, generation)
    _, toc_sha = file_sha256(toc_copy)
    previous = read_manifest(store, pointer_key(prefix))
    if previous is not None and (previous.writer_generation, previous.writer_toc_sha256) \
            == (generation, toc_sha):
        _remember(folder, previous)
        return None
    published = generation
    if previous is not None and generation <= previous.generation:
        # the writer's index was recreated (another schema): numbers start again, but a
        # reader applies only a higher generation, so this one is renumbered
        published = previous.generation + 1
        toc_copy = retarget_toc(folder, generation, published, staging)
    known = {f.name: f for f in previous.files} if previous is not None else {}
    files = tuple(_upload_segment(folder / name, known.get(name), store, prefix)
                  for name in names)
    toc_size, toc_digest = file_sha256(toc_copy)
    toc = FileEntry(f"_MAIN_{published}.toc", toc_size, toc_digest)
    store.put_file(toc_key(toc.name, prefix), toc_copy)
    manifest = Manifest(published, toc, files, now, generation, toc_sha)
    put_text(store, history_key(published, prefix), manifest.to_json(), staging)
    put_text(store, pointer_key(prefix), manifest.to_json(), staging)   # last: readers see it
    _remember(folder, manifest)
    return manifest


def _upload_segment(path: Path, known: FileEntry | None, store: Storage,
                    prefix: str) -> FileEntry:
    """The entry of one segment file, uploaded unless the newest manifest names it
    (kept by the garbage collection). A copy a killed publish left is sent again: that
    makes it young, so the collection cannot take it before this manifest names it."""
    size = path.stat().st_size
    if known is not None and known.size == size:
        return known
    size, digest = file_sha256(path)
    store.put_file(segment_key(path.name, prefix), path)
    return FileEntry(path.name, size, digest)


def _remember(folder: Path, manifest: Manifest) -> None:
    write_json_atomically(folder / STATE_FILE, {
        "generation": manifest.generation, "writer_generation": manifest.writer_generation,
        "writer_toc_sha256": manifest.writer_toc_sha256,
        "written_at": manifest.written_at.isoformat()})


def published_state(folder: Path) -> dict:
    """What this folder last published: ``generation``, ``writer_generation`` and
    ``writer_toc_sha256`` (its own TOC's), ``written_at`` (ISO); {} before the first."""
    return read_json(Path(folder) / STATE_FILE)


def collect_garbage(store: Storage, *, grace_seconds: float, prefix: str = PREFIX,
                    now: datetime | None = None) -> GarbageReport:
    """Delete the store's segment files, TOCs and manifests that no live manifest
    names. A manifest is live while it is the newest or was replaced less than
    ``grace_seconds`` ago (a reader may still be copying it); an unnamed object younger
    than that is kept too (a publish in progress uploads files before its manifest).
    Raises StorageError when the store cannot be listed."""
    now = now or datetime.now(timezone.utc)
    cutoff = (now - timedelta(seconds=grace_seconds)).timestamp()
    current = read_manifest(store, pointer_key(prefix))
    if current is None:
        return GarbageReport(0, 0, 0)
    history = sorted(_history(store, prefix), key=lambda m: m.generation)
    live = [current]
    for manifest, successor in zip(history, history[1:] + [current]):
        if manifest.generation < current.generation \
                and successor.written_at.timestamp() > cutoff:
            live.append(manifest)
    named = {segment_key(f.name, prefix) for m in live for f in m.files}
    named |= {toc_key(m.toc.name, prefix) for m in live}
    named |= {history_key(m.generation, prefix) for m in live} | {pointer_key(prefix)}
    deleted = kept = freed = 0
    for part in ("segments/", "tocs/", "manifests/"):
        for item in store.listing(prefix + part):
            if item.key in named:
                kept += 1
            elif item.modified < cutoff:
                store.delete(item.key)
                deleted += 1
                freed += item.size
    return GarbageReport(deleted, kept, freed)


def _history(store: Storage, prefix: str) -> Iterator[Manifest]:
    for item in store.listing(prefix + "manifests/"):
        manifest = read_manifest(store, item.key)
        if manifest is not None:
            yield manifest
