"""Fixity: re-read originals from every copy, compare their SHA-256, record, repair.

A check reads one copy of one original end to end (streaming, one chunk in memory),
compares the SHA-256 with the catalogue's and records the verdict — ``ok``,
``mismatch`` (with the digest found) or ``missing`` — as the copy's state
(:class:`archive.preservation.CopyFixity`) and as one provenance :class:`Event` per
catalogue file of that object. A store that cannot be read (unreachable, refused) is
an *error*, never a verdict: nothing is recorded and the object stays due.

A failed check never deletes or overwrites anything. :func:`repair` (``kho fixity
--repair``) restores a faulty copy from another copy, and only after re-reading that
copy and finding the catalogue's SHA-256; when no copy is whole it reports the object
and leaves both as they are.

Rates are in MB/s (10^6 bytes per second); ``None`` or 0 means as fast as the store
answers.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable, Optional

from sqlalchemy import and_, case, func, or_, select

from app.bootstrap import Kho
from app.services.common import leftovers
from app.services.common.upsert import upsert
from archive.base import utcnow
from archive.errors import NotFound, StorageError, ValidationError
from archive.activities import stored_objects
from archive.models import Event, File, Product
from archive.object_fixity import CopyRefused, Digest, copy_verified, digest_object
from archive.preservation import MISMATCH, MISSING, OK, PRIMARY, REPLICA, CopyFixity
from archive.storage import Storage

MB = 1_000_000
TOOL = "kho fixity"


# --- what to check ----------------------------------------------------------------

@dataclass(frozen=True)
class FileRef:
    """A catalogue file whose bytes are one object (names for reports)."""

    file_id: int
    product_id: int
    product_title: str
    filename: str


@dataclass
class Target:
    """One original object: its key, the catalogue's SHA-256 and size, its files."""

    storage_key: str
    sha256: str
    size: int
    media_type: str = "application/octet-stream"
    files: list[FileRef] = field(default_factory=list)


def copies(kho: Kho) -> dict[str, Storage]:
    """The configured copies by name: the primary store, and the replica if any."""
    stores: dict[str, Storage] = {PRIMARY: kho.storage}
    if kho.replica is not None:
        stores[REPLICA] = kho.replica
    return stores


def select_targets(kho: Kho, *, product_id: Optional[int] = None, sample: Optional[int] = None,
                   since_last_days: Optional[float] = None, limit: Optional[int] = None,
                   copy_names: Optional[Iterable[str]] = None) -> list[Target]:
    """The originals to check, oldest-checked (or never checked) first.

    ``product_id`` keeps that product's files (NotFound if there is none);
    ``since_last_days`` keeps objects of which some copy (of ``copy_names``, default
    all configured) was not checked in that many days; ``sample`` picks that many at
    random; ``limit`` caps the list.
    """
    names = list(copy_names or copies(kho))
    last = func.min(CopyFixity.checked_at)
    seen = func.count(CopyFixity.copy)
    with kho.transaction() as session:
        if product_id is not None and session.get(Product, product_id) is None:
            raise NotFound("product %(id)s not found", field="product", id=product_id)
        # every original (product files and activity evidence), or one product's files
        src = (stored_objects() if product_id is None else
               select(File.storage_key, File.sha256, File.size, File.media_type)
               .where(File.product_id == product_id)).subquery()
        stmt = (select(src.c.storage_key, func.min(src.c.sha256), func.max(src.c.size),
                       func.min(src.c.media_type))
                .outerjoin(CopyFixity, and_(CopyFixity.storage_key == src.c.storage_key,
                                            CopyFixity.copy.in_(names)))
                .group_by(src.c.storage_key))
        if since_last_days is not None:
            cutoff = utcnow() - timedelta(days=since_last_days)
            stmt = stmt.having(or_(seen < len(names), last < cutoff))
        if sample is not None:
            stmt = stmt.order_by(func.random()).limit(sample)
        else:
            stmt = stmt.order_by(case((seen < len(names), 0), else_=1), last,
                                     src.c.storage_key)
            if limit is not None:
                stmt = stmt.limit(limit)
        targets = {key: Target(key, sha, size, media)
                   for key, sha, size, media in session.execute(stmt)}
        _attach_files(session, targets)
    return list(targets.values())


