"""A yearly contribution as the doors show it: its texts, links, state, deadline, history
and what the reader may do with it (state ``missing`` when nothing was filed)."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access import linked
from app.services.common.clock import iso_datetime, local_today
from app.services.contributions import rules
from app.services.contributions.target import (OPEN_STATES, Target, may_file, may_review,
                                               require_file, resolve)
from archive.contributions import (Contribution, ContributionActivity, ContributionEvent,
                                   ContributionProduct)
from archive.models import Product, User
from config import Settings


def current_row(session: Session, target: Target) -> Optional[Contribution]:
    return session.scalars(
        select(Contribution).where(Contribution.unit_id == target.unit.id,
                                   Contribution.year == target.year)
        .execution_options(populate_existing=True)).one_or_none()


def _names(session: Session, ids: set[Optional[int]]) -> dict[int, str]:
    ids.discard(None)
    if not ids:
        return {}
    return {u.id: (u.display_name or "").strip() or u.username
            for u in session.scalars(select(User).where(User.id.in_(ids)))}


def view(session: Session, settings: Settings, actor: Actor, target: Target) -> dict[str, Any]:
    """The contribution as the doors show it (state ``missing`` when nothing was filed),
    with the linked products' titles, its history (oldest first) and what ``actor`` may
    do with it. A linked product ``actor`` may not see is not named, only counted in
    ``products_hidden`` (:mod:`app.services.access.linked`)."""
    row = current_row(session, target)
    products: list[dict[str, Any]] = []
    hidden: frozenset[int] = frozenset()
    activity_ids: list[int] = []
    history: list[dict[str, Any]] = []
    if row is not None:
        products = [{"id": pid, "title": title} for pid, title in session.execute(
            select(Product.id, Product.title).join(
                ContributionProduct, ContributionProduct.product_id == Product.id)
            .where(ContributionProduct.contribution_id == row.id).order_by(Product.id))]
        hidden = linked.hidden(session, actor, [p["id"] for p in products],
                               local_today(settings))
        products = [p for p in products if p["id"] not in hidden]
        activity_ids = list(session.scalars(
            select(ContributionActivity.activity_id)
            .where(ContributionActivity.contribution_id == row.id)
            .order_by(ContributionActivity.activity_id)))
        events = list(session.scalars(
            select(ContributionEvent).where(ContributionEvent.contribution_id == row.id)
            .order_by(ContributionEvent.at, ContributionEvent.id)))
        names = _names(session, {e.user_id for e in events}
                       | {row.submitted_by_id, row.reviewed_by_id})
        history = [{"action": e.action, "state": e.state, "detail": e.detail,
                    "by": names.get(e.user_id), "at": iso_datetime(e.at)} for e in events]
    else:
        names = {}
    state = row.state if row is not None else "missing"
    filer, reviewer = may_file(session, actor, target), may_review(session, actor, target)
    return {
        "unit": {"code": target.unit.code, "name": target.unit.name},
        "consolidator": {"code": target.body.code, "name": target.body.name},
        "year": target.year, "state": state,
        "deadline": target.deadline.isoformat(),
        "days_left": rules.days_left(settings, target.year),
        "results": row.results if row else "", "difficulties": row.difficulties if row else "",
        "proposals": row.proposals if row else "",
        "products": products, "product_ids": [p["id"] for p in products],
        "products_hidden": len(hidden),
        "activity_ids": activity_ids,
        "submitted_at": iso_datetime(row.submitted_at) if row else None,
        "submitted_by": names.get(row.submitted_by_id) if row else None,
        "on_time": rules.on_time(settings, target.year, row.submitted_at)
        if row is not None and state in ("submitted", "accepted") else None,
        "reviewed_at": iso_datetime(row.reviewed_at) if row else None,
        "reviewed_by": names.get(row.reviewed_by_id) if row else None,
        "return_reason": row.return_reason if row else "",
        "version": row.version if row else 0,
        "may_edit": filer and state in OPEN_STATES + ("missing",),
        "may_review": reviewer and state == "submitted",
        "history": history,
        "limits": {"text": rules.MAX_TEXT, "links": rules.MAX_LINKS},
    }


def get_contribution(kho: Kho, actor: Actor, unit_code: str, year: Any) -> dict[str, Any]:
    """One unit's contribution for ``year`` (:func:`view`). PermissionDenied unless the
    account files for that unit or reviews for its consolidating body."""
    if not (actor.can("contribution.file") or actor.can("contribution.review")):
        actor.require("contribution.file")
    with kho.transaction() as session:
        target = resolve(session, kho.settings, unit_code, year)
        if not (may_file(session, actor, target) or may_review(session, actor, target)):
            require_file(session, actor, target)     # raises, naming the unit
        return view(session, kho.settings, actor, target)
