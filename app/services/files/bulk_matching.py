"""Which product a bulk-ingest row belongs to, and the state one run keeps for it.

Split from :mod:`app.services.files.bulk_ingest`: a row is "done" when the product an earlier run
made for it still holds its files, or when a product holds exactly its contents and no
other row of the batch claims it (see that module's docstring for the whole rule).
Files are hashed here once per run.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from sqlalchemy import func, select

from app.bootstrap import Kho
from archive.errors import Bytes, Message
from archive.models import Event, File, Product
from ingest.batch import Batch, PlannedRow

ROW_EVENT = "ingest.bulk"
HASH_CHUNK = 1024 * 1024  # bytes read per step while hashing


@dataclass
class Hashed:
    """One usable file of a row: its name as the manifest shows it, path and SHA-256."""

    shown: str
    path: Path
    sha256: str


@dataclass
class RunState:
    """What one run knows beyond the database: the products earlier runs made for each
    row identity (newest first) and the identities behind each product, the rows of the
    batch, the products this run's rows took, the hashes computed so far and, in a dry
    run, the contents it would have stored (SHA-256 -> which file)."""

    kho: Kho
    rows: dict[str, PlannedRow]
    earlier: dict[str, list[int]]
    made_for: dict[int, list[str]]
    taken: set[int] = field(default_factory=set)
    would_store: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, tuple[list[Hashed], list[str], set[str]]] = field(default_factory=dict)

    @classmethod
    def start(cls, kho: Kho, batch: Batch) -> "RunState":
        earlier: dict[str, list[int]] = {}
        with kho.transaction() as session:
            for key, product_id in session.execute(
                    select(Event.detail, Event.product_id).where(Event.action == ROW_EVENT)
                    .order_by(Event.id.desc())):
                earlier.setdefault(key, []).append(product_id)
        made_for: dict[int, list[str]] = {}
        for key, products in earlier.items():
            for product_id in products:
                made_for.setdefault(product_id, []).append(key)
        return cls(kho, {r.key: r for r in batch.rows}, earlier, made_for)

    def hashed(self, row: PlannedRow) -> tuple[list[Hashed], list[str], set[str]]:
        """:func:`hash_files` of ``row``, read from disk once per run."""
        if row.key not in self.hashes:
            self.hashes[row.key] = hash_files(self.kho, row)
        return self.hashes[row.key]

    def free(self, session, product_id: int, row: PlannedRow) -> bool:
        """Whether ``row`` may take a product holding exactly its contents: no row of
        this run took it, and no other row of the batch has it as its own product."""
        if product_id in self.taken:
            return False
        for key in self.made_for.get(product_id, []):
            other = self.rows.get(key)
            if other is not None and key != row.key:
                shas = [h.sha256 for h in self.hashed(other)[0]]
                if row_product(session, self.earlier[key], shas) == product_id:
                    return False
        return True


def sha256_of(path: Path) -> tuple[str, int]:
    """Hex SHA-256 and size in bytes, reading one chunk at a time. Raises OSError."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def hash_files(kho: Kho, row: PlannedRow) -> tuple[list[Hashed], list[str], set[str]]:
    """Hash the row's files: (usable files, problems, names of the unusable ones)."""
    hashed, problems, bad = [], [], set()
    limit = kho.settings.max_upload_bytes
    for shown, path in row.files:
        if path is None:
            continue
        try:
            if path.stat().st_size > limit:
                raise ValueError(Message("file '%(file)s' is too large: at most %(limit)s "
                                         "per file", file=shown, limit=Bytes(limit)))
            sha, size = sha256_of(path)
            if size == 0:
                raise ValueError(Message("file '%(file)s' is empty", file=shown))
        except OSError as exc:
            problems.append(Message("file '%(file)s' cannot be read: %(reason)s", file=shown,
                                    reason=exc.strerror or str(exc)))
            bad.add(shown)
        except ValueError as exc:
            problems.append(exc.args[0])
            bad.add(shown)
        else:
            hashed.append(Hashed(shown, path, sha))
    return hashed, problems, bad


def existing_product(state: RunState, row: PlannedRow, shas: list[str]
              ) -> tuple[Optional[int], dict[str, File]]:
    """The row's product — the one an earlier run made for it, else a free one holding
    exactly ``shas`` (see :meth:`RunState.free`) — and its files among ``shas`` by SHA-256."""
    with state.kho.transaction() as session:
        product_id = row_product(session, state.earlier.get(row.key, []), shas)
        if product_id is None and shas:
            product_id = next((p for p in _holding_exactly(session, set(shas))
                               if state.free(session, p, row)), None)
        held: dict[str, File] = {}
        if product_id is not None:
            for f in session.scalars(select(File).where(File.product_id == product_id,
                                                        File.sha256.in_(shas))):
                held.setdefault(f.sha256, f)
            session.expunge_all()
        return product_id, held


def _holding_exactly(session, shas: set[str]) -> list[int]:
    """Products whose files have exactly these SHA-256 — all of them and no other."""
    holding_all = (select(File.product_id).where(File.sha256.in_(shas))
                   .group_by(File.product_id)
                   .having(func.count(func.distinct(File.sha256)) == len(shas)))
    return list(session.scalars(
        select(File.product_id).where(File.product_id.in_(holding_all))
        .group_by(File.product_id)
        .having(func.count(func.distinct(File.sha256)) == len(shas))
        .order_by(File.product_id)))


def row_product(session, earlier: list[int], shas: list[str]) -> Optional[int]:
    """The row's earlier product, if it still exists and holds some of its files (or
    none at all: a run stopped between creating it and storing the first file)."""
    for product_id in earlier:
        product = session.get(Product, product_id)
        if product is None:
            continue
        held = {f.sha256 for f in product.files}
        if not held or held & set(shas):
            return product_id
    return None