def _attach_files(session, targets: dict[str, Target]) -> None:
    keys = list(targets)
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(File.storage_key, File.id, File.product_id, Product.title,
                   File.original_filename)
            .join(Product, Product.id == File.product_id)
            .where(File.storage_key.in_(keys[start:start + 500])).order_by(File.id))
        for key, file_id, product_id, title, name in rows:
            targets[key].files.append(FileRef(file_id, product_id, title, name))


def faulty_copies(session, storage_key: str) -> set[str]:
    """Names of the copies of an object whose last check found it damaged or missing
    (``mismatch``/``missing``); copies never checked, or found whole, are not named."""
    return set(session.scalars(select(CopyFixity.copy).where(
        CopyFixity.storage_key == storage_key, CopyFixity.verdict.in_((MISMATCH, MISSING)))))


# --- pacing and progress ------------------------------------------------------------

class Pacer:
    """Called with each chunk's byte count: sleeps so that reading stays at or under
    ``rate_mb_s`` on average over the run, and reports progress to ``progress``."""

    def __init__(self, rate_mb_s: Optional[float] = None,
                 progress: Optional[Callable[[int], None]] = None) -> None:
        self.rate = rate_mb_s * MB if rate_mb_s else None
        self.progress = progress
        self.started = time.monotonic()
        self.bytes = 0

    def __call__(self, count: int) -> None:
        self.bytes += count
        if self.progress is not None:
            self.progress(count)
        if self.rate:
            ahead = self.bytes / self.rate - (time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)


# --- checking -----------------------------------------------------------------------

@dataclass(frozen=True)
class CopyCheck:
    """The verdict on one copy of one original (``error`` set when it was unreadable)."""

    target: Target
    copy: str
    verdict: Optional[str]
    found: Digest
    error: str = ""

    @property
    def faulty(self) -> bool:
        return self.verdict in (MISMATCH, MISSING)


@dataclass
class FixityReport:
    """Outcome of one run. Sizes in bytes."""

    objects: int = 0
    bytes_read: int = 0
    checks: list[CopyCheck] = field(default_factory=list)
    repaired: list[CopyCheck] = field(default_factory=list)   # the copies made whole
    unrepairable: list[Target] = field(default_factory=list)  # no whole copy left

    @property
    def faulty(self) -> list[CopyCheck]:
        return [c for c in self.checks if c.faulty]

    @property
    def errors(self) -> list[CopyCheck]:
        return [c for c in self.checks if c.error]

    def count(self, verdict: str) -> int:
        return sum(1 for c in self.checks if c.verdict == verdict)


def verdict_of(expected: str, found: Digest) -> str:
    if found.missing:
        return MISSING
    return OK if found.sha256 == expected else MISMATCH


def check_copy(kho: Kho, target: Target, name: str, store: Storage,
               pacer: Optional[Pacer] = None) -> CopyCheck:
    """Re-read one copy, record its state and one Event per file; return the verdict."""
    try:
        found = digest_object(store, target.storage_key, pacer)
    except StorageError as exc:
        return CopyCheck(target, name, None, Digest(None, None), str(exc).splitlines()[0])
    result = CopyCheck(target, name, verdict_of(target.sha256, found), found)
    with kho.transaction() as session:
        record_state(session, target, name, result.verdict, found)
        detail = f"{name}: {_describe(target.sha256, found)}"
        for ref in target.files:
            session.add(Event(product_id=ref.product_id, file_id=ref.file_id,
                              action="fixity.check", tool=TOOL, outcome=result.verdict,
                              detail=detail))
    return result


def _describe(expected: str, found: Digest) -> str:
    if found.missing:
        return f"object missing (expected sha256={expected})"
    text = f"sha256={found.sha256} size={found.size}"
    return text if found.sha256 == expected else text + f" (expected sha256={expected})"


