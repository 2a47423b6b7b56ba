"""Filing a yearly contribution and reviewing it: the state machine.

States (``archive.contributions.CONTRIBUTION_STATES``)::

    (none) --save--> draft --submit--> submitted --accept--> accepted
                       ^                   |
                       |                 return (with a reason)
                       |                   v
                       '---- save ---- returned --submit--> submitted …

- **save** (``contribution.file``; the account's unit scope holds the contributing
  unit): writes results, difficulties, proposals and the linked products and
  activities of a draft or a returned contribution, creating the draft on first use.
- **submit** (same permission): optionally saves the fields given, then submits; the
  time is recorded and judged on time or late against ``report_deadline``
  (:mod:`.rules`). Results may not be empty.
- **return** / **accept** (``contribution.review``; the account's unit scope holds the
  consolidating body of :mod:`.chain`): only a submitted contribution; a return needs a
  reason, kept on the contribution and in its history.

Errors: PermissionDenied (role, or a unit outside the account's scope: 403);
ValidationError (year outside the plan, a unit that is not expected to contribute that
year, a text too long, an unknown product or activity: 422); NotFound (no unit with
that code: 404); Conflict naming ``state`` (changing or submitting a contribution that
is waiting for review or already accepted, with the day it was; reviewing one that is
not submitted: 409).

Concurrency: every write starts with an atomic "insert the draft, or touch the row"
(:func:`app.services.common.upsert.upsert`) on the (unit, year) key, which takes the
row's lock on PostgreSQL and the database's write lock on SQLite for the rest of the
transaction; writers of one contribution are serialised and each sees what the one
before wrote. Two people submitting at once: one submission and one event; the other
is told it was already submitted. Every change writes a ``ContributionEvent``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional

from sqlalchemy import bindparam, inspect, select, text, update
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units, require_unit
from app.services.catalogue.products import load_product
from app.services.common.clock import iso_datetime
from app.services.common.upsert import upsert
from app.services.contributions import chain, rules
from archive.base import utcnow
from archive.contributions import (Contribution, ContributionActivity, ContributionEvent,
                                   ContributionProduct)
from archive.errors import Conflict, Message, NotFound, ValidationError
from archive.models import Product, User
from archive.text import normalize_text
from config import Settings

OPEN_STATES = ("draft", "returned")         # states a contributor may still change


@dataclass(frozen=True)
class Target:
    """A contributing unit and year, resolved and checked: the unit, its consolidating
    body on the deadline day, the deadline."""

    unit: chain.UnitRow
    body: chain.UnitRow
    year: int
    deadline: date


def resolve(session: Session, settings: Settings, unit_code: str, year: Any) -> Target:
    """The unit with code ``unit_code`` as a contributor for ``year``.

    ValidationError naming ``year`` (outside the plan) or ``unit`` (it did not exist on
    the deadline day, or nobody collects its contribution); NotFound naming ``unit``."""
    year = rules.check_year(year)
    day = rules.deadline(settings, year)
    code = normalize_text(str(unit_code or ""))
    rows = chain.unit_rows(session)
    unit = next((r for r in rows.values() if r.code == code), None)
    if unit is None:
        raise NotFound("no unit with code %(code)s", field="unit", code=code)
    if not unit.valid_on(day):
        raise ValidationError("%(unit)s did not exist on %(day)s, the deadline of %(year)s: "
                              "its work is reported by the unit that took it over",
                              field="unit", unit=unit.name, day=day.strftime("%d/%m/%Y"),
                              year=str(year))
    body_id = chain.consolidating_body(rows, chain.consolidator_ids(settings, rows),
                                       unit.id, day)
    if body_id is None or unit.level not in chain.CONTRIBUTING_LEVELS:
        raise ValidationError("%(unit)s does not owe a contribution for %(year)s: no body "
                              "above it collects one", field="unit", unit=unit.name,
                              year=str(year))
    return Target(unit=unit, body=rows[body_id], year=year, deadline=day)


def may_file(session: Session, actor: Actor, target: Target) -> bool:
    units = actor_units(session, actor)
    return actor.can("contribution.file") and (units is None or target.unit.id in units)


def may_review(session: Session, actor: Actor, target: Target) -> bool:
    units = actor_units(session, actor)
    return actor.can("contribution.review") and (units is None or target.body.id in units)


def _require_file(session: Session, actor: Actor, target: Target) -> None:
    actor.require("contribution.file")
    require_unit(session, actor, target.unit.id)


def _require_review(session: Session, actor: Actor, target: Target) -> None:
    actor.require("contribution.review")
    require_unit(session, actor, target.body.id)


# --- reading ---------------------------------------------------------------------

def _row(session: Session, target: Target) -> Optional[Contribution]:
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
    do with it."""
    row = _row(session, target)
    products: list[dict[str, Any]] = []
    activity_ids: list[int] = []
    history: list[dict[str, Any]] = []
    if row is not None:
        products = [{"id": pid, "title": title} for pid, title in session.execute(
            select(Product.id, Product.title).join(
                ContributionProduct, ContributionProduct.product_id == Product.id)
            .where(ContributionProduct.contribution_id == row.id).order_by(Product.id))]
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
            _require_file(session, actor, target)     # raises, naming the unit
        return view(session, kho.settings, actor, target)


