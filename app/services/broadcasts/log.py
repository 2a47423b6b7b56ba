"""Broadcast log: evidence that a product was aired on a commune's radio on a day, in
a slot of that day (morning, noon, afternoon, evening: :mod:`.slots`).

Commune staff log for their own commune; an admin may log for any commune — always the
commune that existed on the day of the airing (:mod:`.communes`). Only a product with
something to air is logged: a file with a broadcast MP3 or a playable video proxy
(:data:`AIR_COPIES`); drafts, posters, photos and PDFs are refused. Each log adds a
provenance Event ``broadcast.log``. One log is one airing, and the figures count
airings, so the same product, commune, day and slot is logged once while in force (a
second try, or a retry whose answer was lost, is a Conflict; a partial unique index
holds it under parallel requests); a feature aired in the morning and again in the
evening is two logs. A log can be withdrawn (:mod:`app.services.broadcasts.withdrawal`);
withdrawn logs are left out of every list and count here.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units, require_unit
from app.services.access.visibility import viewer_for, visible_clause
from app.services.access.consent import BROADCAST_USE, allows
from archive.access import USES
from app.services.broadcasts.communes import commune_for, find_commune
from app.services.broadcasts.slots import parse_slot, slot_order
from app.services.common.parameters import parse_date
from app.services.catalogue.product_input import EARLIEST_YEAR
from app.services.catalogue.products import lock_for_edit, person_name
from app.services.common.clock import iso_datetime, local_today
from app.services.catalogue.product_view import unit_view
from archive.errors import Conflict, Message, PermissionDenied, ValidationError
from archive.models import Broadcast, Derivative, Event, File, Product, Unit
from archive.text import normalize_text

MAX_NOTE = 1000        # characters
MAX_SHOWN = 40         # characters of a refused date repeated in its message
AIR_COPIES = ("broadcast", "proxy")   # renditions that make a product airable
_YEAR_ONLY = re.compile(r"\s*\d{4}\s*")
_DAY_SHAPE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def _aired_on(value: Any, today: date) -> date:
    """A full date (ISO or dd/mm/yyyy), not in the future; ValidationError naming
    ``aired_on``: a day the calendar lacks (31/02/2025) is told apart from text that is
    no date at all."""
    if value in (None, ""):
        raise ValidationError("the broadcast date is required", field="aired_on")
    if isinstance(value, str) and _YEAR_ONLY.fullmatch(value):
        raise ValidationError("give the full date (dd/mm/yyyy), not only the year",
                              field="aired_on")
    try:
        day = parse_date(value)
    except ValueError:
        shown = normalize_text(str(value)).strip()
        shown = shown if len(shown) <= MAX_SHOWN else shown[:MAX_SHOWN - 1] + "…"
        if _DAY_SHAPE.fullmatch(shown):
            raise ValidationError("%(value)s does not exist in the calendar",
                                  field="aired_on", value=shown) from None
        raise ValidationError("%(value)s is not a date: write the day it aired as "
                              "dd/mm/yyyy, for example %(example)s", field="aired_on",
                              value=shown, example=today.strftime("%d/%m/%Y")) from None
    if day > today:
        raise ValidationError("%(day)s has not come yet: log an airing once it has "
                              "happened", field="aired_on", day=day.strftime("%d/%m/%Y"))
    if day.year < EARLIEST_YEAR:         # 01/01/0001: a typo, not an airing
        raise ValidationError("%(day)s is before %(first)d: check the year",
                              field="aired_on", first=EARLIEST_YEAR,
                              day=f"{day.day:02d}/{day.month:02d}/{day.year:04d}")
    return day


def airable(files: Iterable[dict[str, Any]]) -> bool:
    """Whether a product with these files (as :func:`app.services.catalogue.product_view.file_view`
    shows them) has something to air: a broadcast MP3 or a playable video proxy. The
    pages show the log form only then; :func:`log_broadcast` holds the same rule."""
    return any(r["name"] in AIR_COPIES for f in files for r in f.get("renditions", ()))


def _has_air_copy(session: Session, product_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        File.product_id == product_id, Derivative.file_id == File.id,
        Derivative.name.in_(AIR_COPIES)))))


def local_day(at: datetime, zone: str) -> date:
    """The day of ``at`` in ``zone`` (setting ``timezone``); naive values (SQLite)
    are UTC."""
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return at.astimezone(ZoneInfo(zone)).date()


def logged_on(b: Broadcast, zone: str) -> date:
    """The day (in ``zone``, Vietnam's by setting) the log was written."""
    return local_day(b.created_at, zone)


def withdraw_refusal(actor: Actor, b: Broadcast, today: date, zone: str) -> Optional[str]:
    """Why ``actor`` may not withdraw ``b`` now (an English message template with a
    ``%(day)s`` slot for the day it was logged), or None if they may: an admin at any
    time; whoever wrote the log, on the day (Vietnam's) they wrote it."""
    if actor.role in ("admin", "system"):
        return None
    if not actor.can("broadcast.log") or b.logged_by_id != actor.user_id:
        return "only the person who logged it, or an admin, may withdraw this log"
    if logged_on(b, zone) != today:
        return ("a log can be withdrawn by the person who wrote it on that day only "
                "(%(day)s); ask an admin to withdraw it")
    return None


def broadcast_view(b: Broadcast, may_withdraw: bool = False) -> dict[str, Any]:
    """A log as the doors show it; ``slot`` is a code of
    :data:`app.services.broadcasts.slots.SLOTS`, or None when not known (logs written
    before slots existed); ``may_withdraw``: whether the reader may withdraw it now
    (see :func:`withdraw_refusal`)."""
    return {"id": b.id, "product_id": b.product_id,
            "product_title": b.product.title if b.product else None,
            "commune": unit_view(b.commune), "aired_on": b.aired_on.isoformat(),
            "slot": b.slot or None,
            "note": b.note, "logged_by": b.logged_by.username if b.logged_by else None,
            "logged_by_name": person_name(b.logged_by),
            "created_at": iso_datetime(b.created_at),
            "withdrawn_at": iso_datetime(b.withdrawn_at),
            "withdrawn_by": b.withdrawn_by.username if b.withdrawn_by else None,
            "may_withdraw": may_withdraw}


LOG_FIELDS = ("aired_on", "slot", "commune", "note")
# a slot inside a sentence ("… aired this in the morning of 02/08/2025")
SLOT_WORDS = {"morning": Message("in the morning"), "noon": Message("at noon"),
              "afternoon": Message("in the afternoon"), "evening": Message("in the evening")}


def airing_detail(day: date, commune_code: str, slot: str) -> str:
    """The airing as the history events write it: ``aired on 2025-08-02 (morning) by
    <commune code>``, without the slot when it is not known. It ends with the commune
    code: commune staff see the logs of their own commune only
    (:func:`app.services.catalogue.products.product_history`), and
    ``app/web/history.py`` reads it back."""
    return f"aired on {day.isoformat()}" + (f" ({slot})" if slot else "") + \
        f" by {commune_code}"


def log_broadcast_data(kho: Kho, actor: Actor, product_id: int,
                       data: dict[str, Any]) -> dict[str, Any]:
    """:func:`log_broadcast` from a request's fields (``aired_on``, ``slot``,
    ``commune``, ``note``); ValidationError naming each unknown field, so a typo is
    never ignored."""
    unknown = sorted(set(data) - set(LOG_FIELDS))
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              fields={k: "unknown field" for k in unknown},
                              names=", ".join(unknown))
    return log_broadcast(kho, actor, product_id, data.get("aired_on"), data.get("commune"),
                         data.get("note") or "", slot=data.get("slot"))