def record_state(session, target: Target, name: str, verdict: str, found: Digest,
                 at: Optional[datetime] = None) -> None:
    """Set the fixity state of one copy inside ``session``'s transaction."""
    row = {"storage_key": target.storage_key, "copy": name, "verdict": verdict,
           "expected_sha256": target.sha256, "found_sha256": found.sha256,
           "found_size": found.size, "checked_at": at or utcnow()}
    upsert(session, CopyFixity, [row], ["storage_key", "copy"],
           {k: v for k, v in row.items() if k not in ("storage_key", "copy")})


def run(kho: Kho, targets: Iterable[Target], *, rate_mb_s: Optional[float] = None,
        repair_faulty: bool = False, progress: Optional[Callable[[int], None]] = None,
        should_stop: Optional[Callable[[], bool]] = None,
        stores: Optional[dict[str, Storage]] = None) -> FixityReport:
    """Check every copy (of ``stores``, default all) of each target, then repair
    faulty ones if asked.

    ``progress`` is called with byte counts as they are read; ``should_stop`` is asked
    before each object (the background audit stops at the end of its time slice).
    """
    report, pacer = FixityReport(), Pacer(rate_mb_s, progress)
    stores = stores or copies(kho)
    if repair_faulty:            # spool files of a repair killed earlier (older than an hour)

        leftovers.clean(kho)
    for target in targets:
        if should_stop is not None and should_stop():
            break
        results = [check_copy(kho, target, name, store, pacer) for name, store in stores.items()]
        report.objects += 1
        report.checks.extend(results)
        if repair_faulty and any(r.faulty for r in results):
            repair(kho, target, results, report, pacer)
    report.bytes_read = pacer.bytes
    return report


# --- repair -------------------------------------------------------------------------

def repair(kho: Kho, target: Target, results: list[CopyCheck], report: FixityReport,
           pacer: Optional[Pacer] = None) -> None:
    """Restore each faulty copy from a copy whose bytes hash to the catalogue's SHA-256.

    The good copy is re-read while it is copied and the copy is refused if its hash is
    wrong (so a copy that went bad since its check is never spread); the restored copy
    is re-read before it is recorded ``ok``. With no whole copy the target is added to
    ``report.unrepairable`` and nothing is written.
    """
    stores = copies(kho)
    faulty = [r for r in results if r.faulty]
    sources = [r.copy for r in results if r.verdict == OK]
    for bad in faulty:
        restored = False
        for source in sources:
            try:
                copy_verified(stores[source], stores[bad.copy], target.storage_key,
                              target.sha256, kho.settings.spool_dir,
                              content_type=target.media_type, on_bytes=pacer)
            except CopyRefused as exc:
                _record_refused_source(kho, target, source, exc)
                continue
            except (StorageError, NotFound):
                continue
            _record_repair(kho, target, bad.copy, source)
            report.repaired.append(bad)
            restored = True
            break
        if not restored and target not in report.unrepairable:
            report.unrepairable.append(target)


def _record_refused_source(kho: Kho, target: Target, source: str, exc: CopyRefused) -> None:
    """A copy found whole a moment ago did not hash right when copied: record it bad."""
    if exc.found.sha256 is None:
        return
    with kho.transaction() as session:
        record_state(session, target, source, verdict_of(target.sha256, exc.found), exc.found)


def _record_repair(kho: Kho, target: Target, copy: str, source: str) -> None:
    with kho.transaction() as session:
        record_state(session, target, copy, OK, Digest(target.sha256, target.size))
        for ref in target.files:
            session.add(Event(product_id=ref.product_id, file_id=ref.file_id,
                              action="fixity.repair", tool=TOOL, outcome=OK,
                              detail=f"{copy}: restored from {source} "
                                     f"(sha256={target.sha256} verified)"))


def parse_rate(value: Optional[float]) -> Optional[float]:
    """A rate option in MB/s: None or 0 for no limit; negative is refused."""
    if value is None or value == 0:
        return None
    if value < 0:
        raise ValidationError("must be a positive number of MB/s", field="rate")
    return value
