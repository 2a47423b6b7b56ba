"""The contributions a consolidated report reads: one entry per expected contributor.

:func:`year_contributions` is what the yearly report (``app/services/reports/``) renders
in its sections II–IV: for a consolidating body and a year, every unit expected to
contribute (the rule of :mod:`.chain`, on that year's ``report_deadline`` day), in the
checklist's order (provincial bodies and offices, then communes, each alphabetical),
with its contribution's state and, when it counts, its texts and links.

- ``state``: ``missing`` (expected, nothing filed), ``draft``, ``submitted``,
  ``returned`` or ``accepted``. Only ``submitted`` and ``accepted`` count as submitted
  for the report: for the others the texts are empty and the links empty lists
  (``submitted_at`` is kept for ``returned``), so a draft never reaches a report.
- ``submitted_at`` is UTC (timezone-aware); ``on_time`` judges it against the
  deadline on Vietnam's clock (None when not submitted).
- ``unit_name`` is the unit's name in the units table (a unit valid on the deadline
  day carries the name it had then: a renamed unit is a new unit with a successor).
- ``product_ids`` are products that still exist; ``activity_ids`` as linked.

Raises ValidationError naming ``year`` (outside 2023–2028). A unit that collects no
contributions that year (a commune, or a body that did not exist on the deadline day)
gets an empty list. No permission check: the caller (the report's use case) has checked
who may read the body's report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.contributions import chain, rules
from archive.contributions import Contribution, ContributionActivity, ContributionProduct
from archive.errors import ValidationError
from config import Settings

COUNTED = ("submitted", "accepted")


@dataclass(frozen=True)
class ContributionEntry:
    """One expected contributor's part of the report (see the module docstring)."""

    unit_id: int
    unit_code: str
    unit_name: str
    state: str
    submitted_at: Optional[datetime] = None
    on_time: Optional[bool] = None
    results: str = ""
    difficulties: str = ""
    proposals: str = ""
    product_ids: list[int] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)


def _utc(moment: Optional[datetime]) -> Optional[datetime]:
    if moment is None:
        return None
    if moment.tzinfo is None:                 # SQLite gives naive UTC values back
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def year_contributions(session: Session, consolidating_unit_id: int, year: int, *,
                       settings: Optional[Settings] = None) -> list[ContributionEntry]:
    """Every expected contributor of body ``consolidating_unit_id`` for ``year`` with its
    contribution. ``settings``: the instance's (``kho.settings``: ``report_deadline``,
    ``timezone``, ``report_consolidators``); the defaults when not given."""
    settings = settings or Settings()
    year = rules.check_year(year)
    day = rules.deadline(settings, year)
    try:
        expected = chain.expected_units(session, settings, consolidating_unit_id, day)
    except ValidationError as exc:
        if exc.field != "unit":
            raise
        return []           # a body that collects nothing that year (a commune's report)
    ids = [u.id for u in expected]
    filed = {c.unit_id: c for c in session.scalars(
        select(Contribution).where(Contribution.year == year, Contribution.unit_id.in_(ids)))}
    counted = [c.id for c in filed.values() if c.state in COUNTED]
    products: dict[int, list[int]] = {}
    activities: dict[int, list[int]] = {}
    if counted:
        for cid, pid in session.execute(
                select(ContributionProduct.contribution_id, ContributionProduct.product_id)
                .where(ContributionProduct.contribution_id.in_(counted))
                .order_by(ContributionProduct.product_id)):
            products.setdefault(cid, []).append(pid)
        for cid, aid in session.execute(
                select(ContributionActivity.contribution_id, ContributionActivity.activity_id)
                .where(ContributionActivity.contribution_id.in_(counted))
                .order_by(ContributionActivity.activity_id)):
            activities.setdefault(cid, []).append(aid)
    entries = []
    for unit in expected:
        c = filed.get(unit.id)
        if c is None:
            entries.append(ContributionEntry(unit.id, unit.code, unit.name, "missing"))
            continue
        if c.state not in COUNTED:
            entries.append(ContributionEntry(
                unit.id, unit.code, unit.name, c.state,
                submitted_at=_utc(c.submitted_at) if c.state == "returned" else None))
            continue
        entries.append(ContributionEntry(
            unit.id, unit.code, unit.name, c.state, submitted_at=_utc(c.submitted_at),
            on_time=rules.on_time(settings, year, c.submitted_at), results=c.results,
            difficulties=c.difficulties, proposals=c.proposals,
            product_ids=products.get(c.id, []), activity_ids=activities.get(c.id, [])))
    return entries
