"""Near-duplicates at processing time: keep an original's fingerprint and its keys, and
find the originals of other products that are near it.

The processing job (:mod:`app.services.processing.pipeline`) calls :func:`keep` in the
transaction that records the file's outcome (a ready file keeps the fingerprint its
``likeness`` step made; any other outcome keeps none), then :func:`find_near` in a
transaction of its own, after that commit: two near files processed at the same time
then always meet — whichever commits its fingerprint last finds the other's.

Candidates come from key look-ups (``archive.likeness.LikenessKey``, the keys of
:func:`ingest.likeness.keys`): the database returns the files sharing keys with this
one, most shared first, at most the rules' ``max_candidates``; only those fingerprints
are read and compared (:func:`ingest.likeness.distance`). Files of the same product
are never candidates. The nearest ``max_flags`` within ``max_distance`` become pairs
(``archive.likeness.NearDuplicate``, upserted: found again, a pair keeps its answer);
unanswered pairs of this file that are no longer near (compared again) are dropped.
"""
from __future__ import annotations

import logging
import math
from typing import Optional

from sqlalchemy import delete, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.common.upsert import upsert
from archive.base import utcnow
from archive.likeness import FileLikeness, LikenessKey, NearDuplicate
from archive.models import File
from ingest import likeness
from ingest.results import OK, Likeness, StepResult

log = logging.getLogger("kho.processing")


def fingerprint_of(results: list[StepResult]) -> Optional[Likeness]:
    """The fingerprint a processing run made (its ``likeness`` step), None if none."""
    return next((r.likeness for r in results if r.outcome == OK and r.likeness is not None),
                None)


def keep(session: Session, file_id: int, found: Optional[Likeness]) -> None:
    """In ``session``: ``found`` as the file's fingerprint and keys, replacing what an
    earlier run kept; None removes them (the file is not compared any more)."""
    session.execute(delete(LikenessKey).where(LikenessKey.file_id == file_id))
    session.execute(delete(FileLikeness).where(FileLikeness.file_id == file_id))
    if found is None:
        return
    session.add(FileLikeness(
        file_id=file_id, kind=found.kind,
        image_hash=f"{found.image_hash:016x}" if found.image_hash is not None else "",
        image_fine=f"{found.image_fine:064x}" if found.image_fine is not None else "",
        fingerprint=found.values or None, seconds=found.seconds))
    session.flush()
    session.execute(insert(LikenessKey),
                    [{"key": key, "file_id": file_id} for key in likeness.keys(found)])


def stored(row: FileLikeness) -> Likeness:
    """A stored fingerprint as :mod:`ingest.likeness` compares it."""
    return Likeness(row.kind, image_hash=int(row.image_hash, 16) if row.image_hash else None,
                    image_fine=int(row.image_fine, 16) if row.image_fine else None,
                    values=row.fingerprint or b"", seconds=row.seconds)


def candidates(session: Session, file_id: int, product_id: int,
               found: Likeness) -> list[int]:
    """Files of other products sharing keys with ``found``, most shared keys first (at
    most the rules' ``max_candidates``; audio files share ``min_shared_keys`` and
    ``min_shared_share`` of this one's keys at least)."""
    rules = likeness.rules()
    limits = rules.of(found.kind)
    probes = likeness.probes(found, rules)
    least = 1 if found.kind == likeness.IMAGE else max(
        rules.audio.min_shared_keys, math.ceil(rules.audio.min_shared_share * len(probes)))
    shared = func.count().label("shared")
    stmt = (select(LikenessKey.file_id, shared)
            .join(File, File.id == LikenessKey.file_id)
            .where(LikenessKey.key.in_(probes),
                   LikenessKey.file_id != file_id, File.product_id != product_id)
            .group_by(LikenessKey.file_id).having(func.count() >= least)
            .order_by(shared.desc(), LikenessKey.file_id).limit(limits.max_candidates))
    return [row.file_id for row in session.execute(stmt)]


def find_near(kho: Kho, file_id: int) -> list[tuple[int, float]]:
    """Compare a processed original with its candidates and record the pairs that are
    near; returns ``(other file id, distance)``, nearest first. Nothing when the file
    has no fingerprint (or is gone)."""
    rules = likeness.rules()
    with kho.transaction() as session:
        row = session.get(FileLikeness, file_id)
        product_id = session.scalar(select(File.product_id).where(File.id == file_id))
        if row is None or product_id is None:
            return []
        mine = stored(row)
        ids = candidates(session, file_id, product_id, mine)
        near = []
        for other in session.scalars(select(FileLikeness).where(FileLikeness.file_id.in_(ids),
                                                                FileLikeness.kind == row.kind)):
            found = likeness.distance(mine, stored(other), rules)
            if likeness.is_near(row.kind, found, rules):
                near.append((round(float(found), 4), other.file_id))
        near = sorted(near)[:rules.max_flags]
        _record_pairs(session, file_id, row.kind, near)
        _drop_stale(session, file_id, mine, {other for _found, other in near})
    if near:
        log.info("file %s is near %s", file_id,
                 ", ".join(f"file {other} ({found:.3f})" for found, other in near))
    return [(other, found) for found, other in near]


def _record_pairs(session: Session, file_id: int, kind: str,
                  near: list[tuple[float, int]]) -> None:
    """Upsert the pairs found (the later file first; an answer stays)."""
    now = utcnow()
    upsert(session, NearDuplicate,
           [{"file_id": max(file_id, other), "other_file_id": min(file_id, other),
             "kind": kind, "distance": found, "answer": "", "found_at": now}
            for found, other in near],
           key=("file_id", "other_file_id"),
           updates=lambda stmt: {"distance": stmt.excluded.distance,
                                 "kind": stmt.excluded.kind})


def _drop_stale(session: Session, file_id: int, mine: Likeness, found: set[int]) -> None:
    """Unanswered pairs of this file not found this time (another file may have found
    them, among more than ``max_flags`` near ones) stay while the two are still near;
    those no longer near, or whose other file has no fingerprint any more, go."""
    rules = likeness.rules()
    pairs = session.execute(select(NearDuplicate.file_id, NearDuplicate.other_file_id).where(
        NearDuplicate.answer == "",
        or_(NearDuplicate.file_id == file_id, NearDuplicate.other_file_id == file_id))).all()
    others = {a if a != file_id else b for a, b in pairs} - found
    if not others:
        return
    prints = {r.file_id: stored(r) for r in session.scalars(
        select(FileLikeness).where(FileLikeness.file_id.in_(others)))}
    gone = [other for other in others if other not in prints or not likeness.is_near(
        mine.kind, likeness.distance(mine, prints[other], rules), rules)]
    if gone:
        session.execute(delete(NearDuplicate).where(
            tuple_(NearDuplicate.file_id, NearDuplicate.other_file_id).in_(
                [(max(file_id, other), min(file_id, other)) for other in gone]))
            .execution_options(synchronize_session=False))
