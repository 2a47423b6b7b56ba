"""Near-duplicate flags as the doors show them, and the producers' answers.

An original found near an original of another product at processing time (a re-scan,
a resized JPEG, a re-encoded or trimmed bulletin: :mod:`app.services.processing.likeness`)
is flagged on both files, each naming the other (:func:`flags`):
``{"product_id", "file_id", "kind", "distance", "answer", "title", "filename",
"answered_by", "answered_at"}`` — the other product and file, "image" or "audio", the
share of fingerprint bits that differ (0: the same picture or sound), and the answer
(None until a producer gives one). A flag naming a restricted product is left out for
the roles that may not see it.

Producers answer "same" (the same work) or "different" (another work that looks or
sounds alike) (:func:`answer`); the catalogue keeps it with the pair and records it on
both products' histories (``file.near_duplicate``), and processing the files again
keeps it. The office's figures count a product confirmed "same" as an earlier product
once (:func:`repeated_products`, read by ``app.services.stats.scope``); the event moves
the statistics cache's marks, so the figures follow at once.
"""
from __future__ import annotations

import functools

import json
from typing import Any, Iterable, Optional

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.visibility import Viewer, facts_of, may_see_file, viewer_for
from app.services.catalogue.products import (default_today, load_product, load_visible,
                                             person_name, visible_file)
from app.services.common.clock import iso_datetime, local_today
from archive.base import fits_id, utcnow
from archive.errors import NotFound, ValidationError
from archive.likeness import ANSWERS, NearDuplicate
from archive.models import Event, File, Product, User

ACTION = "file.near_duplicate"          # the history event of an answer


def flags(session: Session, viewer: Viewer, file_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The near-duplicate flags of each of ``file_ids`` (file id -> flags, nearest
    first; every id present, with [] when it has none). A flag naming a product or a
    file ``viewer`` may not see (:func:`~app.services.access.visibility.may_see_file`)
    is left out: not even its title or id shows."""
    ids = sorted(set(file_ids))
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    later, earlier = aliased(File), aliased(File)
    rows = session.execute(
        select(NearDuplicate, later.product_id, later.original_filename, later.access_level,
               earlier.product_id, earlier.original_filename, earlier.access_level)
        .join(later, later.id == NearDuplicate.file_id)
        .join(earlier, earlier.id == NearDuplicate.other_file_id)
        .where(or_(NearDuplicate.file_id.in_(ids), NearDuplicate.other_file_id.in_(ids)))).all()
    if not rows:                   # the usual case: nothing near, nothing more to read
        return found
    products = {p.id: p for p in session.scalars(
        select(Product).where(Product.id.in_({r[1] for r in rows} | {r[4] for r in rows}))
        .options(selectinload(Product.audience_units), selectinload(Product.audience_roles)))}
    people = {u.id: person_name(u) for u in session.scalars(select(User).where(User.id.in_(
        {r[0].answered_by_id for r in rows if r[0].answered_by_id})))}
    for pair, later_product, later_name, later_level, earlier_product, earlier_name, \
            earlier_level in rows:
        sides = ((pair.file_id, pair.other_file_id, earlier_product, earlier_name,
                  earlier_level),
                 (pair.other_file_id, pair.file_id, later_product, later_name, later_level))
        for mine, other, product_id, filename, level in sides:
            shown = products.get(product_id)
            if mine not in found or shown is None \
                    or not may_see_file(viewer, facts_of(shown), level):
                continue
            found[mine].append({
                "product_id": product_id, "file_id": other, "kind": pair.kind,
                "distance": round(pair.distance, 4), "answer": pair.answer or None,
                "title": shown.title, "filename": filename,
                "answered_by": people.get(pair.answered_by_id),
                "answered_at": iso_datetime(pair.answered_at) if pair.answered_at else None})
    for items in found.values():
        items.sort(key=lambda f: (f["distance"], f["file_id"]))
    return found


def attach(session: Session, actor: Actor, files: list[dict[str, Any]],
           viewer: Optional[Viewer] = None) -> None:
    """Set ``near_duplicates`` on each file of a product view (``file_view`` dicts);
    ``viewer``: ``actor``'s, when the caller has it already."""
    viewer = viewer or viewer_for(session, actor, default_today())
    found = flags(session, viewer, [f["id"] for f in files])
    for f in files:
        f["near_duplicates"] = found.get(f["id"], [])


def for_file(kho: Kho, actor: Actor, product_id: int, file_id: int) -> list[dict]:
    """The flags of one file of a product ``actor`` may see (NotFound otherwise, and
    for a file of it the actor may not see); [] for a file not (yet) processed or near
    nothing."""
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id, local_today(kho.settings))
        visible_file(viewer, product, file_id)
        return flags(session, viewer, [file_id])[file_id]


