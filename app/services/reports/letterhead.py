"""Who issues, signs and receives a yearly report, read from the unit table as it stood
on the report's date (Nghị định 30/2020/NĐ-CP layout, reporting chain of the plan VI.2).

The issuing unit is, in this order: the unit asked for (``--issuer``, the report's
commune or lead unit, the account's unit), else the consolidating body valid on the
date (setting ``report_consolidators``: the district's Phòng Văn hóa và Thông tin until 30/06/2025, the
province's Sở Văn hóa, Thể thao và Du lịch from 1/7/2025). A unit that ended before the
date hands the report to its successor (followed as far as needed); a unit that ended
without one, or did not exist yet, cannot issue it: :class:`ValidationError` names it,
the date and a unit to pick instead, and no file is written.

From that unit, on that date:

- **issuer**: ``letterhead_name``, else "Ủy ban nhân dân xã …" for a commune (and a
  people's committee named "UBND …"), else the short name under a supervising body;
- **supervisor** (the line above): the parent valid on the date, except for a people's
  committee, which has none (Nghị định 30/2020, Phụ lục I);
- **place** (địa danh of the date line): ``place_name``, else a commune's short name,
  else the parent's place;
- **signer**: ``signer_title`` (lines split at ``|``), else by level and name (people's
  committee: "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"; Sở, Trung tâm: "GIÁM ĐỐC"; Phòng:
  "TRƯỞNG PHÒNG" …) and ``signer_name`` ("" leaves a dotted line to fill in);
- **recipient**: ``reports_to``, else the consolidating body above the unit, else the
  parent, as valid on the date.

The settings ``report_issuer`` (``Cơ quan chủ quản | Cơ quan ban hành``) and
``report_recipient`` override the issuer lines and the recipient when they are set.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.contributions import chain
from archive.errors import ValidationError
from archive.models import Unit

MAX_HOPS = 10
PEOPLES_COMMITTEE = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
# a body's first word(s) -> its head's title (when the unit names none)
TITLES_BY_NAME = (("sở", "GIÁM ĐỐC"), ("trung tâm", "GIÁM ĐỐC"), ("phòng", "TRƯỞNG PHÒNG"),
                  ("văn phòng", "CHÁNH VĂN PHÒNG"), ("ban", "TRƯỞNG BAN"),
                  ("công an", "TRƯỞNG CÔNG AN"))
FALLBACK_TITLE = "THỦ TRƯỞNG CƠ QUAN"
COMMITTEE_LEVELS = ("commune", "district")


@dataclass(frozen=True)
class Letterhead:
    """The reporting bodies of one report. ``on``: the report's date; ``dated``: the
    date line is filled in (a date was given) rather than left to be written."""

    unit_code: str
    supervisor: str
    issuer: str
    place: str
    signer_title: tuple[str, ...]
    signer_name: str
    recipient: str
    on: date
    dated: bool

    def date_line(self) -> str:
        """``Quảng Ngãi, ngày 05 tháng 12 năm 2026`` (day below 10 and months 1–2 with a
        leading zero, Nghị định 30/2020), or dots to fill in when undated."""
        place = f"{self.place}, " if self.place else ""
        if not self.dated:
            return f"{place}ngày ... tháng ... năm {self.on.year}"
        month = f"{self.on.month:02d}" if self.on.month < 3 else str(self.on.month)
        return f"{place}ngày {self.on.day:02d} tháng {month} năm {self.on.year}"


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def is_committee(unit: Unit) -> bool:
    """A people's committee (Ủy ban nhân dân): communes, districts, a unit named UBND."""
    name = unit.name.lower()
    return unit.level in COMMITTEE_LEVELS or name.startswith(("ubnd", "ủy ban nhân dân"))


def on_date(unit: Optional[Unit], day: date) -> Optional[Unit]:
    """``unit`` or the successor that carries it on ``day``; None when none does."""
    hops = 0
    while unit is not None and hops <= MAX_HOPS:
        if unit.valid_on(day):
            return unit
        if unit.valid_to is None or unit.valid_to >= day:
            return None           # not begun yet
        unit, hops = unit.successor, hops + 1
    return None


def consolidator(session: Session, settings: Any, day: date) -> Optional[Unit]:
    """The consolidating body valid on ``day`` (setting ``report_consolidators``, read by
    :mod:`app.services.contributions.chain`): the Phòng VH&TT of the district until
    30/06/2025, the Sở VHTTDL of the province from 1/7/2025."""
    bodies = chain.bodies_on(session, settings, day)
    return session.get(Unit, bodies[0].id) if bodies else None


def _parent_on(unit: Unit, day: date) -> Optional[Unit]:
    return on_date(unit.parent, day) if unit.parent is not None else None


