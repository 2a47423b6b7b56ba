"""A product's access as the write side records and applies it: the audience rows set
from checked input, the access fields of the audit snapshot, and whether the product
is harvestable (what the OAI-PMH tombstones follow, :mod:`app.services.records.tombstones`).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Optional

from sqlalchemy.orm import object_session

from app.services.access.visibility import facts_of, harvestable
from archive.access import ProductAudienceRole, ProductAudienceUnit
from archive.models import Product, Unit


def apply_audience(p: Product, units: Optional[Iterable[Unit]],
                   roles: Optional[Iterable[str]]) -> None:
    """Set the audience of ``p`` (None: leave that part as it is). Rows that stay are
    kept, so no row is deleted and inserted again under the same key."""
    if units is not None:
        wanted = {u.id for u in units}
        p.audience_units = [a for a in p.audience_units if a.unit_id in wanted] + [
            ProductAudienceUnit(unit_id=uid) for uid in sorted(wanted)
            if uid not in {a.unit_id for a in p.audience_units}]
    if roles is not None:
        wanted_roles = set(roles)
        p.audience_roles = [a for a in p.audience_roles if a.role in wanted_roles] + [
            ProductAudienceRole(role=r) for r in sorted(wanted_roles)
            if r not in {a.role for a in p.audience_roles}]


def audience_unit_codes(p: Product) -> list[str]:
    """Codes of the units in the audience of ``p``, sorted."""
    session = object_session(p)
    codes = []
    for row in p.audience_units:
        unit = session.get(Unit, row.unit_id) if session is not None else None
        codes.append(unit.code if unit is not None else str(row.unit_id))
    return sorted(codes)


def access_snapshot(p: Product) -> dict[str, Any]:
    """The access fields of the audit snapshot (JSON-safe, comparable)."""
    return {"access_level": p.access_level or "public",
            "audience_units": audience_unit_codes(p),
            "audience_roles": sorted(a.role for a in p.audience_roles),
            "embargo_until": p.embargo_until.isoformat() if p.embargo_until else None,
            "protocol_note": p.protocol_note or ""}


def harvestable_now(p: Product, today: date) -> bool:
    """Whether harvesters get ``p`` on ``today`` (public, not embargoed, consents
    allowing the website: :func:`app.services.access.visibility.harvestable`)."""
    facts = facts_of(p)
    if facts.level is None:
        facts = facts.__class__(**{**facts.__dict__, "level": "public"})
    return harvestable(facts, p.consents, today)