def _already(commune: Unit, day: date, slot: str) -> Conflict:
    """The refusal of an airing logged already (the same product, commune, day, slot)."""
    shown = day.strftime("%d/%m/%Y")
    if slot:
        return Conflict("already logged: %(commune)s aired this on %(day)s %(slot)s",
                        field="aired_on", commune=commune.name, day=shown,
                        slot=SLOT_WORDS[slot])
    return Conflict("already logged: %(commune)s aired this on %(day)s; if it aired again "
                    "that day, say in which part of the day (morning, noon, afternoon, "
                    "evening)", field="aired_on", commune=commune.name, day=shown)


# the consent uses, as the vocabulary labels them (English msgids, Vietnamese shown)
USE_WORDS = {"radio": Message("Radio"), "website": Message("Website"),
             "social": Message("Social media"), "exhibition": Message("Exhibition"),
             "archive": Message("Archive only")}


def consent_refusal(consents: Iterable[Any], day: date) -> Optional[ValidationError]:
    """The refusal (422 naming ``consent``) of an airing on ``day`` that the product's
    consents do not allow (:data:`app.services.access.consent.BROADCAST_USE` on that
    day: every consent must allow radio and still run), naming the first consent
    that does not — who gave it, the uses it allows, and its last day when it had
    ended; None when they allow it (or there is none)."""
    if allows(consents, BROADCAST_USE, day):
        return None
    for consent in sorted(consents, key=lambda c: c.id or 0):
        uses = [USE_WORDS.get(u, u) for u in USES if u in (consent.uses or ())]
        if consent.until is not None and consent.until < day:
            return ValidationError(
                "the consent of %(who)s (uses: %(uses)s) ended on %(until)s, before the "
                "airing on %(day)s: this product may not be logged as aired",
                field="consent", who=consent.given_by, uses=uses,
                until=consent.until.strftime("%d/%m/%Y"), day=day.strftime("%d/%m/%Y"),
                consent_id=consent.id)
        if BROADCAST_USE not in (consent.uses or ()):
            return ValidationError(
                "the consent of %(who)s allows %(uses)s, not the radio: this product may "
                "not be logged as aired", field="consent", who=consent.given_by,
                uses=uses or [Message("no use")], consent_id=consent.id)
    return None


