"""Use cases of the activities register: record, read, list, edit, delete, history.

Who: every signed-in role reads activities (``activity.view``: counts per group, never
names of people — those are :data:`PEOPLE_ACTION` and live in the attendance tables);
producers, office and admin accounts record them (``activity.record``); office and
admin accounts delete them (``activity.delete``). A unit-scoped account (an office or
commune account with a unit, :mod:`app.services.access.unit_scope`) sees an activity
when its organiser or one of its communes is in the account's units, and records only
activities organised within them; an activity outside is "not found" (its existence
does not leak). A linked product the reader may not see (the one access rule,
:mod:`app.services.access.linked`) is not named on what it reads — activity, list,
history — only counted; a writer links only products it may see and keeps, when it
replaces the list, the links it was not shown.

Every change is audited as products' are: :class:`archive.activities.ActivityChange`
rows hold field -> [old, new] (create, update, delete, evidence added or removed), read
by :func:`activity_history`. Edits are serialised per activity and carry a version
(the API's ETag, the edit form's hidden field): a stale version is refused with
PreconditionFailed and nothing is saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Collection, Iterable, Optional

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.bootstrap import Kho
from app.services.common.row_lock import lock_row
from app.services.access import linked
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units
from app.services.activities.activity_input import resolve
from app.services.catalogue.products import person_name
from app.services.common.clock import local_today
from archive.activities import (Activity, ActivityChange, ActivityCommune,
                                ActivityParticipantCount, ActivityProduct)
from archive.base import fits_id, utcnow
from archive.errors import NotFound, PermissionDenied, PreconditionFailed, ValidationError
from archive.models import Term, Unit
from archive.text import fold

PEOPLE_ACTION = "activity.view_people"
LOAD = (selectinload(Activity.communes).selectinload(ActivityCommune.unit),
        selectinload(Activity.counts).selectinload(ActivityParticipantCount.target_group),
        selectinload(Activity.products).selectinload(ActivityProduct.product),
        selectinload(Activity.evidence), selectinload(Activity.kind),
        selectinload(Activity.organiser), selectinload(Activity.plan_task))
PAGE_SIZE = 50
MAX_PAGE = 100_000


def in_scope(units: Optional[frozenset[int]]):
    """Condition on activities: organised by, or held in, one of ``units`` (None:
    every activity)."""
    if units is None:
        return None
    return or_(Activity.organiser_id.in_(units),
               exists().where(ActivityCommune.activity_id == Activity.id,
                              ActivityCommune.unit_id.in_(units)))


def sees(session: Session, actor: Actor, activity: Activity) -> bool:
    """Whether ``actor``'s units hold ``activity`` (organiser or a commune)."""
    units = actor_units(session, actor)
    return units is None or activity.organiser_id in units or any(
        c.unit_id in units for c in activity.communes)


def may_see_people(session: Session, actor: Actor, activity: Activity) -> bool:
    """Whether ``actor`` may see the names, positions and ethnic groups of the
    activity's participants: an office or admin account (browser or API token) whose
    units hold the activity. Everyone else sees counts only."""
    return actor.can(PEOPLE_ACTION) and sees(session, actor, activity)


def load_activity(session: Session, actor: Actor, activity_id: int) -> Activity:
    """The activity if it exists and ``actor`` may see it; NotFound otherwise."""
    actor.require("activity.view")
    activity = session.get(Activity, activity_id, options=LOAD) if fits_id(activity_id) else None
    if activity is None or not sees(session, actor, activity):
        raise NotFound("no activity %(id)s", field="id", id=activity_id)
    return activity


def lock_for_edit(session: Session, actor: Actor, activity_id: int,
                  if_version: Optional[int | Collection[int]] = None) -> Activity:
    """Lock, load and check the version; PreconditionFailed when it moved on."""
    lock_row(session, Activity, activity_id)
    activity = load_activity(session, actor, activity_id)
    allowed = {if_version} if isinstance(if_version, int) else if_version
    if allowed is not None and activity.version not in allowed:
        raise PreconditionFailed("activity %(id)s was changed by someone else since you "
                                 "opened it (it is at version %(current)s, yours is "
                                 "%(yours)s): nothing was saved; look at the current "
                                 "values and make your change again", field="version",
                                 id=activity_id, current=activity.version,
                                 yours=", ".join(map(str, sorted(allowed))))
    return activity


