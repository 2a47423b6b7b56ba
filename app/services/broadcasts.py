"""Broadcast log: evidence that a product was aired on a commune's radio on a date.

Commune staff log for their own commune; an admin may log for any commune. Each log
adds a provenance Event ``broadcast.log``. The yearly report counts these rows, so the
same product, commune and day is logged once (a second try is a Conflict).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.actors import Actor
from app.services.product_input import EARLIEST_YEAR, parse_date
from app.services.products import load_product
from app.services.views import iso_datetime, local_today, unit_view
from archive.errors import Conflict, PermissionDenied, ValidationError
from archive.models import Broadcast, Event, Product, Unit
from archive.text import normalize_text

MAX_NOTE = 1000        # characters
_YEAR_ONLY = re.compile(r"\s*\d{4}\s*")


def _aired_on(value: Any, today: date) -> date:
    """A full date (ISO or dd/mm/yyyy), not in the future; ValidationError naming it."""
    if value in (None, ""):
        raise ValidationError("the broadcast date is required", field="aired_on")
    if isinstance(value, str) and _YEAR_ONLY.fullmatch(value):
        raise ValidationError("give the full date (dd/mm/yyyy), not only the year",
                              field="aired_on")
    try:
        day = parse_date(value)
    except ValueError:
        raise ValidationError("not a date: %(value)s (use dd/mm/yyyy)", field="aired_on",
                              value=str(value)) from None
    if day > today:
        raise ValidationError("%(day)s is in the future", field="aired_on",
                              day=day.strftime("%d/%m/%Y"))
    if day.year < EARLIEST_YEAR:         # 01/01/0001: a typo, not an airing
        raise ValidationError("%(day)s is before %(first)d: check the year",
                              field="aired_on", first=EARLIEST_YEAR,
                              day=f"{day.day:02d}/{day.month:02d}/{day.year:04d}")
    return day


def _find_commune(session: Session, code: str, day: Optional[date] = None) -> Optional[Unit]:
    """A commune by unit code, or by GSO code: the one holding it on ``day`` if any
    (old and new communes may share a GSO code), else today's."""
    unit = session.scalar(select(Unit).where(Unit.code == code, Unit.level == "commune"))
    if unit is None and code.isdigit():
        units = list(session.scalars(select(Unit).where(Unit.gso_code == code,
                                                        Unit.level == "commune")))
        on_day = [u for u in units if day is not None and u.valid_on(day)]
        current = [u for u in units if u.valid_to is None]
        unit = (on_day or current or [None])[0]
    return unit


def _commune_for(session: Session, actor: Actor, code: Optional[str], day: date,
                 today: date) -> Unit:
    """The commune a log is for: the actor's own, or (admin) the one named by ``code``."""
    code = normalize_text(code or "")
    if actor.role == "commune":
        own = session.get(Unit, actor.commune_id) if actor.commune_id else None
        if own is None:
            raise PermissionDenied("this account is not linked to a commune", field="commune")
        if code and code not in (own.code, own.gso_code):
            raise PermissionDenied("commune staff log broadcasts for their own commune only",
                                   field="commune")
        return own if own.valid_on(day) else own.current()
    if not code:
        raise ValidationError("name the commune that aired the product", field="commune")
    unit = _find_commune(session, code, day)
    if unit is None:
        raise ValidationError("unknown commune code %(code)s", field="commune", code=code)
    if unit.valid_from is not None and day < unit.valid_from:
        raise ValidationError("commune %(name)s (%(code)s) did not exist yet on %(day)s",
                              field="commune", name=unit.name, code=unit.code,
                              day=day.strftime("%d/%m/%Y"))
    if not (unit.valid_on(today) or unit.valid_on(day)):
        raise ValidationError("commune %(name)s no longer exists; use %(successor)s",
                              field="commune", name=unit.name, successor=unit.current().code)
    return unit


def broadcast_view(b: Broadcast) -> dict[str, Any]:
    return {"id": b.id, "product_id": b.product_id,
            "product_title": b.product.title if b.product else None,
            "commune": unit_view(b.commune), "aired_on": b.aired_on.isoformat(),
            "note": b.note, "logged_by": b.logged_by.username if b.logged_by else None,
            "created_at": iso_datetime(b.created_at)}


LOG_FIELDS = ("aired_on", "commune", "note")


