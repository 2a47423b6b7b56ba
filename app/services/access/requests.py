"""Access requests: a signed-in user asks to see a restricted product; the owning office
grants it until a date or refuses it with a reason (issue 26, part 4).

- **Who may ask**: a signed-in account that may not see a *restricted* product whose
  existence it may learn (not embargoed, not a file-less draft hidden from its role).
  A product it already sees is a 422 (``product_id``); a closed or embargoed product,
  or one that does not exist, is a 404 — the same answer, so a request cannot probe
  for what it may not know. One pending request per account and product (409).
- **Who decides**: the owning office — office and producer accounts whose unit's part
  holds the product's lead unit (the rule's ``owned``,
  :mod:`app.services.access.visibility`) — and admins. Their queue lists the requests
  of the products they own.
- **A grant** runs until ``grant_until`` (the last day it holds, in Vietnam): from today
  to :data:`MAX_GRANT_DAYS` ahead, else 422 naming ``grant_until``. Nothing ends it but
  the date: the rule reads ``grant_until >= today`` (no job). Once it has passed, the
  product is refused again and a new request may be made.
- **A refusal** needs a reason (422 naming ``reason``); the requester reads it on their
  "my requests" page, in Vietnamese (this is how they are told).
- **A withdrawal**: the requester takes back their own pending request.
- **Concurrency**: each change is ``UPDATE … WHERE version = <read> AND status =
  'pending'`` and bumps :attr:`~archive.access.AccessRequest.version`; of two officers
  deciding at once one wins and the other gets a 409 naming ``version`` (on SQLite and
  PostgreSQL alike, no lock held while people think). A client may pass the version it
  read; another is a 409 too. Two asks at once are serialised by the product's row
  lock, so they leave one pending request.
- **Audit**: each change adds an :class:`archive.catalogue.Event` row with the product's
  id, the acting account and action ``access.request`` / ``access.grant`` /
  ``access.refuse`` / ``access.withdraw`` (detail: ``request <id>`` and the date or
  reason). They show in the product's history for the office; the statistics'
  fingerprint leaves ``access.*`` events out (:mod:`app.services.stats.cache`): a
  request changes no figure.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, selectinload

from app.bootstrap import Kho
from app.services.access.actors import Actor, hides_draft
from app.services.access.visibility import (OWNING_ROLES, Viewer, embargoed, facts_of,
                                            may_see, viewer_for)
from app.services.common.clock import iso_datetime, local_today
from app.services.common.parameters import date_error, parse_date
from app.services.common.row_lock import lock_row
from archive.access import AccessRequest
from archive.accounts import User
from archive.base import fits_id, utcnow
from archive.catalogue import Event, File, Product
from archive.errors import Conflict, NotFound, PermissionDenied, ValidationError

MAX_GRANT_DAYS = 366      # a grant holds at most about a year from today
REASON_LIMIT = 2000       # characters of a reason (the request's or the refusal's)
DECIDING_ROLES = frozenset({"admin", "system"}) | OWNING_ROLES
ACTIONS = ("access.request", "access.grant", "access.refuse", "access.withdraw")
_LOAD = (selectinload(Product.audience_units), selectinload(Product.audience_roles))


def may_decide(actor: Optional[Actor]) -> bool:
    """Whether ``actor``'s role may hold a queue at all (which requests are its own
    is the products' lead units: :func:`queue`). For menus: no query."""
    return actor is not None and actor.role in DECIDING_ROLES


def _reason(value: Any, field: str = "reason") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError("a reason is required", field=field)
    if len(text) > REASON_LIMIT:
        raise ValidationError("the reason is longer than %(n)s characters", field=field,
                              n=REASON_LIMIT)
    return text


def _existence_hidden(session: Session, actor: Actor, viewer: Viewer, product: Product) -> bool:
    """Whether ``actor`` may not even learn that the product exists (404 for it)."""
    facts = facts_of(product)
    if may_see(viewer, facts):
        return False
    has_files = session.scalar(select(exists().where(File.product_id == product.id)))
    return product.access_level != "restricted" or embargoed(facts, viewer.today) \
        or hides_draft(actor, product.status, bool(has_files))


def _product(session: Session, product_id: int) -> Optional[Product]:
    return session.get(Product, product_id, options=_LOAD) if fits_id(product_id) else None


