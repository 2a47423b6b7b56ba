"""The commune a broadcast log is for, checked against the day it aired.

Communes have validity dates and 2025 successors (the units table: the communes merged
on 1/7/2025 end on 30/06/2025 and name the commune that took them over). An airing is
logged for the commune that existed on its day, never for one that did not exist yet
or was already merged: Xã Đăk Kôi of 2025 did not air anything in 2019 — its former
communes did. A refusal names the commune, its validity and the commune(s) that held
the place on that day, so the reader knows what to do: commune staff check the date
(or ask an admin, who may log for a former commune); an admin names the right commune.

Commune staff log for their own commune (the account's unit); admins, and the system
in the CLI, name one by unit code, or by GSO code (old and new communes may share a
GSO code: the one holding it on the day is taken).
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.access.actors import Actor
from archive.errors import PermissionDenied, ValidationError
from archive.models import Unit
from archive.text import normalize_text

MAX_HOPS = 10      # successor links followed back or forth (a bad edit may make a cycle)


def find_commune(session: Session, code: str, day: Optional[date] = None) -> Optional[Unit]:
    """A commune by unit code, or by GSO code: the one holding it on ``day`` if any
    (old and new communes may share a GSO code), else today's."""
    unit = session.scalar(select(Unit).where(Unit.code == code, Unit.level == "commune"))
    if unit is None and code.isdigit():
        units = list(session.scalars(select(Unit).where(Unit.gso_code == code,
                                                        Unit.level == "commune")
                                     .order_by(Unit.id)))
        on_day = [u for u in units if day is not None and u.valid_on(day)]
        current = [u for u in units if u.valid_to is None]
        unit = (on_day or current or [None])[0]
    return unit


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def former_on(session: Session, unit: Unit, day: date) -> list[Unit]:
    """The communes merged (directly or through earlier mergers) into ``unit`` that
    existed on ``day``, by name; [] when the units table knows none."""
    found: list[Unit] = []
    frontier, seen = [unit.id], {unit.id}
    for _hop in range(MAX_HOPS):
        if not frontier:
            break
        earlier = [u for u in session.scalars(select(Unit).where(
            Unit.successor_id.in_(frontier), Unit.level == "commune")) if u.id not in seen]
        seen.update(u.id for u in earlier)
        found += [u for u in earlier if u.valid_on(day)]
        frontier = [u.id for u in earlier]
    return sorted(found, key=lambda u: (u.name, u.code))


def later_on(unit: Unit, day: date) -> Optional[Unit]:
    """The commune that took ``unit`` over and existed on ``day`` (following successor
    links), or None."""
    return next((u for u in unit.lineage(MAX_HOPS)[1:] if u.valid_on(day)), None)


def _names(units: list[Unit], with_codes: bool) -> str:
    return ", ".join(f"{u.name} ({u.code})" if with_codes else u.name for u in units)


def check_existed(session: Session, unit: Unit, day: date, *, staff: bool) -> None:
    """Refuse ``day`` when ``unit`` did not exist on it: ValidationError naming the
    commune, the day it began or ended, and the commune(s) holding the place that day.

    ``staff``: the reader is commune staff, who cannot choose the commune: the error
    names ``aired_on`` and says to check the date or ask an admin; otherwise it names
    ``commune``, with the codes of the communes to choose instead.
    """
    if unit.valid_on(day):
        return
    field = "aired_on" if staff else "commune"
    common = {"field": field, "commune": unit.name, "day": _vn(day)}
    if unit.valid_from is not None and day < unit.valid_from:
        former = former_on(session, unit, day)
        since = _vn(unit.valid_from)
        if not former:
            raise ValidationError("%(commune)s only exists from %(since)s; check the date "
                                  "of the airing (%(day)s)", since=since, **common)
        if staff:
            raise ValidationError("%(commune)s only exists from %(since)s; on %(day)s the "
                                  "place belonged to the former %(former)s. Check the date, "
                                  "or ask an admin to log it for the former commune",
                                  since=since, former=_names(former, False), **common)
        raise ValidationError("%(commune)s only exists from %(since)s; on %(day)s the "
                              "place belonged to the former %(former)s: log it for that "
                              "commune", since=since, former=_names(former, True), **common)
    until = _vn(unit.valid_to) if unit.valid_to else "?"
    later = later_on(unit, day)
    if later is None:
        raise ValidationError("%(commune)s existed until %(until)s; check the date of the "
                              "airing (%(day)s)", until=until, **common)
    if staff:
        raise ValidationError("%(commune)s existed until %(until)s; on %(day)s it was part "
                              "of %(later)s. Ask an admin to move this account to "
                              "%(later)s", until=until, later=later.name, **common)
    raise ValidationError("%(commune)s existed until %(until)s; on %(day)s it was part of "
                          "%(later)s: log it for that commune", until=until,
                          later=_names([later], True), **common)


def commune_for(session: Session, actor: Actor, code: Optional[str], day: date) -> Unit:
    """The commune a log of ``day`` is for: the actor's own (commune staff), or the one
    named by ``code`` (admin, system); checked by :func:`check_existed`.

    Raises PermissionDenied naming ``commune`` (an account without a commune; commune
    staff naming another commune), ValidationError naming ``commune`` (no code, an
    unknown code) or as :func:`check_existed` says.
    """
    code = normalize_text(code or "").strip()
    if actor.role == "commune":
        own = session.get(Unit, actor.commune_id) if actor.commune_id else None
        if own is None:
            raise PermissionDenied("this account is not linked to a commune", field="commune")
        if code and code not in (own.code, own.gso_code):
            raise PermissionDenied("commune staff log broadcasts for their own commune only",
                                   field="commune")
        check_existed(session, own, day, staff=True)
        return own
    if not code:
        raise ValidationError("name the commune that aired the product", field="commune")
    unit = find_commune(session, code, day)
    if unit is None:
        raise ValidationError("unknown commune code %(code)s", field="commune", code=code)
    check_existed(session, unit, day, staff=False)
    return unit
