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

from datetime import date
from typing import Any, Mapping, Optional

from sqlalchemy import bindparam, inspect, select, text, update
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access import linked
from app.services.common.clock import local_today
from app.services.common.upsert import upsert
from app.services.contributions import rules
from app.services.contributions.contribution_view import current_row, view
from app.services.contributions.target import (OPEN_STATES, Target, require_file,
                                               require_review, resolve)
from archive.base import utcnow
from archive.contributions import (Contribution, ContributionActivity, ContributionEvent,
                                   ContributionProduct)
from archive.errors import Conflict, Message, ValidationError
from config import Settings

def _lock(session: Session, target: Target) -> Contribution:
    """The contribution, created as an empty draft if missing, locked for this
    transaction (see the module docstring)."""
    now = utcnow()
    upsert(session, Contribution, [{
        "unit_id": target.unit.id, "year": target.year, "state": "draft", "results": "",
        "difficulties": "", "proposals": "", "return_reason": "", "version": 0,
        "created_at": now, "updated_at": now}], key=("unit_id", "year"),
        updates={"version": Contribution.version})
    row = current_row(session, target)
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


def _check_products(session: Session, actor: Actor, ids: list[int], today: date) -> None:
    """Every id names a product ``actor`` may see; one it may not is "no product", as
    one that does not exist (:func:`app.services.access.linked.nameable`)."""
    known = linked.nameable(session, actor, ids, today)
    missing = [pid for pid in ids if pid not in known]
    if missing:
        raise ValidationError("no product %(ids)s", field="product_ids",
                              ids=", ".join(map(str, missing)))


def _apply(session: Session, actor: Actor, row: Contribution,
           data: Mapping[str, Any], today: date) -> list[str]:
    """Write the fields present in ``data``; the names of those that changed. Linked
    products ``actor`` may not see stay linked (it was not shown them:
    :func:`app.services.access.linked.kept_links`)."""
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
        old = set(session.scalars(select(getattr(model, column))
                                  .where(model.contribution_id == row.id)))
        if name == "product_ids":
            _check_products(session, actor, ids, today)
            ids = linked.kept_links(sorted(old), ids, linked.hidden(session, actor, old, today))
        else:
            _check_activities(session, ids)
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
        require_file(session, actor, target)
        row = _lock(session, target)
        if row.state not in OPEN_STATES:
            raise _closed(kho.settings, row, target)
        changed = _apply(session, actor, row, data, local_today(kho.settings))
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
        require_file(session, actor, target)
        row = _lock(session, target)
        if row.state not in OPEN_STATES:
            raise _closed(kho.settings, row, target)
        changed = _apply(session, actor, row, data or {}, local_today(kho.settings))
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
        require_review(session, actor, target)
        if state == "returned":
            reason = rules.clean_text("reason", reason)
            if not reason:
                raise ValidationError("say why the contribution is returned", field="reason")
        row = current_row(session, target)
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