def snapshot(a: Activity) -> dict[str, Any]:
    """Comparable, JSON-safe values of the editable fields (the audit's words)."""
    return {
        "kind": a.kind.code if a.kind else None, "title": a.title,
        "starts_on": a.starts_on.isoformat() if a.starts_on else None,
        "ends_on": a.ends_on.isoformat() if a.ends_on else None,
        "organiser": a.organiser.code if a.organiser else None,
        "communes": sorted(c.unit.code for c in a.communes),
        "plan_task": a.plan_task.code if a.plan_task else None,
        "place": a.place, "description": a.description,
        "participants": sorted([c.target_group.code, c.total, c.women, c.ethnic_minority]
                               for c in a.counts),
        "products": sorted([p.product_id, p.use] for p in a.products),
    }


def _apply(session: Session, a: Activity, values: dict[str, Any]) -> None:
    for name in ("title", "place", "description", "kind", "plan_task", "organiser",
                 "starts_on", "ends_on"):
        if name in values:
            setattr(a, name, values[name])
    if "communes" in values:
        a.communes = [ActivityCommune(unit=u) for u in dict.fromkeys(values["communes"])]
    if "participants" in values:
        a.counts = []
        session.flush()      # the old rows go before new ones take their keys
        a.counts = [ActivityParticipantCount(target_group=t, total=n, women=w,
                                             ethnic_minority=m)
                    for t, n, w, m in values["participants"]]
    if "products" in values:
        a.products = []
        session.flush()
        a.products = [ActivityProduct(product_id=p, use=u) for p, u in values["products"]]


def _keep_hidden(session: Session, actor: Actor, activity: Activity,
                 new: list[tuple[int, str]], today: date) -> list[tuple[int, str]]:
    """``new`` links plus the activity's links to products ``actor`` may not see: a
    writer cannot remove what it was not shown
    (:func:`app.services.access.linked.kept_links`)."""
    old = [(p.product_id, p.use) for p in activity.products]
    unseen = linked.hidden(session, actor, {pid for pid, _ in old}, today)
    return list(dict.fromkeys(list(new) + [pair for pair in old if pair[0] in unseen]))


def mark_hidden(session: Session, actor: Actor, activities: Iterable[Activity],
                today: date) -> None:
    """Set ``hidden_products`` on each activity: the ids of its linked products
    ``actor`` may not see (:mod:`app.services.access.linked`), which the doors do not
    name (:func:`app.services.activities.activity_record.as_record`, the pages)."""
    rows = list(activities)
    unseen = linked.hidden(session, actor, {p.product_id for a in rows for p in a.products},
                           today)
    for a in rows:
        a.hidden_products = frozenset(p.product_id for p in a.products
                                      if p.product_id in unseen)


def _redact(changes: dict, unseen: frozenset[int]) -> dict:
    """An audit row's changes without the links to products the reader may not see
    (``products`` is ``[old, new]``, each a list of ``[product_id, use]`` or None);
    the key goes when nothing the reader may see changed."""
    if "products" not in changes or not unseen:
        return changes
    old, new = (None if v is None else [p for p in v if p[0] not in unseen]
                for v in changes["products"])
    out = {k: v for k, v in changes.items() if k != "products"}
    if old != new:
        out["products"] = [old, new]
    return out


def _require_organiser_in_scope(session: Session, actor: Actor, activity: Activity) -> None:
    """A unit-scoped account records only activities its units organise or host."""
    units = actor_units(session, actor)
    if units is None:
        return
    mine = (activity.organiser is not None and activity.organiser.id in units) or any(
        c.unit is not None and c.unit.id in units for c in activity.communes)
    if not mine:
        own = session.get(Unit, actor.unit_id)
        raise PermissionDenied("%(unit)s is outside the part of %(own)s: this account sees "
                               "only its unit's work", field="organiser",
                               unit=activity.organiser.name if activity.organiser else "—",
                               own=own.name if own else str(actor.unit_id))


