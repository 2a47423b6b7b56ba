"""Withdrawing a broadcast log that should not count (wrong day, wrong product).

A log is never deleted: it gets ``withdrawn_at`` and ``withdrawn_by`` and the product's
history a ``broadcast.withdraw`` event (who, when, which log), in the same transaction.
From then on it counts nowhere: reports, statistics, lists, the API and the rule that an
aired product cannot be deleted all use :meth:`archive.models.Broadcast.in_force`.

Who may withdraw: whoever wrote the log, on the day (Vietnam's) they wrote it; an admin
at any time (:func:`app.services.broadcasts.log.withdraw_refusal`). Two withdrawals of one
log at once end with one withdrawn log and one event: the update only touches a log
still in force, and the loser is told it was already withdrawn.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.broadcasts.log import (airing_detail, broadcast_view, local_day,
                                         logged_on, withdraw_refusal)
from app.services.catalogue.products import load_product, lock_for_edit
from app.services.common.clock import local_today
from archive.base import fits_id, utcnow
from archive.errors import Conflict, NotFound, PermissionDenied
from archive.models import Broadcast, Event, Unit


def _visible_log(session: Session, actor: Actor, broadcast_id: int) -> Broadcast:
    """The log if ``actor`` may see it (its product visible to them; commune staff:
    their own commune's), else NotFound naming ``id``: another commune's logs are
    that commune's business, and hidden products do not leak through their logs."""
    row = session.get(Broadcast, broadcast_id) if fits_id(broadcast_id) else None
    missing = NotFound("no broadcast log %(id)s", field="id", id=broadcast_id)
    if row is None:
        raise missing
    if actor.role == "commune":
        own = session.get(Unit, actor.commune_id) if actor.commune_id else None
        if own is None or row.commune_id != own.id:     # as on their list
            raise missing
    try:
        load_product(session, actor, row.product_id)
    except NotFound:
        raise missing from None
    return row


def get_broadcast(kho: Kho, actor: Actor, broadcast_id: int) -> dict[str, Any]:
    """One log, withdrawn or not (``withdrawn_at`` says), as :func:`broadcast_view`;
    NotFound when missing or not visible to ``actor``."""
    actor.require("product.view")
    today, zone = local_today(kho.settings), kho.settings.timezone
    with kho.transaction() as session:
        row = _visible_log(session, actor, broadcast_id)
        allowed = row.withdrawn_at is None and withdraw_refusal(actor, row, today, zone) is None
        return broadcast_view(row, allowed)


def withdraw_broadcast(kho: Kho, actor: Actor, broadcast_id: int) -> dict[str, Any]:
    """Withdraw log ``broadcast_id``; the withdrawn log as :func:`broadcast_view`.

    Raises PermissionDenied (role; not the author; the author after the day the log
    was written), NotFound (no such log, or not visible to ``actor``), Conflict naming
    ``id`` when it was already withdrawn (also by a parallel request a moment earlier).
    """
    actor.require("broadcast.log")
    today, zone = local_today(kho.settings), kho.settings.timezone
    with kho.transaction() as session:
        row = _visible_log(session, actor, broadcast_id)
        lock_for_edit(session, actor, row.product_id)   # as logging and deletion do
        session.refresh(row)
        if row.withdrawn_at is not None:
            raise _already(row, zone)
        refusal = withdraw_refusal(actor, row, today, zone)
        if refusal is not None:
            raise PermissionDenied(refusal, field="id",
                                   day=logged_on(row, zone).strftime("%d/%m/%Y"))
        won = session.execute(
            update(Broadcast).where(Broadcast.id == row.id, Broadcast.in_force())
            .values(withdrawn_at=utcnow(), withdrawn_by_id=actor.user_id)
            .execution_options(synchronize_session=False)).rowcount
        if won != 1:                  # a parallel withdrawal committed first
            session.refresh(row)
            raise _already(row, zone)
        session.add(Event(product_id=row.product_id, action="broadcast.withdraw",
                          user_id=actor.user_id,
                          detail=f"log #{row.id} withdrawn: "
                                 f"{airing_detail(row.aired_on, row.commune.code, row.slot)}"))
        session.flush()
        session.refresh(row)
        return broadcast_view(row)


def _already(row: Broadcast, zone: str) -> Conflict:
    day = local_day(row.withdrawn_at, zone).strftime("%d/%m/%Y") if row.withdrawn_at else "?"
    return Conflict("this log was already withdrawn on %(day)s", field="id", day=day)