# --- writing ---------------------------------------------------------------------

def _lock(session: Session, target: Target) -> Contribution:
    """The contribution, created as an empty draft if missing, locked for this
    transaction (see the module docstring)."""
    now = utcnow()
    upsert(session, Contribution, [{
        "unit_id": target.unit.id, "year": target.year, "state": "draft", "results": "",
        "difficulties": "", "proposals": "", "return_reason": "", "version": 0,
        "created_at": now, "updated_at": now}], key=("unit_id", "year"),
        updates={"version": Contribution.version})
    row = _row(session, target)
    assert row is not None
    return row


def _day(settings: Settings, moment: Any) -> str:
    return rules.local_day(settings, moment).strftime("%d/%m/%Y") if moment else "?"


def _closed(settings: Settings, row: Contribution, target: Target) -> Conflict:
    """Why ``row`` may not be changed or submitted now."""
    if row.state == "accepted":
        return Conflict("the contribution of %(unit)s for %(year)s was accepted on %(day)s: "
                        "it cannot be changed or submitted again", field="state",
                        unit=target.unit.name, year=str(target.year),
                        day=_day(settings, row.reviewed_at))
    return Conflict("the contribution of %(unit)s for %(year)s was already submitted on "
                    "%(day)s and waits for review: it cannot be changed until it is "
                    "returned", field="state", unit=target.unit.name, year=str(target.year),
                    day=_day(settings, row.submitted_at))


def _event(session: Session, row: Contribution, actor: Actor, action: str,
           detail: str = "") -> None:
    session.add(ContributionEvent(contribution_id=row.id, action=action, state=row.state,
                                  detail=detail, user_id=actor.user_id))


def _check_activities(session: Session, ids: list[int]) -> None:
    """Every id names an activity, when the activities register exists (a plain SQL
    check: the activities area is beside this one, not below it)."""
    if not ids or not inspect(session.connection()).has_table("activities"):
        return
    query = text("SELECT id FROM activities WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    found = set(session.execute(query, {"ids": list(ids)}).scalars())
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError("no activity %(ids)s", field="activity_ids",
                              ids=", ".join(map(str, missing)))


def _check_products(session: Session, actor: Actor, ids: list[int]) -> None:
    missing = []
    for pid in ids:
        try:
            load_product(session, actor, pid)
        except NotFound:
            missing.append(pid)
    if missing:
        raise ValidationError("no product %(ids)s", field="product_ids",
                              ids=", ".join(map(str, missing)))


def _apply(session: Session, actor: Actor, row: Contribution,
           data: Mapping[str, Any]) -> list[str]:
    """Write the fields present in ``data``; the names of those that changed."""
    unknown = sorted(set(data) - set(rules.TEXT_FIELDS) - {"product_ids", "activity_ids"})
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              names=", ".join(unknown))
    changed = []
    for name in rules.TEXT_FIELDS:
        if name in data:
            value = rules.clean_text(name, data[name])
            if value != getattr(row, name):
                setattr(row, name, value)
                changed.append(name)
    for name, model, column in (("product_ids", ContributionProduct, "product_id"),
                                ("activity_ids", ContributionActivity, "activity_id")):
        if name not in data:
            continue
        ids = rules.clean_ids(name, data[name])
        if name == "product_ids":
            _check_products(session, actor, ids)
        else:
            _check_activities(session, ids)
        old = set(session.scalars(select(getattr(model, column))
                                  .where(model.contribution_id == row.id)))
        if old != set(ids):
            session.query(model).filter(model.contribution_id == row.id).delete(
                synchronize_session=False)
            session.add_all([model(contribution_id=row.id, **{column: i}) for i in ids])
            changed.append(name)
    return changed


def _touch(row: Contribution) -> None:
    row.version = (row.version or 0) + 1
    row.updated_at = utcnow()


