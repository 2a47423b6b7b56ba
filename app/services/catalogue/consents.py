"""Consents of a product (issue 26): who gave consent, for which uses, until when,
with the scanned form as evidence.

The form is stored as activity evidence is (:mod:`app.services.activities.evidence`;
both through :func:`app.services.preservation.uploaded.store_upload`): the bytes are
spooled and hashed (SHA-256) in one pass, written under the same
content-addressed key (:func:`archive.storage.original_key`) through the same writer
(:func:`app.services.preservation.replication.write_original`: primary store and
replica) before the row commits, and the preservation engines walk it through
:func:`archive.activities.stored_objects` (owner "consent"). Removing a consent keeps
the object (content-addressed, possibly shared); the audit keeps its SHA-256.

Adding or removing a consent is an edit of the product: its version and datestamp move
(an ETag held from before no longer matches), the change is in its history, the index
is marked, and a product that stops (or starts) being harvestable because the website
use is no longer (or again) allowed leaves (or loses) its OAI-PMH tombstone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Collection, Iterator, Optional

from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.catalogue.access_changes import harvestable_now
from app.services.catalogue.access_input import check_uses
from app.services.catalogue.products import (load_product, lock_for_edit, lock_with_child,
                                             touch)
from app.services.common.clock import local_today
from app.services.common.parameters import date_error, parse_date
from app.services.preservation.uploaded import StoredOriginal, store_upload
from app.services.records import tombstones
from app.services.search import indexing
from archive.access import ProductConsent
from archive.errors import Message, NotFound, ValidationError
from archive.models import ProductChange
from archive.text import normalize_text

MAX_GIVEN_BY = 300       # characters (the column)
MAX_NOTE = 2_000


@dataclass(frozen=True)
class ConsentInput:
    given_by: str
    uses: list[str]
    until: Optional[date]
    note: str


def check_consent(session: Optional[Session], data: dict[str, Any]) -> ConsentInput:
    """``given_by`` (required), ``uses`` (codes or labels of :data:`archive.access.USES`),
    ``until`` (a date or nothing: no end), ``note``; ValidationError naming the field."""
    unknown = sorted(set(data) - {"given_by", "uses", "until", "note"})
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              names=", ".join(unknown))
    given_by = normalize_text(str(data.get("given_by") or "")) \
        if isinstance(data.get("given_by"), (str, type(None))) else ""
    if not given_by:
        raise ValidationError("say who gave the consent", field="given_by")
    if len(given_by) > MAX_GIVEN_BY:
        raise ValidationError("at most %(n)d characters", field="given_by", n=MAX_GIVEN_BY)
    uses = check_uses(session, data.get("uses"))
    raw = data.get("until")
    if isinstance(raw, (bool, list, dict)):
        raise ValidationError("a date expected (dd/mm/yyyy), or nothing", field="until")
    try:
        until = parse_date(raw)
    except ValueError:
        raise ValidationError("%(problem)s", field="until", problem=date_error(raw)) from None
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise ValidationError("text expected, not true or false", field="note")
    note = normalize_text(note or "")
    if len(note) > MAX_NOTE:
        raise ValidationError("at most %(n)d characters", field="note", n=MAX_NOTE)
    return ConsentInput(given_by, uses, until, note)


def add_consent(kho: Kho, actor: Actor, product_id: int, data: dict[str, Any],
                stream: Optional[BinaryIO] = None, filename: str = "",
                *, if_version: Optional[int | Collection[int]] = None) -> int:
    """Record a consent on the product, with its scanned form when ``stream`` is given;
    returns the consent's id. Raises PermissionDenied, NotFound, PreconditionFailed
    (``if_version``), ValidationError (fields of :func:`check_consent`; ``file`` for an
    empty form), TooLarge (over ``max_upload_bytes``)."""
    actor.require("product.edit")
    with kho.transaction() as session:
        load_product(session, actor, product_id, local_today(kho.settings))
        checked = check_consent(session, data)        # fail before reading the stream
    if stream is None:
        return _record(kho, actor, product_id, checked, None, if_version)
    return store_upload(kho, stream, filename, lambda form: _record(
        kho, actor, product_id, checked, form, if_version))


def _record(kho: Kho, actor: Actor, product_id: int, checked: ConsentInput,
            form: Optional[StoredOriginal], if_version: Any) -> int:
    with kho.transaction() as session:
        product = lock_for_edit(session, actor, product_id, if_version)
        today = local_today(kho.settings)
        was = harvestable_now(product, today)
        row = ProductConsent(product_id=product_id, given_by=checked.given_by,
                             uses=checked.uses, until=checked.until, note=checked.note,
                             created_by_id=actor.user_id)
        if form is not None:
            form.record_copies(session)
            row.evidence_sha256, row.evidence_size = form.sha256, form.size
            row.evidence_media_type, row.evidence_filename, row.evidence_key = \
                form.media_type, form.filename, form.key
        product.consents.append(row)
        session.flush()
        _changed(session, kho, actor, product, was, today, "consent.add",
                 [None, consent_record(row)])
        consent_id = row.id
    indexing.queue_flush(kho)
    return consent_id


def consent_record(row: ProductConsent) -> dict[str, Any]:
    """A consent as the audit keeps it (JSON-safe)."""
    return {"id": row.id, "given_by": row.given_by, "uses": list(row.uses or []),
            "until": row.until.isoformat() if row.until else None,
            "evidence": ({"filename": row.evidence_filename, "sha256": row.evidence_sha256,
                          "size": row.evidence_size} if row.evidence_sha256 else None)}


def _changed(session: Session, kho: Kho, actor: Actor, product: Any, was: bool, today: date,
             action: str, change: list) -> None:
    touch(product, actor)
    tombstones.on_access_change(session, product, was, harvestable_now(product, today))
    session.add(ProductChange(product_id=product.id, action=action,
                              changes={"consents": change}, user_id=actor.user_id))
    indexing.mark(session, [product.id])


def remove_consent(kho: Kho, actor: Actor, product_id: int, consent_id: int,
                   *, if_version: Optional[int | Collection[int]] = None) -> None:
    """Remove one consent from the product (its form's object stays; audited)."""
    actor.require("product.edit")
    with kho.transaction() as session:
        product, row = lock_with_child(
            session, actor, product_id, consent_id, lambda p: p.consents,
            NotFound("no consent %(id)s", field="consent", id=consent_id), if_version)
        today = local_today(kho.settings)
        was = harvestable_now(product, today)
        record = consent_record(row)
        product.consents.remove(row)
        session.flush()
        _changed(session, kho, actor, product, was, today, "consent.remove", [record, None])
    indexing.queue_flush(kho)


@dataclass(frozen=True)
class FormDownload:
    filename: str
    media_type: str
    size: int
    chunks: Iterator[bytes]


def open_form(kho: Kho, actor: Actor, product_id: int, consent_id: int) -> FormDownload:
    """The scanned consent form's bytes, streamed from the primary store. It names a
    person: only accounts that may edit the product (and see it) get it."""
    actor.require("product.edit")
    with kho.transaction() as session:
        product = load_product(session, actor, product_id, local_today(kho.settings))
        row = next((c for c in product.consents if c.id == consent_id), None)
        if row is None or not row.evidence_key:
            raise NotFound("no consent form %(id)s", field="consent", id=consent_id)
        found = (row.evidence_filename or "form", row.evidence_media_type or
                 "application/octet-stream", row.evidence_size or 0, row.evidence_key)
    return FormDownload(found[0], found[1], found[2], kho.storage.stream(found[3]))


def use_words() -> dict[str, Message]:
    """Each use in words (English; Vietnamese in the message catalogue)."""
    return {"radio": Message("Radio"), "website": Message("Website"),
            "social": Message("Social media"), "exhibition": Message("Exhibition"),
            "archive": Message("Archive only")}