def create_activity(kho: Kho, actor: Actor, data: dict[str, Any]) -> int:
    """Record an activity; returns its id. ValidationError names every bad field."""
    actor.require("activity.record")
    with kho.transaction() as session:
        values = resolve(session, data, creating=True, today=local_today(kho.settings),
                         actor=actor).values
        activity = Activity(title="", created_by_id=actor.user_id, updated_by_id=actor.user_id)
        _apply(session, activity, values)
        _require_organiser_in_scope(session, actor, activity)
        session.add(activity)
        session.flush()
        session.add(ActivityChange(activity_id=activity.id, action="create",
                                   changes={k: [None, v] for k, v in snapshot(activity).items()
                                            if v not in (None, "", [])},
                                   user_id=actor.user_id))
        return activity.id


def update_activity(kho: Kho, actor: Actor, activity_id: int, data: dict[str, Any], *,
                    if_version: Optional[int | Collection[int]] = None) -> dict:
    """Apply a partial update; returns field -> [old, new] of what really changed."""
    actor.require("activity.record")
    with kho.transaction() as session:
        activity = lock_for_edit(session, actor, activity_id, if_version)
        _require_organiser_in_scope(session, actor, activity)
        values = resolve(session, data, creating=False, today=local_today(kho.settings),
                         current=(activity.starts_on, activity.ends_on),
                         current_units=([c.unit for c in activity.communes],
                                        activity.organiser), actor=actor).values
        if "products" in values:
            values["products"] = _keep_hidden(session, actor, activity, values["products"],
                                              local_today(kho.settings))
        before = snapshot(activity)
        _apply(session, activity, values)
        _require_organiser_in_scope(session, actor, activity)
        after = snapshot(activity)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if "starts_on" in changes and before["starts_on"][:4] != after["starts_on"][:4]:
            _recount_people(session, activity_id)     # trained in another year now
        if changes:
            activity.version = (activity.version or 0) + 1
            activity.updated_at = utcnow()
            activity.updated_by_id = actor.user_id
            session.add(ActivityChange(activity_id=activity_id, action="update",
                                       changes=changes, user_id=actor.user_id))
    return changes


def delete_activity(kho: Kho, actor: Actor, activity_id: int, *,
                    if_version: Optional[int | Collection[int]] = None) -> None:
    """Delete an activity (office, admin); the audit keeps its last values and its
    evidence files' checksums. The evidence objects stay in storage (content-addressed,
    possibly shared), as a deleted product's originals do."""
    actor.require("activity.delete")
    with kho.transaction() as session:
        activity = lock_for_edit(session, actor, activity_id, if_version)
        _require_organiser_in_scope(session, actor, activity)
        last = snapshot(activity)
        last["evidence"] = [{"id": e.id, "sha256": e.sha256, "key": e.storage_key,
                             "filename": e.original_filename} for e in activity.evidence]
        session.add(ActivityChange(activity_id=activity_id, action="delete",
                                   changes={"deleted": last}, user_id=actor.user_id))
        people = _people_of(session, activity_id)
        session.delete(activity)                 # its attendances go with it (cascade)
        session.flush()
        _recount_people(session, activity_id, people)


def _people_of(session: Session, activity_id: int) -> list[int]:
    """Ids of the people on the activity's attendance list (personal data stays here)."""
    from archive.people import Attendance

    return list(session.scalars(select(Attendance.person_id)
                                .where(Attendance.activity_id == activity_id)))


def _recount_people(session: Session, activity_id: int,
                    people: Optional[list[int]] = None) -> None:
    """Keep the people figures (:mod:`app.services.activities.people_ledger`) right
    after the activity's year changed or it was deleted: its participants are counted
    again from the attendances that remain."""
    from app.services.activities.people_ledger import recount

    session.flush()
    recount(session, _people_of(session, activity_id) if people is None else people)


def activity_history(kho: Kho, actor: Actor, activity_id: int) -> list[dict]:
    """The activity's audit trail, newest first: action, changes, who (login and full
    name), when. Links to products ``actor`` may not see are left out of the changes."""
    with kho.transaction() as session:
        load_activity(session, actor, activity_id)
        rows = list(session.scalars(select(ActivityChange).where(
            ActivityChange.activity_id == activity_id).order_by(ActivityChange.id.desc())))
        ids = {p[0] for c in rows for v in (c.changes or {}).get("products") or () if v
               for p in v}
        unseen = linked.hidden(session, actor, ids, local_today(kho.settings))
        return [{"action": c.action, "changes": _redact(c.changes or {}, unseen), "at": c.at,
                 "user": c.user.username if c.user else None,
                 "user_name": person_name(c.user)} for c in rows]