def save_contribution(kho: Kho, actor: Actor, unit_code: str, year: Any,
                      data: Mapping[str, Any]) -> dict[str, Any]:
    """Save a draft (or a returned contribution): the fields present in ``data``
    (``results``, ``difficulties``, ``proposals``, ``product_ids``, ``activity_ids``).
    The contribution as :func:`view`. Errors: see the module docstring."""
    actor.require("contribution.file")
    with kho.transaction() as session:
        target = resolve(session, kho.settings, unit_code, year)
        _require_file(session, actor, target)
        row = _lock(session, target)
        if row.state not in OPEN_STATES:
            raise _closed(kho.settings, row, target)
        changed = _apply(session, actor, row, data)
        if changed or row.version == 0:
            _touch(row)
            _event(session, row, actor, "contribution.save", ", ".join(changed))
        session.flush()
        return view(session, kho.settings, actor, target)


def submit_contribution(kho: Kho, actor: Actor, unit_code: str, year: Any,
                        data: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """Submit a unit's contribution for ``year`` (saving the fields in ``data`` first,
    if any): state ``submitted``, the time recorded. Conflict when it is already
    submitted (also by a parallel request a moment earlier) or accepted; ValidationError
    naming ``results`` when there are none. The contribution as :func:`view`."""
    actor.require("contribution.file")
    with kho.transaction() as session:
        target = resolve(session, kho.settings, unit_code, year)
        _require_file(session, actor, target)
        row = _lock(session, target)
        if row.state not in OPEN_STATES:
            raise _closed(kho.settings, row, target)
        changed = _apply(session, actor, row, data or {})
        if not row.results.strip():
            raise ValidationError("write the results before submitting", field="results")
        now = utcnow()
        won = session.execute(
            update(Contribution).where(Contribution.id == row.id,
                                       Contribution.state.in_(OPEN_STATES))
            .values(state="submitted", submitted_at=now, submitted_by_id=actor.user_id,
                    version=Contribution.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if won != 1:                      # cannot happen under the lock; kept as a guard
            session.refresh(row)
            raise _closed(kho.settings, row, target)
        session.refresh(row)
        timing = "on time" if rules.on_time(kho.settings, target.year, now) else "late"
        detail = timing + (f"; changed: {', '.join(changed)}" if changed else "")
        _event(session, row, actor, "contribution.submit", detail)
        session.flush()
        return view(session, kho.settings, actor, target)


def _review(kho: Kho, actor: Actor, unit_code: str, year: Any, state: str,
            reason: str = "") -> dict[str, Any]:
    actor.require("contribution.review")
    with kho.transaction() as session:
        target = resolve(session, kho.settings, unit_code, year)
        _require_review(session, actor, target)
        if state == "returned":
            reason = rules.clean_text("reason", reason)
            if not reason:
                raise ValidationError("say why the contribution is returned", field="reason")
        row = _row(session, target)
        if row is not None:
            row = _lock(session, target)
        if row is None or row.state != "submitted":
            current = row.state if row is not None else "missing"
            if current == "accepted":
                raise Conflict("the contribution of %(unit)s for %(year)s was already "
                               "accepted on %(day)s", field="state", unit=target.unit.name,
                               year=str(target.year), day=_day(kho.settings, row.reviewed_at))
            raise Conflict("only a submitted contribution can be returned or accepted; "
                           "this one is %(state)s", field="state",
                           state=Message(STATE_WORDS[current]))
        now = utcnow()
        row.state, row.reviewed_at, row.reviewed_by_id = state, now, actor.user_id
        if reason:
            row.return_reason = reason
        _touch(row)
        _event(session, row, actor, "contribution.return" if state == "returned"
               else "contribution.accept", reason)
        session.flush()
        return view(session, kho.settings, actor, target)


def return_contribution(kho: Kho, actor: Actor, unit_code: str, year: Any,
                        reason: Any) -> dict[str, Any]:
    """Send a submitted contribution back to its unit with ``reason`` (required, plain
    text). The contribution as :func:`view`."""
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        raise ValidationError("send plain text", field="reason")
    return _review(kho, actor, unit_code, year, "returned", reason)


def accept_contribution(kho: Kho, actor: Actor, unit_code: str, year: Any) -> dict[str, Any]:
    """Accept a submitted contribution: it is final. The contribution as :func:`view`."""
    return _review(kho, actor, unit_code, year, "accepted")


# state -> words (English; Vietnamese in the message catalogue)
STATE_WORDS = {"missing": "not filed", "draft": "a draft", "submitted": "submitted",
               "returned": "returned", "accepted": "accepted"}

