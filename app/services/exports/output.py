"""Where an export package is written: a hidden partial name, renamed when complete.

A package (a file, or a BagIt folder) is written next to its final path under
``.<name>.partial-<random>`` and only renamed to ``<name>`` once every byte is written
and flushed to disk, so a process killed half-way (kill -9, power cut) leaves a hidden
partial name, never something under the requested name that looks complete. The
caller writes the receipt after :meth:`PartialFile.commit` / :meth:`PartialFolder.commit`.

Errors: an output folder that does not exist, a path that is an existing folder, or a
bag target that already exists raise :class:`~archive.errors.ValidationError` naming
the path (field ``out``); write failures raise
:class:`~archive.errors.StorageError` naming the path.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO, Optional

from archive.errors import StorageError, ValidationError
from archive.storage import _fsync_folder as fsync_folder  # the one folder-fsync helper

PARTIAL = ".partial-"


def _partial_name(target: Path) -> Path:
    return target.with_name(f".{target.name}{PARTIAL}{secrets.token_hex(4)}")


def check_target(out: Path, *, folder: bool) -> Path:
    """The absolute target path, after checking that it can be written.

    ``folder``: the package is a folder (BagIt), which must not exist yet (a folder
    cannot be replaced in one atomic step, and an old bag must not be mixed with a new
    one). A file package replaces an existing file of that name.
    """
    out = Path(out).expanduser().absolute()
    if not out.parent.is_dir():
        raise ValidationError("the folder %(folder)s does not exist", field="out",
                              folder=str(out.parent))
    if folder and out.exists():
        raise ValidationError("%(path)s already exists: a bag is written to a new folder",
                              field="out", path=str(out))
    if not folder and out.is_dir():
        raise ValidationError("%(path)s is a folder: give a file name", field="out",
                              path=str(out))
    return out


class HashingWriter:
    """A binary file that counts and SHA-256-hashes what is written to it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0                     # bytes written

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


class PartialFile:
    """A package file written under a partial name (a context manager).

    ``writer`` is a :class:`HashingWriter`: after :meth:`commit`, ``sha256`` and
    ``size`` describe exactly the bytes now under ``target``. Leaving the ``with``
    block without commit (an error) removes the partial file.
    """

    def __init__(self, target: Path) -> None:
        self.target = check_target(target, folder=False)
        self.partial = _partial_name(self.target)
        self.sha256 = ""
        self.size = 0
        self._handle: Optional[BinaryIO] = None
        self.writer: Optional[HashingWriter] = None

    def __enter__(self) -> "PartialFile":
        try:
            self._handle = open(self.partial, "xb")
        except OSError as exc:
            raise StorageError("cannot write %(path)s: %(reason)s", field="out",
                               path=str(self.target), reason=exc.strerror or str(exc)) from None
        self.writer = HashingWriter(self._handle)
        return self

    def commit(self) -> None:
        """Flush to disk and rename to the final name."""
        assert self._handle is not None and self.writer is not None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self.partial, self.target)
        fsync_folder(self.target.parent)
        self.sha256, self.size = self.writer.hexdigest(), self.writer.size

    def __exit__(self, kind, value, traceback) -> None:
        if self._handle is not None and not self._handle.closed:
            self._handle.close()
        if kind is not None:
            self.partial.unlink(missing_ok=True)


class PartialFolder:
    """A package folder built under a partial name (a context manager).

    Leaving the ``with`` block on an error removes the partial folder; a killed
    process leaves it behind under its hidden partial name.
    """

    def __init__(self, target: Path) -> None:
        self.target = check_target(target, folder=True)
        self.partial = _partial_name(self.target)

    def __enter__(self) -> "PartialFolder":
        try:
            self.partial.mkdir()
        except OSError as exc:
            raise StorageError("cannot write %(path)s: %(reason)s", field="out",
                               path=str(self.target), reason=exc.strerror or str(exc)) from None
        return self

    def commit(self) -> None:
        """Rename the finished folder to its final name (refused if that appeared)."""
        fsync_folder(self.partial)
        taken = ValidationError("%(path)s already exists: a bag is written to a new folder",
                                field="out", path=str(self.target))
        if self.target.exists():
            raise taken
        try:
            os.rename(self.partial, self.target)   # refused if another bag got there first
        except OSError:
            if self.target.exists():
                raise taken from None
            raise
        fsync_folder(self.target.parent)

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self.partial.exists():
            shutil.rmtree(self.partial, ignore_errors=True)
