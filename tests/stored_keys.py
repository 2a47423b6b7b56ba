"""What a store holds, read from its folder or bucket directly: for tests (and
benchmarks) that check which objects an operation left behind.

Kho itself never lists its storage — the catalogue says what is stored, and
originals are found by their SHA-256 — so listing is no part of
:class:`archive.storage.Storage`; this reads underneath it.
"""
from __future__ import annotations

import os
from pathlib import Path

from archive.storage import LocalStorage


def stored_keys(storage, prefix: str = "") -> list[str]:
    """Keys of the objects in ``storage`` (a LocalStorage or an S3Storage) that start
    with ``prefix``, in no guaranteed order. A local store's hidden names (its
    ``.kho-partial-…`` files while an object is being written) are not objects."""
    if isinstance(storage, LocalStorage):
        keys = []
        for folder, dirs, files in os.walk(storage.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            base = Path(folder).relative_to(storage.root).as_posix()
            keys += [name if base == "." else f"{base}/{name}" for name in files
                     if not name.startswith(".")]
        return [key for key in keys if key.startswith(prefix)]
    pages = storage.client.get_paginator("list_objects_v2").paginate(
        Bucket=storage.bucket, Prefix=storage.prefix + prefix)
    return [item["Key"][len(storage.prefix):] for page in pages
            for item in page.get("Contents", [])]
