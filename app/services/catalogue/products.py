"""Use cases for products: create, read, update (audited), delete (admin, audited).

Order of effects: database commit first, then the index update is queued, so the
index (derived data) can lag but never points at something the catalogue lacks.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Callable, Collection, Iterable, Optional, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.bootstrap import Kho
from app.services.search import indexing
from app.services.records import tombstones
from app.services.access.actors import Actor, hides_draft
from app.services.access.visibility import (Viewer, embargoed, facts_of, file_clause,
                                            may_see, may_see_file, viewer_for)
from app.services.common.clock import local_today
from app.services.common.row_lock import lock_row
from app.services.catalogue.product_input import TERM_FIELDS, VIETNAM, carried_on, resolve
from app.services.catalogue.access_changes import (access_snapshot, apply_audience,
                                                   harvestable_now)
from archive.base import fits_id, utcnow
from archive.errors import Conflict, NotFound, PermissionDenied, PreconditionFailed
from archive.models import Broadcast, Event, File, Product, ProductChange, Unit, User
from config import Settings

# Events that say what people did with a product and its files. Every other event is
# the archive's own work — processing steps, fixity checks and repairs, replica copies,
# retries — which the history folds away, and leaves out for commune staff
# (:func:`product_history`, :func:`technical_event`).
PEOPLES_EVENTS = ("file.receive", "file.import", "file.remove", "file.replace",
                  "product.import", "ingest.bulk", "broadcast.log", "broadcast.withdraw",
                  "track.add", "track.edit", "track.remove", "file.near_duplicate")
TECHNICAL_EVENTS_HIDDEN_FROM = frozenset({"commune"})   # roles

LOAD = (selectinload(Product.terms), selectinload(Product.communes),
        selectinload(Product.cooperating_units), selectinload(Product.audience_units),
        selectinload(Product.audience_roles), selectinload(Product.consents),
        selectinload(Product.files).selectinload(File.derivatives))


def load_visible(session: Session, actor: Actor, product_id: int,
                 today: Optional[date] = None) -> tuple[Product, Viewer]:
    """The product and the actor's :class:`~app.services.access.visibility.Viewer`
    (``today``: the Vietnamese date the rule reads embargoes and grants against,
    :func:`app.services.common.clock.local_today`; None: today in the default zone),
    if the product exists and the actor may see it (the one rule,
    :func:`~app.services.access.visibility.may_see`).

    A product the actor may not see is not found — closed, embargoed, or a draft
    without any file for the roles search hides those from
    (:func:`~app.services.access.actors.hides_draft`: commune staff) — so its existence
    does not leak; except a restricted one outside its embargo, whose title the
    actor may know so as to ask for access: PermissionDenied (``field="access"``, with
    ``title`` and ``product_id`` in its params for the 403 page's request form).
    Every door reads products through here — page, API, history, downloads,
    derivatives, tracks — so none shows what another hides; a door reading a file
    asks :func:`~app.services.access.visibility.may_see_file` with the viewer too. An
    id no database can hold (a URL with 20 digits) is not found either, rather than an
    overflow in the driver.
    """
    actor.require("product.view")
    product = session.get(Product, product_id, options=LOAD) if fits_id(product_id) else None
    if product is None or hides_draft(actor, product.status, bool(product.files)):
        raise NotFound("no product %(id)s", field="id", id=product_id)
    viewer = viewer_for(session, actor, today or default_today())
    facts = facts_of(product)
    if not may_see(viewer, facts):
        if facts.level == "restricted" and not embargoed(facts, viewer.today):
            raise PermissionDenied("“%(title)s” is shown only to its audience: you may ask "
                                   "the office that owns it for access", field="access",
                                   title=product.title, product_id=product.id)
        raise NotFound("no product %(id)s", field="id", id=product_id)
    return product, viewer


def load_product(session: Session, actor: Actor, product_id: int,
                 today: Optional[date] = None) -> Product:
    """The product, if it exists and ``actor`` may see it: :func:`load_visible`
    (NotFound, or PermissionDenied for a restricted product outside its audience)."""
    return load_visible(session, actor, product_id, today)[0]


def default_today() -> date:
    """Today in Vietnam (the settings' default zone) for a caller without settings."""
    return utcnow().astimezone(ZoneInfo(Settings.timezone)).date()


def visible_file(viewer: Viewer, product: Product, file_id: int) -> File:
    """The file ``file_id`` of the loaded ``product`` (:func:`load_visible`), if
    ``viewer`` may see it (:func:`~app.services.access.visibility.may_see_file`: a file
    may be stricter than its product). NotFound otherwise — the same answer as for a
    file the product does not have, so a URL guessing at a closed file learns
    nothing."""
    found = next((f for f in product.files if f.id == file_id), None)
    if found is None or not may_see_file(viewer, facts_of(product), found.access_level):
        raise NotFound("no file %(file)s in product %(id)s", field="file_id",
                       file=file_id, id=product.id)
    return found


def write_lock(session: Session, product_id: int) -> None:
    """Take one product's write lock for the rest of this transaction (see
    :func:`lock_for_edit`); nothing happens for an id that cannot exist."""
    lock_row(session, Product, product_id)


def lock_for_edit(session: Session, actor: Actor, product_id: int,
                  if_version: Optional[int | Collection[int]] = None) -> Product:
    """Take the product's write lock for this transaction, then load it (as
    :func:`load_product`); PreconditionFailed when ``if_version`` is given and the
    product is at another version.

    Writers of one product are serialised, so each reads what the one before it
    wrote: the audit's "old" values are right and two term-list rewrites cannot both
    insert the same ``product_terms`` row. PostgreSQL: ``SELECT … FOR UPDATE`` on the
    product row (other products stay writable). SQLite has no row locks: a no-op
    UPDATE of the row as the transaction's first statement takes the database's
    write lock (what ``BEGIN IMMEDIATE`` would, for this transaction only); SQLite
    has one writer at a time anyway, so nothing is lost by it.
    """
    write_lock(session, product_id)
    product = load_product(session, actor, product_id)
    allowed = {if_version} if isinstance(if_version, int) else if_version
    if allowed is not None and product.version not in allowed:
        raise PreconditionFailed("product %(id)s was changed by someone else since you "
                                 "opened it (it is at version %(current)s, yours is "
                                 "%(yours)s): nothing was saved; look at the current "
                                 "values and make your change again", field="version",
                                 id=product_id, current=product.version,
                                 yours=", ".join(map(str, sorted(allowed))))
    return product


Child = TypeVar("Child")


def lock_with_child(session: Session, actor: Actor, product_id: int, child_id: int,
                    children: Callable[[Product], Iterable[Child]], missing: NotFound,
                    if_version: Optional[int | Collection[int]] = None
                    ) -> tuple[Product, Child]:
    """Lock the product for an edit (:func:`lock_for_edit`: NotFound, PreconditionFailed)
    and find the row of its ``children`` (its consents, its files) whose id is
    ``child_id``; raises ``missing`` (the caller's NotFound naming the row) when it
    has none."""
    product = lock_for_edit(session, actor, product_id, if_version)
    row = next((c for c in children(product) if c.id == child_id), None)
    if row is None:
        raise missing
    return product, row


def touch(product: Product, actor: Actor) -> None:
    """Record an edit on a locked product: next version, new datestamp, who."""
    product.version = (product.version or 0) + 1
    product.updated_at = utcnow()
    product.updated_by_id = actor.user_id


def _snapshot(p: Product) -> dict[str, Any]:
    """Comparable, JSON-safe values of the editable fields."""
    return {
        "title": p.title, "description": p.description,
        "kind": p.kind.code if p.kind else None,
        "plan_task": p.plan_task.code if p.plan_task else None,
        "lead_unit": p.lead_unit.code if p.lead_unit else None,
        "languages": p.codes_of("language"), "themes": p.codes_of("theme"),
        "conventions": p.codes_of("convention"), "channels": p.codes_of("channel"),
        "communes": sorted(u.code for u in p.communes),
        "cooperating_units": sorted(u.code for u in p.cooperating_units),
        "produced_on": p.produced_on.isoformat() if p.produced_on else None,
        "tags": list(p.tags or []), "rights_note": p.rights_note,
        **access_snapshot(p),
    }


def _apply(p: Product, values: dict[str, Any]) -> None:
    values = dict(values)
    apply_audience(p, values.pop("audience_units", None), values.pop("audience_roles", None))
    multi = {k: v for k, v in values.items() if k in TERM_FIELDS and isinstance(v, list)}
    if multi:
        replaced = {TERM_FIELDS[k] for k in multi}
        p.terms = [t for t in p.terms if t.vocabulary not in replaced]
        for terms in multi.values():
            p.terms.extend(terms)
    for key, value in values.items():
        if key not in multi:
            setattr(p, key, value)
    task = values.get("plan_task")
    if task is not None and p.lead_unit is None and task.lead_unit is not None:
        # The plan names the unit leading each task: a product filed under a task
        # without a lead unit of its own gets the task's (web form, API, manifest) —
        # as it stood on the production date (a unit merged in 2025: its successor).
        day = p.produced_on or utcnow().astimezone(VIETNAM).date()
        p.lead_unit = carried_on(task.lead_unit, day)


def create_product(kho: Kho, actor: Actor, data: dict[str, Any]) -> int:
    """Create a product from metadata; returns its id. ValidationError lists fields."""
    actor.require("product.create")
    with kho.transaction() as session:
        resolved = resolve(session, data, creating=True, today=local_today(kho.settings))
        product = Product(title="", created_by_id=actor.user_id, updated_by_id=actor.user_id,
                          access_level="public")
        _apply(product, resolved.values)
        session.add(product)
        session.flush()
        session.add(ProductChange(product_id=product.id, action="create",
                                  changes={k: [None, v] for k, v in _snapshot(product).items()
                                           if v not in (None, "", [], False)},
                                  user_id=actor.user_id))
        product_id = product.id
        indexing.mark(session, [product_id])
    indexing.queue_flush(kho)
    return product_id


def update_product(kho: Kho, actor: Actor, product_id: int, data: dict[str, Any],
                   *, if_version: Optional[int | Collection[int]] = None) -> dict:
    """Apply a partial update; records field -> [old, new] for what really changed.

    ``if_version`` (the version the client's copy shows: API ``If-Match``, the edit
    form) refuses the update with PreconditionFailed (412) when the product changed
    since; without it the update applies to the current state, serialised with any
    other writer of the product (:func:`lock_for_edit`)."""
    actor.require("product.edit")
    with kho.transaction() as session:
        product = lock_for_edit(session, actor, product_id, if_version)
        today = local_today(kho.settings)
        resolved = resolve(session, data, creating=False, today=today, product=product)
        before = _snapshot(product)
        was_harvestable = harvestable_now(product, today)
        _apply(product, resolved.values)
        after = _snapshot(product)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changes:
            touch(product, actor)
            tombstones.on_access_change(session, product, was_harvestable,
                                        harvestable_now(product, today))
            session.add(ProductChange(product_id=product.id, action="update", changes=changes,
                                      user_id=actor.user_id))
            indexing.mark(session, [product_id])
    if changes:
        indexing.queue_flush(kho)
    return changes


def delete_product(kho: Kho, actor: Actor, product_id: int,
                   *, if_version: Optional[int | Collection[int]] = None) -> None:
    """Delete a product (admin only). Keeps an audit record with the last metadata.

    Originals stay in storage (content-addressed, possibly shared); only the catalogue
    rows go; a product harvesters could see leaves an OAI-PMH tombstone (deleted
    record). A product that communes have logged as aired is refused (Conflict): those
    records count in the yearly report and would go with it.
    """
    if not actor.can("product.delete"):
        raise PermissionDenied("role %(role)s may not delete products", field="role",
                               role=actor.role)
    with kho.transaction() as session:
        product = lock_for_edit(session, actor, product_id, if_version)
        aired = session.scalar(select(func.count(Broadcast.id))       # withdrawn: not
                               .where(Broadcast.product_id == product_id,
                                      Broadcast.in_force()))
        if aired:
            raise Conflict("product %(id)s was logged as aired %(n)s times; those records "
                           "count in the yearly report, so it cannot be deleted",
                           field="id", id=product_id, n=aired)
        snapshot = _snapshot(product)
        snapshot["files"] = [{"id": f.id, "sha256": f.sha256, "key": f.storage_key,
                              "filename": f.original_filename} for f in product.files]
        session.add(ProductChange(product_id=product_id, action="delete",
                                  changes={"deleted": snapshot}, user_id=actor.user_id))
        session.add(Event(product_id=product_id, action="product.delete",
                          user_id=actor.user_id, detail=product.title))
        tombstones.on_delete(session, product,
                             was_public=harvestable_now(product, local_today(kho.settings)))
        session.delete(product)
        indexing.mark(session, [product_id])       # the flush removes it from the index
    indexing.queue_flush(kho)


def product_history(kho: Kho, actor: Actor, product_id: int) -> list[dict]:
    """Edits and provenance events of a product, newest first; ``user`` is the login
    name, ``user_name`` the person's full name (their login name when none is set).

    Commune staff see the broadcast logs of their own commune only (who logged what in
    another commune is that commune's business, as on the broadcast list), and none of
    the archive's technical work (:func:`technical_event`: the rolling fixity audit
    alone adds a line per file every few weeks, which buries what people did). Events
    of a file stricter than its product are left out for who may not see that file
    (:func:`~app.services.access.visibility.may_see_file`): its name is in them.
    """
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id,
                                       local_today(kho.settings))
        facts = facts_of(product)
        hidden = [f.id for f in product.files
                  if not may_see_file(viewer, facts, f.access_level)]
        changes = session.scalars(select(ProductChange).where(
            ProductChange.product_id == product_id).order_by(ProductChange.id.desc()))
        stmt = select(Event).where(Event.product_id == product_id)
        if hidden:
            stmt = stmt.where(or_(Event.file_id.is_(None), Event.file_id.not_in(hidden)))
        if actor.role in TECHNICAL_EVENTS_HIDDEN_FROM:
            stmt = stmt.where(Event.action.in_(PEOPLES_EVENTS))
        if actor.role == "commune":
            stmt = stmt.where(_own_broadcasts_only(session, actor))
        events = _naming_only_visible(session, viewer,
                                      list(session.scalars(stmt.order_by(Event.id.desc()))))
        rows = [{"type": "change", "action": c.action, "changes": c.changes, "at": c.at,
                 "user": c.user.username if c.user else None,
                 "user_name": person_name(c.user)} for c in changes]
        rows += [{"type": "event", "action": e.action, "tool": e.tool,
                  "tool_version": e.tool_version, "outcome": e.outcome, "detail": e.detail,
                  "file_id": e.file_id, "at": e.at,
                  "user": e.user.username if e.user else None,
                  "user_name": person_name(e.user)} for e in events]
    return sorted(rows, key=lambda r: r["at"], reverse=True)


def _naming_only_visible(session: Session, viewer: Viewer, events: list[Event]) -> list[Event]:
    """``events`` less the answers about a near-duplicate (``file.near_duplicate``, whose
    detail names the other product and file) whose other file ``viewer`` may not see:
    a public product's history must not name a closed one."""
    others: dict[int, int] = {}
    for event in events:
        if event.action == "file.near_duplicate":
            try:
                others[event.id] = int(json.loads(event.detail or "{}").get("other_file"))
            except (ValueError, TypeError, AttributeError):
                others[event.id] = 0
    if not others or viewer.sees_all:
        return events
    seen = set(session.scalars(select(File.id).join(Product, Product.id == File.product_id)
                               .where(File.id.in_(set(others.values())),
                                      file_clause(viewer, File, Product))))
    return [e for e in events if e.id not in others or others[e.id] in seen]


def technical_event(action: str) -> bool:
    """Whether an event of ``action`` is the archive's own technical work (processing
    steps, fixity checks and repairs, replica copies, retries) rather than something
    a person did with the product or its files (:data:`PEOPLES_EVENTS`)."""
    return action not in PEOPLES_EVENTS


def person_name(user: Optional[User]) -> Optional[str]:
    """How a person is named to others: their display (full) name, else their login."""
    if user is None:
        return None
    return (user.display_name or "").strip() or user.username


def _own_broadcasts_only(session: Session, actor: Actor):
    """Condition on events: anything but a ``broadcast.log`` or ``broadcast.withdraw``
    of another commune (its detail ends ``"... by <unit code>"``); no broadcast log at
    all without a commune."""
    own = session.get(Unit, actor.commune_id) if actor.commune_id else None
    others = Event.action.not_in(("broadcast.log", "broadcast.withdraw"))
    if own is None:
        return others
    return or_(others, Event.detail.endswith(f" by {own.code}", autoescape=True))