def log_broadcast_data(kho: Kho, actor: Actor, product_id: int,
                       data: dict[str, Any]) -> dict[str, Any]:
    """:func:`log_broadcast` from a request's fields (``aired_on``, ``commune``,
    ``note``); ValidationError naming each unknown field, so a typo is never ignored."""
    unknown = sorted(set(data) - set(LOG_FIELDS))
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              fields={k: "unknown field" for k in unknown},
                              names=", ".join(unknown))
    return log_broadcast(kho, actor, product_id, data.get("aired_on"), data.get("commune"),
                         data.get("note") or "")


def log_broadcast(kho: Kho, actor: Actor, product_id: int, aired_on: Any,
                  commune_code: Optional[str] = None, note: str = "") -> dict[str, Any]:
    """Record that ``product_id`` was aired on ``aired_on`` by a commune's radio.

    Raises PermissionDenied (role, or another commune), NotFound (product missing or
    hidden), ValidationError naming ``aired_on``, ``commune`` or ``note``, Conflict when
    the same product, commune and day is already logged.
    """
    actor.require("broadcast.log")
    today = local_today(kho.settings)   # Vietnam's date, not the server clock's
    day = _aired_on(aired_on, today)
    note = normalize_text(str(note or ""))
    if len(note) > MAX_NOTE:
        raise ValidationError("at most %(n)d characters", field="note", n=MAX_NOTE)
    with kho.transaction() as session:
        product = load_product(session, actor, product_id)
        if product.produced_on is not None and day < product.produced_on:
            raise ValidationError("%(day)s is before the product was made (%(made)s)",
                                  field="aired_on", day=day.strftime("%d/%m/%Y"),
                                  made=product.produced_on.strftime("%d/%m/%Y"))
        commune = _commune_for(session, actor, commune_code, day, today)
        if session.scalar(select(Broadcast.id).where(
                Broadcast.product_id == product.id, Broadcast.commune_id == commune.id,
                Broadcast.aired_on == day)):
            raise Conflict("already logged: %(commune)s aired this on %(day)s",
                           field="aired_on", commune=commune.name,
                           day=day.strftime("%d/%m/%Y"))
        row = Broadcast(product=product, commune=commune, aired_on=day, note=note,
                        logged_by_id=actor.user_id)
        session.add(row)
        session.add(Event(product_id=product.id, action="broadcast.log",
                          user_id=actor.user_id,
                          detail=f"aired on {day.isoformat()} by {commune.code}"))
        session.flush()
        return broadcast_view(row)


def list_broadcasts(kho: Kho, actor: Actor, commune_code: Optional[str] = None,
                    year: Optional[int] = None,
                    product_id: Optional[int] = None) -> list[dict[str, Any]]:
    """Broadcast logs, newest air date first.

    Commune staff see their own commune (asking for another is PermissionDenied);
    other roles see all communes or the one named. Logs of sensitive products are
    left out for roles that may not see them. ``year`` filters on the air date.
    """
    actor.require("product.view")
    if year is not None and not 1900 <= year <= 2999:
        raise ValidationError("not a year: %(value)s", field="year", value=year)
    stmt = select(Broadcast).join(Product, Product.id == Broadcast.product_id)
    with kho.transaction() as session:
        if actor.role == "commune":
            own = session.get(Unit, actor.commune_id) if actor.commune_id else None
            if own is None or (commune_code and commune_code not in (own.code, own.gso_code)):
                raise PermissionDenied("commune staff see their own commune's log only",
                                       field="commune")
            stmt = stmt.where(Broadcast.commune_id == own.id)
        elif commune_code:
            unit = _find_commune(session, normalize_text(commune_code))
            if unit is None:
                raise ValidationError("unknown commune code %(code)s", field="commune",
                                      code=commune_code)
            stmt = stmt.where(Broadcast.commune_id == unit.id)
        if year is not None:
            stmt = stmt.where(Broadcast.aired_on >= date(year, 1, 1),
                              Broadcast.aired_on <= date(year, 12, 31))
        if product_id is not None:
            stmt = stmt.where(Broadcast.product_id == product_id)
        if not actor.can("product.view_sensitive"):
            stmt = stmt.where(Product.sensitive.is_(False))
        rows = session.scalars(stmt.order_by(Broadcast.aired_on.desc(), Broadcast.id.desc()))
        return [broadcast_view(b) for b in rows]


def names_commune(actor: Actor) -> bool:
    """Whether ``actor`` names the commune when logging or listing broadcasts.

    Commune staff are tied to their own commune; admins (who may log) and the centre and
    office (who may list) choose one. The pages show a commune picker only then.
    """
    return actor.role != "commune"