@dataclass(frozen=True)
class ActivityFilter:
    """What a list asks for (every part optional): words in title, description or
    place (diacritics folded), kind code, plan task code, a unit (organiser or
    commune), a year, or a span of days the activity overlaps."""

    q: str = ""
    kind: str = ""
    plan_task: str = ""
    unit: str = ""
    year: Optional[int] = None
    since: Optional[date] = None
    until: Optional[date] = None


def _filtered(session: Session, actor: Actor, f: ActivityFilter) -> Select:
    stmt = select(Activity)
    scope = in_scope(actor_units(session, actor))
    if scope is not None:
        stmt = stmt.where(scope)
    if f.kind:
        stmt = stmt.join(Term, Term.id == Activity.kind_id).where(Term.code == f.kind)
    if f.plan_task:
        task = select(Term.id).where(Term.vocabulary == "plan_task", Term.code == f.plan_task)
        stmt = stmt.where(Activity.plan_task_id.in_(task))
    if f.unit:
        unit = select(Unit.id).where(Unit.code == f.unit).scalar_subquery()
        stmt = stmt.where(or_(Activity.organiser_id == unit, exists().where(
            ActivityCommune.activity_id == Activity.id, ActivityCommune.unit_id == unit)))
    if f.year:
        stmt = stmt.where(Activity.starts_on <= date(f.year, 12, 31),
                          Activity.ends_on >= date(f.year, 1, 1))
    if f.since:
        stmt = stmt.where(Activity.ends_on >= f.since)
    if f.until:
        stmt = stmt.where(Activity.starts_on <= f.until)
    return stmt


def _matches(activity: Activity, words: list[str]) -> bool:
    text = fold(" ".join((activity.title, activity.description or "", activity.place or "")))
    return all(w in text for w in words)


@dataclass
class ActivityPage:
    items: list[Activity]
    total: int
    page: int
    per_page: int


def list_activities(kho: Kho, actor: Actor, f: ActivityFilter = ActivityFilter(), *,
                    page: int = 1, per_page: int = PAGE_SIZE) -> ActivityPage:
    """Activities ``actor`` may see that match ``f``, newest first, one page.

    Words are matched on the folded text (no diacritics, any case: "tap huan" finds
    "Tập huấn") of title, description and place, in Python over the rows the SQL
    filters leave: a register holds hundreds of activities a year, not the hundreds of
    thousands of products the Whoosh index is for (see the search door's docstring).
    Detached rows are returned with their kind, organiser and counts loaded, and
    ``hidden_products`` set (:func:`mark_hidden`)."""
    actor.require("activity.view")
    for name, value, low, high in (("page", page, 1, MAX_PAGE), ("per_page", per_page, 1, 500),
                                   ("year", f.year, 1900, 2999)):
        if value is not None and not low <= value <= high:
            raise ValidationError("must be between %(low)s and %(high)s", field=name,
                                  low=low, high=high)
    words = fold(f.q).split()
    with kho.transaction() as session:
        stmt = _filtered(session, actor, f).options(*LOAD).order_by(
            Activity.starts_on.desc(), Activity.id.desc())
        if words:
            rows = [a for a in session.scalars(stmt) if _matches(a, words)]
            total = len(rows)
            items = rows[(page - 1) * per_page: page * per_page]
        else:
            total = session.scalar(select(func.count()).select_from(
                _filtered(session, actor, f).subquery())) or 0
            items = list(session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
        mark_hidden(session, actor, items, local_today(kho.settings))
        session.expunge_all()
    return ActivityPage(items, total, page, per_page)


def get_activity(kho: Kho, actor: Actor, activity_id: int) -> tuple[Activity, bool]:
    """The activity (detached, fully loaded; ``hidden_products`` as
    :func:`mark_hidden`) and whether ``actor`` may see its people."""
    with kho.transaction() as session:
        activity = load_activity(session, actor, activity_id)
        people = may_see_people(session, actor, activity)
        mark_hidden(session, actor, [activity], local_today(kho.settings))
        session.expunge_all()
    return activity, people