def _audit(session: Session, actor: Actor, row: AccessRequest, action: str, detail: str) -> None:
    session.add(Event(product_id=row.product_id, action=action, user_id=actor.user_id,
                      detail=f"request {row.id}: {detail}"[:2000]))


def ask(kho: Kho, actor: Actor, product_id: int, reason: Any) -> dict[str, Any]:
    """Ask to see ``product_id``, saying why. The new request as :func:`request_json`.

    404 for a product ``actor`` may not learn of; 422 naming ``product_id`` when it
    already sees it, naming ``reason`` for a missing or too long reason; 409 naming
    ``product_id`` when a request of theirs for it is already pending."""
    actor.require("product.view")
    if actor.user_id is None:
        raise ValidationError("only a signed-in account may ask for access", field="product_id")
    text = _reason(reason)
    today = local_today(kho.settings)
    with kho.transaction() as session:
        lock_row(session, Product, product_id)     # two asks at once: one request
        product = _product(session, product_id)
        viewer = viewer_for(session, actor, today)
        if product is None or _existence_hidden(session, actor, viewer, product):
            raise NotFound("no product %(id)s", field="id", id=product_id)
        if may_see(viewer, facts_of(product)):
            raise ValidationError("you may already see this product: there is nothing "
                                  "to ask for", field="product_id")
        pending = session.scalar(select(AccessRequest.id).where(
            AccessRequest.requester_id == actor.user_id,
            AccessRequest.product_id == product_id, AccessRequest.status == "pending"))
        if pending is not None:
            raise Conflict("your request %(id)s for this product is still waiting for a "
                           "decision", field="product_id", id=pending)
        row = AccessRequest(product_id=product_id, requester_id=actor.user_id, reason=text,
                            status="pending", version=1)
        session.add(row)
        session.flush()
        _audit(session, actor, row, "access.request", text)
        return _json(row, product, session.get(User, actor.user_id), None, today)


def _json(row: AccessRequest, product: Optional[Product], requester: Optional[User],
          decider: Optional[User], today: date, title_shown: bool = True) -> dict[str, Any]:
    def name(user: Optional[User]) -> Optional[str]:
        return None if user is None else (user.display_name or "").strip() or user.username
    return {
        "id": row.id, "product_id": row.product_id,
        "product_title": product.title if product is not None and title_shown else None,
        "requester": requester.username if requester else None,
        "requester_name": name(requester),
        "reason": row.reason, "status": row.status,
        "grant_until": row.grant_until.isoformat() if row.grant_until else None,
        "active": row.status == "granted" and row.grant_until is not None
        and row.grant_until >= today,
        "decision_reason": row.decision_reason or "",
        "decided_by": decider.username if decider else None,
        "decided_by_name": name(decider),
        "decided_at": iso_datetime(row.decided_at), "created_at": iso_datetime(row.created_at),
        "version": row.version}


def _rows(session: Session, stmt, today: date, viewer: Optional[Viewer] = None,
          actor: Optional[Actor] = None) -> list[dict[str, Any]]:
    rows = list(session.scalars(stmt.order_by(AccessRequest.id.desc())))
    products = {p.id: p for p in session.scalars(
        select(Product).where(Product.id.in_({r.product_id for r in rows})).options(*_LOAD))}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        {r.requester_id for r in rows} | {r.decided_by_id for r in rows if r.decided_by_id})))}
    out = []
    for row in rows:
        product = products.get(row.product_id)
        # a product closed since the request: its requester no longer learns its title
        shown = viewer is None or (product is not None
                                   and not _existence_hidden(session, actor, viewer, product))
        out.append(_json(row, product, users.get(row.requester_id),
                         users.get(row.decided_by_id), today, shown))
    return out


def my_requests(kho: Kho, actor: Actor) -> list[dict[str, Any]]:
    """``actor``'s own requests, newest first (every status)."""
    if actor.user_id is None:
        return []
    today = local_today(kho.settings)
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, today)
        return _rows(session, select(AccessRequest).where(
            AccessRequest.requester_id == actor.user_id), today, viewer, actor)


def _owned_clause(viewer: Viewer):
    if viewer.sees_all:
        return None
    return Product.lead_unit_id.in_(sorted(viewer.owned))


