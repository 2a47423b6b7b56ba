"""The index as published in the object store: keys, the manifest, and the index folder's
table of contents (TOC), shared by the writer (:mod:`search_index.publishing`) and the
readers (:mod:`search_index.following`).

Whoosh writes a segment's files once and never changes them (deletions live in the
TOC), and makes a generation visible by writing ``_MAIN_<generation>.toc`` last. So a
copy of the segment files plus, last, the TOC is a consistent index, and copying files
while a node keeps answering from the TOC it has is safe. In the store, under
``search/main/``:

- ``segments/<file>``: a segment file (its name is unique: Whoosh makes it random);
- ``tocs/_MAIN_<generation>.toc``: a generation's TOC;
- ``manifests/<generation>.json``: what a generation holds (kept for the garbage
  collection's grace period);
- ``manifest.json``: the newest generation's manifest, written last of all, so it never
  names a file that is not in the store.

A manifest names every file of its generation with its size (bytes) and SHA-256, and
when it was written (UTC). Errors: :class:`SnapshotError` (a manifest or file that does
not hold what it should); the store's own errors (``archive.errors.StorageError``,
``MissingObject``) pass through.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from archive.errors import MissingObject, StorageError
from archive.storage import write_atomically
from archive.storage import Storage

INDEX_NAME = "MAIN"                 # Whoosh's name of the index in its folder
PREFIX = "search/main/"             # where the index lives in the object store
FORMAT = 1                          # manifest layout version
CHUNK = 1024 * 1024                 # bytes hashed or copied at a time
TOC_NAME = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
SEGMENT_FILE = re.compile(rf"^({INDEX_NAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+$")
STAGING = ".kho-staging"            # temporary files of a publish or a sync (hidden from Whoosh)


class SnapshotError(StorageError):
    """A published generation that cannot be used: a manifest that does not parse, a
    file whose size or SHA-256 differs from its manifest. The node keeps the generation
    it has."""

    code = "search_snapshot"


@dataclass(frozen=True)
class FileEntry:
    """One file of a generation: its name in the index folder, bytes, SHA-256 (hex)."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """A published generation. ``generation`` only grows (readers apply a higher one);
    ``writer_generation`` and ``writer_toc_sha256`` are the writer's own TOC it was made
    from (they differ from the published TOC after the writer's index was recreated);
    ``written_at`` is aware UTC."""

    generation: int
    toc: FileEntry
    files: tuple[FileEntry, ...]
    written_at: datetime
    writer_generation: int
    writer_toc_sha256: str
    extra: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "generation": self.generation,
            "written_at": self.written_at.astimezone(timezone.utc).isoformat(),
            "toc": _entry_json(self.toc), "files": [_entry_json(f) for f in self.files],
            "writer_generation": self.writer_generation,
            "writer_toc_sha256": self.writer_toc_sha256}, indent=1)

    @classmethod
    def from_json(cls, text: str, where: str) -> "Manifest":
        """Parse a manifest; SnapshotError naming ``where`` when it is not one (names
        that could leave the index folder are refused)."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            toc = _entry(data["toc"])
            files = tuple(_entry(item) for item in data["files"])
            written = datetime.fromisoformat(data["written_at"])
            match = TOC_NAME.match(toc.name)
            if match is None or int(match.group(1)) != int(data["generation"]):
                raise ValueError(f"TOC {toc.name!r} is not generation {data['generation']}")
            if any(SEGMENT_FILE.match(f.name) is None for f in files):
                raise ValueError("a file name is not a segment file's")
            return cls(int(data["generation"]), toc, files,
                       written if written.tzinfo else written.replace(tzinfo=timezone.utc),
                       int(data["writer_generation"]), str(data["writer_toc_sha256"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise SnapshotError("the search manifest %(where)s is not usable: %(why)s",
                                where=where, why=str(exc)) from None

    def names(self) -> set[str]:
        """Every file name of this generation, the TOC included."""
        return {f.name for f in self.files} | {self.toc.name}


def _entry_json(entry: FileEntry) -> dict:
    return {"name": entry.name, "size": entry.size, "sha256": entry.sha256}


def _entry(item: dict) -> FileEntry:
    name, size, digest = str(item["name"]), int(item["size"]), str(item["sha256"])
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or size < 0:
        raise ValueError(f"bad size or SHA-256 for {name!r}")
    return FileEntry(name, size, digest)


# --- keys ------------------------------------------------------------------------

def segment_key(name: str, prefix: str = PREFIX) -> str:
    return f"{prefix}segments/{name}"


def toc_key(name: str, prefix: str = PREFIX) -> str:
    return f"{prefix}tocs/{name}"


def history_key(generation: int, prefix: str = PREFIX) -> str:
    return f"{prefix}manifests/{generation:012d}.json"


def pointer_key(prefix: str = PREFIX) -> str:
    return f"{prefix}manifest.json"


def read_manifest(store: Storage, key: str) -> Manifest | None:
    """The manifest stored under ``key``; None when there is none yet."""
    try:
        with closing(store.open(key)) as body:
            text = body.read().decode("utf-8")
    except MissingObject:
        return None
    except UnicodeDecodeError:
        raise SnapshotError("the search manifest %(where)s is not text", where=key) from None
    return Manifest.from_json(text, key)


def put_text(store: Storage, key: str, text: str, folder: Path) -> None:
    """Store ``text`` under ``key`` through a temporary file in ``folder``."""
    fd, temp = tempfile.mkstemp(prefix=".manifest-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
        store.put_file(key, Path(temp), content_type="application/json")
    finally:
        os.unlink(temp)


# --- the index folder --------------------------------------------------------------

def latest_generation(folder: Path) -> int:
    """The newest TOC's generation in ``folder``; -1 when there is none (or no folder)."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return -1
    found = [int(m.group(1)) for m in map(TOC_NAME.match, names) if m]
    return max(found, default=-1)


def generation_files(folder: Path, generation: int) -> list[str]:
    """The segment files generation ``generation``'s TOC needs, from the folder listing
    (a segment's files all start with its id). FileNotFoundError when the TOC is gone
    (a newer commit cleaned it)."""
    toc = TOC.read(FileStorage(str(folder)), INDEX_NAME, generation)
    wanted = {segment.segment_id() for segment in toc.segments}
    names = []
    for name in os.listdir(folder):
        match = SEGMENT_FILE.match(name)
        if match and match.group(1) in wanted:
            names.append(name)
    return sorted(names)


def retarget_toc(folder: Path, generation: int, new_generation: int, into: Path) -> Path:
    """A copy of generation ``generation``'s TOC numbered ``new_generation``, written in
    the folder ``into`` (Whoosh checks the number inside against the file name)."""
    toc = TOC.read(FileStorage(str(folder)), INDEX_NAME, generation)
    toc.generation = new_generation
    toc.write(FileStorage(str(into)), INDEX_NAME)
    return into / TOC._filename(INDEX_NAME, new_generation)


def file_sha256(path: Path) -> tuple[int, str]:
    """(bytes, SHA-256 hex) of a local file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def copy_hashing(source: BinaryIO, target: BinaryIO) -> tuple[int, str]:
    """Copy ``source`` to ``target`` (fsynced); returns (bytes, SHA-256 hex)."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    target.flush()
    os.fsync(target.fileno())
    return size, digest.hexdigest()


def fsync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def folder_lock(folder: Path, name: str, blocking: bool = True) -> Iterator[bool]:
    """An flock on ``folder/name`` (released when the process ends, even on kill -9);
    yields False when ``blocking`` is off and another process holds it."""
    with open(folder / name, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_json_atomically(path: Path, data: dict) -> None:
    """Replace ``path`` with ``data`` as JSON (:func:`archive.storage.write_atomically`)."""
    write_atomically(io.BytesIO(json.dumps(data).encode("utf-8")), path,
                     prefix=f".{path.name}.")


def read_json(path: Path) -> dict:
    """A small JSON state file; {} when missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