def for_received(kho: Kho, actor: Actor, file_id: int) -> list[dict]:
    """The flags of a file ``actor`` has just received into a product: the upload
    checked the product and the permission already, so it is not loaded again (an
    upload reads its product once). [] until the file is processed."""
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, local_today(kho.settings))
        return flags(session, viewer, [file_id])[file_id]


def answer(kho: Kho, actor: Actor, product_id: int, file_id: int, other_file_id: int,
           said: str) -> list[dict]:
    """Record a producer's answer about the pair ``file_id`` (of ``product_id``) and
    ``other_file_id``: "same" work or "different" work; a later answer replaces an
    earlier one. Returns the file's flags afterwards.

    Raises PermissionDenied (``product.edit``), ValidationError (another answer), NotFound
    (the product or the other file's product hidden from the actor, a file not in the
    product or hidden from the actor, no such pair)."""
    actor.require("product.edit")
    if said not in ANSWERS:
        raise ValidationError("answer with %(choices)s", field="answer",
                              choices=" or ".join(ANSWERS))
    today = local_today(kho.settings)
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id, today)
        mine = session.get(File, file_id) if fits_id(file_id) else None
        other = session.get(File, other_file_id) if fits_id(other_file_id) else None
        if mine is None or mine.product_id != product_id:
            raise NotFound("no file %(id)s in product %(product)s", field="file_id",
                           id=file_id, product=product_id)
        visible_file(viewer, product, file_id)
        pair = session.get(NearDuplicate, (max(file_id, other_file_id),
                                           min(file_id, other_file_id))) \
            if other is not None else None
        if pair is None:
            raise NotFound("file %(id)s has no near-duplicate %(other)s", field="other_file_id",
                           id=file_id, other=other_file_id)
        beside = load_product(session, actor, other.product_id, today)  # may see it too
        if not may_see_file(viewer, facts_of(beside), other.access_level):
            raise NotFound("file %(id)s has no near-duplicate %(other)s", field="other_file_id",
                           id=file_id, other=other_file_id)
        if pair.answer != said:
            pair.answer, pair.answered_by_id, pair.answered_at = said, actor.user_id, utcnow()
            for here, there in ((mine, other), (other, mine)):
                session.add(Event(product_id=here.product_id, file_id=here.id, action=ACTION,
                                  user_id=actor.user_id, detail=json.dumps({
                                      "answer": said, "other_product": there.product_id,
                                      "other_file": there.id,
                                      "other_filename": there.original_filename},
                                      ensure_ascii=False)))
        session.flush()
        return flags(session, viewer, [file_id])[file_id]


@functools.cache
def repeats_statement() -> Select:
    """The statement of :func:`repeated_products`, built once per process (building the
    aliased joins cost 30 ms a call, more than running them)."""
    later, earlier = aliased(File), aliased(File)
    newer = case((later.product_id > earlier.product_id, later.product_id),
                 else_=earlier.product_id)
    return (select(newer).select_from(NearDuplicate)
            .join(later, later.id == NearDuplicate.file_id)
            .join(earlier, earlier.id == NearDuplicate.other_file_id)
            .where(NearDuplicate.answer == "same", later.product_id != earlier.product_id)
            .distinct())


def repeated_products(session: Session) -> frozenset[int]:
    """Products a producer confirmed as the same work as an earlier product (a pair
    answered "same" between files of two products: the later product, the higher id).
    The office's figures count each work once: these are left out of the counts."""
    return frozenset(session.scalars(repeats_statement()))

