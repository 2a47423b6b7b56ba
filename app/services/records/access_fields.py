"""The access fields of a native record (issue 26): level, embargo, protocol note and
the uses the consents allow for every record; the audience and the consents
themselves for a full one (a backup, scope ``all``). See
:func:`app.services.records.native.record_of`."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from app.services.access.consent import allowed_uses
from app.services.common.clock import iso_datetime
from archive.access import USES
from archive.models import Unit


def _audience_codes(product: Any) -> list[str]:
    """Unit codes of a product's audience (a bulk view carries them; an ORM product
    reads them through its session)."""
    codes = getattr(product, "audience_codes", None)
    if codes is not None:
        return list(codes)
    ids = [a.unit_id for a in product.audience_units]
    session = object_session(product)
    if not ids or session is None:
        return [str(i) for i in ids]
    return sorted(session.scalars(select(Unit.code).where(Unit.id.in_(ids))))


def consent_record(c: Any) -> dict[str, Any]:
    """One consent as a full record carries it; ``evidence`` is the scanned form (an
    original: its SHA-256 names it in a bag, ``data/originals/…``) or None."""
    evidence = None
    if c.evidence_sha256:
        evidence = {"file_name": c.evidence_filename, "sha256": c.evidence_sha256,
                    "size": c.evidence_size, "media_type": c.evidence_media_type}
    return {"id": c.id, "given_by": c.given_by,
            "uses": [u for u in USES if u in (c.uses or ())],
            "until": c.until.isoformat() if c.until else None, "note": c.note or "",
            "created_at": iso_datetime(c.created_at), "evidence": evidence}


def access_record(product: Any, today: date, *, full: bool) -> dict[str, Any]:
    """The access fields of a record. Every record: ``access`` {``level``},
    ``embargo_until``, ``protocol_note`` and ``allowed_uses`` (what every running
    consent allows on ``today``: :func:`app.services.access.consent.allowed_uses`,
    in :data:`archive.access.USES` order). ``full`` (backups, scope all) adds the
    audience (unit codes, roles) and the consents themselves (who gave them: personal
    data a public record does not carry)."""
    access: dict[str, Any] = {"level": product.access_level or "public"}
    allowed = allowed_uses(product.consents, today)
    out = {"access": access,
           "embargo_until": product.embargo_until.isoformat() if product.embargo_until
           else None,
           "protocol_note": product.protocol_note or "",
           "allowed_uses": [u for u in USES if u in allowed]}
    if full:
        access["audience"] = {"units": _audience_codes(product),
                              "roles": sorted(a.role for a in product.audience_roles)}
        out["consents"] = [consent_record(c) for c in product.consents]
    return out