def log_broadcast(kho: Kho, actor: Actor, product_id: int, aired_on: Any,
                  commune_code: Optional[str] = None, note: str = "",
                  slot: Any = None) -> dict[str, Any]:
    """Record that ``product_id`` was aired on ``aired_on`` by a commune's radio, in
    ``slot`` (a code of :data:`app.services.broadcasts.slots.SLOTS` or its Vietnamese
    word; None or "": not known).

    Raises PermissionDenied (role, or another commune), NotFound (product missing or
    hidden), Conflict naming ``product`` when it has no broadcast MP3 or playable video
    (:func:`airable`), ValidationError naming ``aired_on``, ``slot``, ``commune`` or
    ``note`` (a commune that did not exist on that day: see
    :func:`app.services.broadcasts.communes.check_existed`) or ``consent`` (the
    product's consents do not allow the radio on that day: :func:`consent_refusal`),
    Conflict naming
    ``aired_on`` when the same product, commune, day and slot is already logged (also
    when a parallel request, or an earlier try of the same request, logged it).
    """
    actor.require("broadcast.log")
    today = local_today(kho.settings)   # Vietnam's date, not the server clock's
    day = _aired_on(aired_on, today)
    slot = parse_slot(slot)
    note = normalize_text(str(note or ""))
    if len(note) > MAX_NOTE:
        raise ValidationError("at most %(n)d characters", field="note", n=MAX_NOTE)
    with kho.transaction() as session:
        # the product's write lock: logs of one product (and its deletion) take turns
        product = lock_for_edit(session, actor, product_id)
        if not _has_air_copy(session, product.id):
            raise Conflict("product %(id)s has no broadcast MP3 or playable video yet; "
                           "it can be logged as aired once its audio or video file is "
                           "ready", field="product", id=product.id)
        refused = consent_refusal(product.consents, day)
        if refused is not None:
            raise refused
        if product.produced_on is not None and day < product.produced_on:
            raise ValidationError("%(day)s is before the product was made (%(made)s)",
                                  field="aired_on", day=day.strftime("%d/%m/%Y"),
                                  made=product.produced_on.strftime("%d/%m/%Y"))
        commune = commune_for(session, actor, commune_code, day)
        already = _already(commune, day, slot)
        if session.scalar(select(Broadcast.id).where(
                Broadcast.product_id == product.id, Broadcast.commune_id == commune.id,
                Broadcast.aired_on == day, Broadcast.slot == slot, Broadcast.in_force())):
            raise already
        row = Broadcast(product=product, commune=commune, aired_on=day, slot=slot,
                        note=note, logged_by_id=actor.user_id)
        session.add(row)
        session.add(Event(product_id=product.id, action="broadcast.log",
                          user_id=actor.user_id, detail=airing_detail(day, commune.code, slot)))
        try:
            session.flush()
        except IntegrityError:        # uq_broadcasts_in_force: a parallel log won
            raise already from None
        return broadcast_view(row, may_withdraw=True)