def queue(kho: Kho, actor: Actor, status: Optional[str] = "pending") -> list[dict[str, Any]]:
    """The requests for the products ``actor`` decides on (its office's part; all for
    an admin), newest first; ``status`` one of the request statuses, or None for all.
    403 for a role that decides nothing; 422 naming ``status`` for an unknown one."""
    if not may_decide(actor):
        raise PermissionDenied("only the office that owns a product decides on requests to "
                               "see it", field="queue")
    if status is not None and status not in ("pending", "granted", "refused", "withdrawn"):
        raise ValidationError("unknown status %(value)s", field="status", value=status)
    today = local_today(kho.settings)
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, today)
        stmt = select(AccessRequest).join(Product, Product.id == AccessRequest.product_id)
        owned = _owned_clause(viewer)
        if owned is not None:
            stmt = stmt.where(owned)
        if status is not None:
            stmt = stmt.where(AccessRequest.status == status)
        return _rows(session, stmt, today)


def waiting_count(kho: Kho, actor: Optional[Actor]) -> int:
    """How many pending requests wait in ``actor``'s queue (0 for a role that decides
    nothing), for the menu: the units table and one count."""
    if actor is None or not may_decide(actor):
        return 0
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, local_today(kho.settings))
        stmt = select(func.count()).select_from(AccessRequest).join(
            Product, Product.id == AccessRequest.product_id).where(
            AccessRequest.status == "pending")
        owned = _owned_clause(viewer)
        return session.scalar(stmt if owned is None else stmt.where(owned)) or 0


def has_requests(kho: Kho, actor: Optional[Actor]) -> bool:
    """Whether ``actor`` ever asked for access (the header links "my requests" only
    then: on a phone every header link is a row). One indexed query."""
    if actor is None or actor.user_id is None:
        return False
    with kho.transaction() as session:
        return session.scalar(select(AccessRequest.id).where(
            AccessRequest.requester_id == actor.user_id).limit(1)) is not None


def pending_for(kho: Kho, actor: Optional[Actor], product_id: int) -> Optional[int]:
    """The id of ``actor``'s pending request for ``product_id`` (None: none), so the
    403 page says it waits instead of offering the form again. One indexed query."""
    if actor is None or actor.user_id is None or not fits_id(product_id):
        return None
    with kho.transaction() as session:
        return session.scalar(select(AccessRequest.id).where(
            AccessRequest.requester_id == actor.user_id,
            AccessRequest.product_id == product_id, AccessRequest.status == "pending"))


def decided_since(kho: Kho, actor: Optional[Actor], since: Optional[datetime]) -> int:
    """How many of ``actor``'s requests were granted or refused after ``since`` (None:
    in the last 14 days), for the page header's notice. One indexed query."""
    if actor is None or actor.user_id is None:
        return 0
    floor = utcnow() - timedelta(days=14)
    if since is not None:
        floor = max(floor, since if since.tzinfo else since.replace(tzinfo=timezone.utc))
    with kho.transaction() as session:
        return len(session.scalars(select(AccessRequest.id).where(
            AccessRequest.requester_id == actor.user_id,
            AccessRequest.status.in_(("granted", "refused")),
            AccessRequest.decided_at > floor)).all())


def _load(session: Session, actor: Actor, request_id: int, today: date, *,
          deciding: bool) -> AccessRequest:
    """The request, if ``actor`` may act on it: its requester (``deciding`` False) or
    the owning office (True). 404 otherwise, so ids cannot be probed."""
    row = session.get(AccessRequest, request_id) if fits_id(request_id) else None
    if row is not None:
        if not deciding and row.requester_id == actor.user_id and actor.user_id is not None:
            return row
        if deciding and may_decide(actor):
            viewer = viewer_for(session, actor, today)
            product = session.get(Product, row.product_id)
            if product is not None and (viewer.sees_all or product.lead_unit_id in viewer.owned):
                return row
    raise NotFound("no access request %(id)s", field="id", id=request_id)