def issuing_unit(session: Session, settings: Any, code: Optional[str], day: date,
                 field: str = "issuer") -> Unit:
    """The unit that issues a report dated ``day`` (see the module docstring).

    ValidationError (``field``) for an unknown code, a unit that did not exist yet on
    ``day``, one that ended without a successor; (``date``) when no unit consolidates
    the report on ``day``."""
    other = consolidator(session, settings, day)
    if not code:
        if other is None:
            raise ValidationError("no unit consolidates the yearly report on %(date)s: "
                                  "choose the issuing unit, or name the consolidating "
                                  "units in the setting report_consolidators", field="date", date=_day(day))
        return other
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise ValidationError("unknown unit code %(code)s", field=field, code=code)
    found = on_date(unit, day)
    if found is not None:
        return found
    params: dict[str, Any] = {"unit": unit.name, "date": _day(day)}
    if unit.valid_from and day < unit.valid_from:
        template = "%(unit)s did not exist yet on %(date)s (it begins on %(start)s)"
        params["start"] = _day(unit.valid_from)
    else:
        last = unit.lineage(MAX_HOPS)[-1]
        template = ("%(unit)s ended on %(end)s and no unit took it over: it cannot issue "
                    "a report dated %(date)s")
        params["end"] = _day(last.valid_to or day)
    if other is not None:
        raise ValidationError(template + "; choose a unit that exists on that date, such as "
                              "%(other)s (%(code)s)", field=field, other=other.name,
                              code=other.code, **params)
    raise ValidationError(template + "; choose a unit that exists on that date", field=field,
                          **params)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def issuer_name(unit: Unit, supervised: bool) -> str:
    """The body as the header writes it (before capitals)."""
    if unit.letterhead_name:
        return unit.letterhead_name
    if unit.name.startswith("UBND "):
        return "Ủy ban nhân dân " + unit.name[5:]
    if unit.level == "commune":
        return "Ủy ban nhân dân " + _lower_first(unit.name)
    return unit.short_name if supervised and unit.short_name else unit.name


def signer_title(unit_or_name: Any) -> tuple[str, ...]:
    """The signer's title lines: the unit's own, else by level and name."""
    if isinstance(unit_or_name, Unit):
        unit = unit_or_name
        if unit.signer_title:
            return tuple(p.strip() for p in unit.signer_title.replace("\n", "|").split("|")
                         if p.strip())
        if is_committee(unit):
            return PEOPLES_COMMITTEE
        name = (unit.letterhead_name or unit.name).lower()
    else:
        name = str(unit_or_name).strip().lower()
        if name.startswith(("ubnd", "ủy ban nhân dân")):
            return PEOPLES_COMMITTEE
    for start, title in sorted(TITLES_BY_NAME, key=lambda t: -len(t[0])):
        if name.startswith(start + " "):
            return (title,)
    return (FALLBACK_TITLE,)


def place_of(unit: Unit, day: date) -> str:
    """The địa danh of the date line: own, a commune's short name, else the parent's."""
    hops, current = 0, unit
    while current is not None and hops <= MAX_HOPS:
        if current.place_name:
            return current.place_name
        if current.level == "commune":
            return current.short_name or current.name
        current, hops = _parent_on(current, day) or current.parent, hops + 1
    return ""


def recipient_name(session: Session, settings: Any, unit: Unit, day: date) -> str:
    """The body the report goes to on ``day``: ``reports_to``, else the consolidating
    body above the unit (:func:`app.services.contributions.chain.consolidating_body`),
    else the parent, as carried on that day ("UBND" written out)."""
    rows = chain.unit_rows(session)
    above = chain.consolidating_body(rows, chain.consolidator_ids(settings, rows), unit.id,
                                     day)
    for target in (unit.reports_to, session.get(Unit, above) if above else None,
                   unit.parent):
        found = on_date(target, day) if target is not None else None
        if found is not None:
            name = found.name
            return "Ủy ban nhân dân " + name[5:] if name.startswith("UBND ") else name
    return ""


def letterhead(session: Session, settings: Any, code: Optional[str], day: date, *,
               dated: bool = False, field: str = "issuer") -> Letterhead:
    """The reporting bodies of a report dated ``day`` issued by ``code`` (or the
    consolidating unit); the settings' overrides applied. ValidationError as
    :func:`issuing_unit` (none when the settings name the issuer and no unit is asked)."""
    override = (getattr(settings, "report_issuer", "") or "").strip()
    try:
        unit: Optional[Unit] = issuing_unit(session, settings, code, day, field)
    except ValidationError:
        if code or not override:
            raise
        unit = None
    if override:
        parts = [p.strip() for p in override.split("|") if p.strip()]
        supervisor, issuer = " ".join(parts[:-1]), parts[-1]
        title = signer_title(issuer)
    else:
        assert unit is not None
        parent = None if is_committee(unit) else _parent_on(unit, day)
        supervisor = parent.name if parent is not None else ""
        issuer, title = issuer_name(unit, parent is not None), signer_title(unit)
    recipient = (getattr(settings, "report_recipient", "") or "").strip() or \
        (recipient_name(session, settings, unit, day) if unit is not None else "")
    return Letterhead(unit_code=unit.code if unit is not None else "", supervisor=supervisor,
                      issuer=issuer, place=place_of(unit, day) if unit is not None else "",
                      signer_title=title, signer_name=unit.signer_name if unit else "",
                      recipient=recipient, on=day, dated=dated)