def list_broadcasts(kho: Kho, actor: Actor, commune_code: Optional[str] = None,
                    year: Optional[int] = None,
                    product_id: Optional[int] = None) -> list[dict[str, Any]]:
    """Broadcast logs in force (withdrawn ones left out), newest airing first (by day,
    then the evening before the morning).

    Commune staff see their own commune (asking for another is PermissionDenied);
    an office account with a unit sees the communes of its part (asking for another is
    PermissionDenied naming it; :mod:`app.services.access.unit_scope`), except on a
    product's own list (``product_id``); other roles see all communes or the one named. Logs of
    products the actor may not see (:mod:`app.services.access.visibility`) are left
    out. ``year`` filters on the air date.
    """
    actor.require("product.view")
    if year is not None and not 1900 <= year <= 2999:
        raise ValidationError("not a year: %(value)s", field="year", value=year)
    stmt = select(Broadcast).join(Product, Product.id == Broadcast.product_id)\
        .where(Broadcast.in_force())
    today, zone = local_today(kho.settings), kho.settings.timezone
    with kho.transaction() as session:
        if actor.role == "commune":
            own = session.get(Unit, actor.commune_id) if actor.commune_id else None
            if own is None or (commune_code and commune_code not in (own.code, own.gso_code)):
                raise PermissionDenied("commune staff see their own commune's log only",
                                       field="commune")
            stmt = stmt.where(Broadcast.commune_id == own.id)
        else:
            # an office account with a unit: its part's communes (a product's own page
            # shows every commune that aired it, as the product does)
            mine = actor_units(session, actor) if product_id is None else None
            if commune_code:
                unit = find_commune(session, normalize_text(commune_code))
                if unit is None:
                    raise ValidationError("unknown commune code %(code)s", field="commune",
                                          code=commune_code)
                if mine is not None:
                    require_unit(session, actor, unit.id, field="commune")
                stmt = stmt.where(Broadcast.commune_id == unit.id)
            if mine is not None:
                stmt = stmt.where(Broadcast.commune_id.in_(sorted(mine)))
        if year is not None:
            stmt = stmt.where(Broadcast.aired_on >= date(year, 1, 1),
                              Broadcast.aired_on <= date(year, 12, 31))
        if product_id is not None:
            stmt = stmt.where(Broadcast.product_id == product_id)
        stmt = stmt.where(visible_clause(viewer_for(session, actor, today), Product))
        rows = session.scalars(stmt.order_by(Broadcast.aired_on.desc(),
                                              slot_order(Broadcast.slot).desc(),
                                              Broadcast.id.desc()))
        return [broadcast_view(b, withdraw_refusal(actor, b, today, zone) is None)
                for b in rows]


def names_commune(actor: Actor) -> bool:
    """Whether ``actor`` names the commune when logging or listing broadcasts.

    Commune staff are tied to their own commune; admins (who may log) and the centre and
    office (who may list) choose one. The pages show a commune picker only then.
    """
    return actor.role != "commune"
