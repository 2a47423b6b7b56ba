"""Writing a BagIt bag (RFC 8493) from catalogue objects, streaming.

Payload files are copied from storage (local folder or S3) one chunk at a time while
their SHA-256 is computed in the same pass, so each object is read once and never held
whole in memory; the digest is checked against the catalogue's own SHA-256 of the
original (a mismatch stops the export naming the object: a bag must not carry a copy
that has lost its fixity). ``manifest-sha256.txt`` is written from those digests; the
``bagit`` library (``Bag.save``) then writes ``bag-info.txt`` and
``tagmanifest-sha256.txt``, and ``bagit.Bag(path).validate()`` passes on the result.

Layout (paths inside the bag)::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/metadata/records.jsonl           one native record per line (= kho export --format jsonl)
    data/metadata/records.dc.xml          the same products as oai_dc records
    data/metadata/files.jsonl             one line per original: where it is in the bag, its
                                          catalogue facts, its derivatives
    data/originals/ab/cd/<sha256>         originals, content addressed (stored once)
    data/derivatives/ab/cd/<sha256>/<name>.<ext>   with --with-derivatives

The bagit library offers no way to hand it digests already computed, and ``make_bag``
would read every payload file a second time; hence the manifest is written here and
only the tag files are left to the library.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Optional

import bagit

from app.services.exports.output import HashingWriter
from archive.errors import StorageError
from archive.storage import CHUNK_BYTES, Storage

BAGIT_VERSION = "1.0"
EXPORT_VERSION = "1"          # Kho-Export-Version: layout of the metadata files above
FLUSH_EVERY = 64 * 1024 * 1024   # bytes copied between two background flushes
MANIFEST = "manifest-sha256.txt"
_SAVE_LOCK = threading.Lock()
TAGMANIFEST = "tagmanifest-sha256.txt"


@dataclass(frozen=True)
class PayloadEntry:
    path: str        # inside the bag, e.g. "data/originals/ab/cd/<sha256>"
    sha256: str
    size: int        # bytes


class BagWriter:
    """Builds a bag in ``root`` (an empty folder, normally a partial name).

    Call :meth:`copy_object` and :meth:`metadata_file` for the payload, then
    :meth:`finish` once; it returns the SHA-256 of ``tagmanifest-sha256.txt``, the
    digest that fixes the whole bag (the receipt's package digest).
    """

    def __init__(self, root: Path, storage: Storage) -> None:
        self.root = Path(root)
        self.storage = storage
        self.entries: dict[str, PayloadEntry] = {}
        self._flusher = _Flusher()
        self._folders: set[Path] = set()
        (self.root / "data").mkdir(parents=True, exist_ok=True)

    @property
    def payload_bytes(self) -> int:
        return sum(e.size for e in self.entries.values())

    def _target(self, bag_path: str) -> Path:
        target = self.root / bag_path
        if target.parent not in self._folders:     # a mkdir that finds the folder costs
            target.parent.mkdir(parents=True, exist_ok=True)   # as much as a small copy
            self._folders.add(target.parent)
        return target

    def copy_object(self, key: str, bag_path: str, expected_sha256: Optional[str] = None,
                    label: str = "") -> PayloadEntry:
        """Copy storage object ``key`` to ``bag_path``, hashing while copying.

        A path added before (the same content in two products) is not copied again.
        Raises StorageError naming ``label`` (or the key) when the object is missing,
        unreadable, or its bytes do not match ``expected_sha256``.
        """
        if bag_path in self.entries:
            return self.entries[bag_path]
        digest, size = hashlib.sha256(), 0
        target = self._target(bag_path)
        try:
            with self._source(key) as source, open(target, "wb") as out:
                while chunk := source.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except OSError as exc:
            raise StorageError("cannot copy %(file)s into the bag: %(reason)s",
                               field=label or key, file=label or key,
                               reason=exc.strerror or str(exc)) from None
        found = digest.hexdigest()
        if expected_sha256 and found != expected_sha256:
            target.unlink(missing_ok=True)
            raise StorageError("%(file)s in storage does not match its SHA-256 (expected "
                               "%(expected)s, found %(found)s): the export stops",
                               field=label or key, file=label or key,
                               expected=expected_sha256, found=found)
        entry = PayloadEntry(bag_path, found, size)
        self.entries[bag_path] = entry
        self._flusher.copied(size)
        return entry

    @contextlib.contextmanager
    def _source(self, key: str) -> Iterator[BinaryIO]:
        local = self.storage.local_path(key)
        handle = open(local, "rb") if local is not None else self.storage.open(key)
        try:
            yield handle
        finally:
            handle.close()

    @contextlib.contextmanager
    def metadata_file(self, bag_path: str) -> Iterator[HashingWriter]:
        """A binary file at ``bag_path`` whose digest goes into the manifest."""
        target = self._target(bag_path)
        with open(target, "wb") as handle:
            hashed = HashingWriter(handle)
            yield hashed
        self.entries[bag_path] = PayloadEntry(bag_path, hashed.hexdigest(), hashed.size)

    def finish(self, bag_info: dict[str, str]) -> str:
        """Write the manifest and the tag files; return the tagmanifest's SHA-256."""
        with open(self.root / MANIFEST, "w", encoding="utf-8", newline="\n") as manifest:
            for path in sorted(self.entries):
                manifest.write(f"{self.entries[path].sha256}  {path}\n")
        with open(self.root / "bagit.txt", "w", encoding="utf-8", newline="\n") as tag:
            tag.write(f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n")
        info = dict(bag_info)
        info["Payload-Oxum"] = f"{self.payload_bytes}.{len(self.entries)}"
        (self.root / "bag-info.txt").write_text("", encoding="utf-8")
        bag = bagit.Bag(str(self.root))
        bag.info = info
        # Bag.save writes bag-info.txt and tagmanifest-sha256.txt from inside the bag:
        # it changes the process's working folder, and does not change it back if it
        # fails. The lock keeps two exports of one process from writing into each
        # other's bag; the finally restores the folder.
        with _SAVE_LOCK:
            cwd = os.getcwd()
            try:
                bag.save(manifests=False)
            finally:
                os.chdir(cwd)
        with open(self.root / TAGMANIFEST, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        # Everything written reaches the disk before the bag gets its final name (the
        # caller renames it next): flushes run in the background while objects are
        # copied, and a last one here. A flush per file (fsync) cost 8 ms each here,
        # more than copying and hashing the file.
        self._flusher.finish()
        return digest


class _Flusher:
    """Flushes written data to disk (``os.sync``) in a background thread every
    FLUSH_EVERY bytes, so the disk writes while copying goes on, and the flush that
    must finish before the rename has little left to do."""

    def __init__(self) -> None:
        self._pending = 0
        self._thread: Optional[threading.Thread] = None

    def copied(self, size: int) -> None:
        self._pending += size
        if self._pending >= FLUSH_EVERY and not (self._thread and self._thread.is_alive()):
            self._pending = 0
            self._thread = threading.Thread(target=os.sync, name="kho-bag-flush", daemon=True)
            self._thread.start()

    def finish(self) -> None:
        if self._thread is not None:
            self._thread.join()
        os.sync()


def original_bag_path(sha256: str) -> str:
    return f"data/originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def derivative_bag_path(storage_key: str) -> str:
    """``derivatives/ab/cd/<sha>/<name>.<ext>`` in storage -> the same under data/."""
    tail = storage_key.split("derivatives/", 1)[-1]
    return f"data/derivatives/{tail}"