def _change(session: Session, row: AccessRequest, version: Optional[int],
            values: dict[str, Any]) -> None:
    """Move a pending request on, if nobody did first (409 naming ``version``)."""
    expected = row.version if version is None else version
    if row.status != "pending" and version is None:
        raise Conflict("request %(id)s was already decided or withdrawn: nothing was "
                       "saved", field="version", id=row.id)
    done = session.execute(update(AccessRequest).where(
        AccessRequest.id == row.id, AccessRequest.version == expected,
        AccessRequest.status == "pending").values(version=AccessRequest.version + 1, **values)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Conflict("someone else decided on request %(id)s at the same time (or it "
                       "was withdrawn): nothing was saved; look at it again", field="version",
                       id=row.id)
    session.refresh(row)


def _version(value: Any) -> Optional[int]:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("the version must be a whole number", field="version") from None


def grant(kho: Kho, actor: Actor, request_id: int, until: Any, *,
          version: Any = None, note: Any = "") -> dict[str, Any]:
    """Grant a pending request until ``until`` (ISO or dd/mm/yyyy; the last day it
    holds). 422 naming ``grant_until`` for a missing, malformed or past date or one
    more than :data:`MAX_GRANT_DAYS` ahead; 409 naming ``version`` when it is no longer
    pending (another officer, a withdrawal); 404 outside the office's part."""
    today = local_today(kho.settings)
    try:
        day = parse_date(until)
    except ValueError:
        raise ValidationError("the last day of the grant: %(problem)s", field="grant_until",
                              problem=date_error(until)) from None
    if day is None:
        raise ValidationError("a last day of the grant is required", field="grant_until")
    if day < today:
        raise ValidationError("the grant cannot end in the past", field="grant_until")
    if day > today + timedelta(days=MAX_GRANT_DAYS):
        raise ValidationError("a grant holds at most %(n)s days: choose a date until "
                              "%(last)s", field="grant_until", n=MAX_GRANT_DAYS,
                              last=(today + timedelta(days=MAX_GRANT_DAYS)).strftime("%d/%m/%Y"))
    text = note.strip()[:REASON_LIMIT] if isinstance(note, str) else ""
    wanted = _version(version)
    with kho.transaction() as session:
        row = _load(session, actor, request_id, today, deciding=True)
        _change(session, row, wanted, {"status": "granted", "grant_until": day,
                                       "decision_reason": text, "decided_by_id": actor.user_id,
                                       "decided_at": utcnow()})
        _audit(session, actor, row, "access.grant", f"until {day.isoformat()}"
               + (f"; {text}" if text else ""))
        return _one(session, row, today)


def refuse(kho: Kho, actor: Actor, request_id: int, reason: Any, *,
           version: Any = None) -> dict[str, Any]:
    """Refuse a pending request, saying why (422 naming ``reason`` without one); 409
    and 404 as :func:`grant`."""
    text = _reason(reason)
    wanted = _version(version)
    today = local_today(kho.settings)
    with kho.transaction() as session:
        row = _load(session, actor, request_id, today, deciding=True)
        _change(session, row, wanted, {"status": "refused", "decision_reason": text,
                                       "decided_by_id": actor.user_id, "decided_at": utcnow()})
        _audit(session, actor, row, "access.refuse", text)
        return _one(session, row, today)


def withdraw(kho: Kho, actor: Actor, request_id: int, *, version: Any = None) -> dict[str, Any]:
    """The requester takes back a pending request (409 once decided; 404 for another's)."""
    wanted = _version(version)
    today = local_today(kho.settings)
    with kho.transaction() as session:
        row = _load(session, actor, request_id, today, deciding=False)
        _change(session, row, wanted, {"status": "withdrawn"})
        _audit(session, actor, row, "access.withdraw", "withdrawn")
        return _one(session, row, today)


def get_request(kho: Kho, actor: Actor, request_id: int) -> dict[str, Any]:
    """One request, for its requester or the office that decides it (404 otherwise)."""
    today = local_today(kho.settings)
    with kho.transaction() as session:
        row = session.get(AccessRequest, request_id) if fits_id(request_id) else None
        if row is None or row.requester_id != actor.user_id or actor.user_id is None:
            row = _load(session, actor, request_id, today, deciding=True)
        return _one(session, row, today)


def _one(session: Session, row: AccessRequest, today: date) -> dict[str, Any]:
    return _json(row, session.get(Product, row.product_id), session.get(User, row.requester_id),
                 session.get(User, row.decided_by_id) if row.decided_by_id else None, today)
