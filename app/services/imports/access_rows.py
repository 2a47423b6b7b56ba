"""The access of an imported product (issue 26) beyond its columns: its audience and
its consents with their scanned forms, from a bag's record.

A bag of scope ``all`` carries everything (:func:`app.services.records.access_fields.access_record`
with ``full``): the audience as unit codes and roles, and each consent with its form
as an original in the bag (``evidence.path``, checked against its SHA-256 when stored,
primary store and replica, as intake stores a file). A public bag carries neither
(never who consented).

Nothing becomes more visible by an import: an audience unit whose code this catalogue
does not have is left out (a restricted product then has a smaller audience, never a
larger one), and so is a role it does not know.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.preservation import replication
from archive.access import USES, ProductAudienceRole, ProductAudienceUnit, ProductConsent
from archive.base import utcnow
from archive.models import ROLES, Product, Unit
from archive.storage import original_key


def restore(session: Session, context: Any, product: Product, record: dict[str, Any]) -> None:
    """Set the audience and consents of the new ``product`` from ``record`` (its
    level, embargo and protocol note are set with its other columns, by
    :func:`app.services.imports.rows.create`; ``context``: the import's
    :class:`app.services.imports.rows.Context`); stores consent forms from the bag."""
    audience = (record.get("access") or {}).get("audience") or {}
    codes = [str(c) for c in audience.get("units") or []]
    if codes:
        ids = sorted(session.scalars(select(Unit.id).where(Unit.code.in_(codes))))
        product.audience_units = [ProductAudienceUnit(unit_id=i) for i in ids]
    roles = sorted({str(r) for r in audience.get("roles") or []} & set(ROLES))
    product.audience_roles = [ProductAudienceRole(role=r) for r in roles]
    product.consents = [_consent(session, context, c) for c in record.get("consents") or []]


def _consent(session: Session, context: Any, line: dict[str, Any]) -> ProductConsent:
    row = ProductConsent(given_by=str(line.get("given_by") or "")[:300],
                         uses=[u for u in USES if u in (line.get("uses") or ())],
                         until=_day(line.get("until")), note=line.get("note") or "",
                         created_by_id=context.actor.user_id,
                         created_at=_moment(line.get("created_at")) or utcnow())
    evidence = line.get("evidence")
    if evidence and evidence.get("path") and evidence.get("sha256"):
        sha = str(evidence["sha256"])
        key = original_key(sha)
        media_type = evidence.get("media_type") or "application/octet-stream"
        written = replication.write_original(context.kho, key, sha,
                                             context.bag.file(str(evidence["path"])), media_type)
        if written.deferred:
            replication.defer_copy(session, key, sha, written.deferred)
            context.replica_waits = True
        row.evidence_sha256, row.evidence_key = sha, key
        row.evidence_size = int(evidence.get("size") or 0)
        row.evidence_media_type = media_type
        row.evidence_filename = str(evidence.get("file_name") or sha)[:500]
    return row


def _day(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


def _moment(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None
