"""Parsing and checking product metadata, shared by web forms, the API, the CLI and
manifests. Every problem is collected per field so a form or a manifest row can show
all of them at once; text is normalised (NFC, look-alikes) on the way in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.base import utcnow
from archive.errors import Message, ValidationError
from archive.models import Term, Unit
from archive.text import fold, normalize_text
from app.services.common.parameters import date_error, parse_date
from app.services.catalogue.access_input import ACCESS_FIELDS, resolve_access

# Lengths in characters (code points, as sent). Every text a product holds is bounded:
# it is copied into each OAI page, export and index document, so one 40 MB description
# would make every anonymous OAI page 40 MB and hold the index lock for seconds.
# The OpenAPI document states the same numbers (maxLength, maxItems).
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000     # a long press release or programme summary
MAX_RIGHTS_NOTE = 2_000
MAX_CODE = 200               # one code or label: kind, plan task, unit, each list item
MAX_CODES = 100              # values in one list field (tags: MAX_TAGS)
MAX_DATE = 40                # produced_on as typed (ISO or dd/mm/yyyy)
TEXT_LIMITS = {"title": MAX_TITLE, "description": MAX_DESCRIPTION,
               "rights_note": MAX_RIGHTS_NOTE, "kind": MAX_CODE, "plan_task": MAX_CODE,
               "lead_unit": MAX_CODE, "produced_on": MAX_DATE}
LIST_FIELDS = ("languages", "themes", "conventions", "channels", "communes",
               "cooperating_units", "tags")
SCALAR_FIELDS = ("title", "description", "kind", "plan_task", "lead_unit", "produced_on",
                 "rights_note")
# access (issue 26), checked by app.services.catalogue.access_input; "sensitive" is
# known only to be refused with a message naming "access"
ALL_FIELDS = SCALAR_FIELDS + LIST_FIELDS + ACCESS_FIELDS + ("sensitive",)
TERM_FIELDS = {"kind": "kind", "plan_task": "plan_task", "languages": "language",
               "themes": "theme", "conventions": "convention", "channels": "channel"}
_SPLIT = re.compile(r"[;,|\n]")


@dataclass
class ResolvedInput:
    """Checked values, ready to apply to a Product (only the keys that were given)."""

    values: dict[str, Any] = field(default_factory=dict)


def split_list(value: Any) -> list[str]:
    """A list from a list or a ``;``/``,``/``|`` separated string; blanks dropped."""
    if value is None:
        return []
    items: Iterable[Any] = value if isinstance(value, (list, tuple)) else _SPLIT.split(str(value))
    out = [normalize_text(str(v)) for v in items]
    return list(dict.fromkeys(v for v in out if v))


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")   # the default ``timezone`` setting


def carried_on(unit: Unit, day: date) -> Unit:
    """The unit that carries ``unit`` on ``day``: the unit itself while it exists (or
    before it began), else the first of its successors valid that day, else the last
    successor recorded (a unit merged in 2025 resolves to the merged one). A unit that
    ended with no successor recorded stays as it is."""
    if unit.valid_to is None or day <= unit.valid_to:
        return unit
    chain = unit.lineage()
    return next((u for u in chain[1:] if u.valid_on(day)), chain[-1])


def _terms(session: Session, vocabulary: str, codes: list[str], name: str,
           errors: dict[str, Message]) -> list[Term]:
    """Terms by code, or by their Vietnamese or English label (office staff type
    labels, with or without diacritics); codes win over labels."""
    terms = list(session.scalars(select(Term).where(Term.vocabulary == vocabulary)))
    rows = {fold(t.label_en): t for t in terms if t.label_en}
    rows.update({fold(t.label_vi): t for t in terms})
    rows.update({t.code.lower(): t for t in terms})
    found, unknown = [], []
    for code in codes:
        term = rows.get(code.lower()) or rows.get(fold(code))
        (found.append(term) if term else unknown.append(code))
    if unknown:
        errors[name] = Message("unknown code(s): %(codes)s", codes=", ".join(unknown))
    return found


def _units(session: Session, codes: list[str], name: str, errors: dict[str, Message],
           communes_only: bool = False) -> list[Unit]:
    found, unknown = [], []
    for code in codes:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is None and code.isdigit():  # a GSO code: the unit valid today
            unit = session.scalar(select(Unit).where(Unit.gso_code == code,
                                                     Unit.valid_to.is_(None)))
        if unit is None:
            unit = _unit_by_name(session, code)
        if unit is None or (communes_only and unit.level != "commune"):
            unknown.append(code)
        else:
            found.append(unit)
    if unknown:
        codes = ", ".join(unknown)
        errors[name] = (Message("unknown commune code(s): %(codes)s", codes=codes)
                        if communes_only else Message("unknown unit code(s): %(codes)s",
                                                      codes=codes))
    return found


def _unit_by_name(session: Session, name: str) -> Optional[Unit]:
    """A unit by its name or short name, ignoring diacritics; when an old and a new
    unit share the name (Đăk Kôi before and after 2025), the one valid today wins."""
    key = fold(name)
    matches = [u for u in session.scalars(select(Unit))
               if key in (fold(u.name), fold(u.short_name or ""))]
    matches.sort(key=lambda u: (u.valid_to is not None, u.id))
    return matches[0] if matches else None


MAX_TAGS, MAX_TAG = 50, 100
EARLIEST_YEAR = 1900   # produced_on: archive material, but not a typo like 0001


def _not_text(value: Any) -> bool:
    """JSON objects/lists where one text is expected (numbers from a spreadsheet are fine)."""
    return value is not None and not isinstance(value, (str, int, float))


def list_limits(name: str) -> tuple[int, int]:
    """(values, characters of each) a list field may hold."""
    return (MAX_TAGS, MAX_TAG) if name == "tags" else (MAX_CODES, MAX_CODE)


def _length_errors(data: dict[str, Any], errors: dict[str, Message]) -> None:
    """A per-field error for each text over its limit (:data:`TEXT_LIMITS`,
    :func:`list_limits`), checked on the raw value before any work is done on it."""
    for name, limit in TEXT_LIMITS.items():
        value = data.get(name)
        items = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, str) and len(v) > limit for v in items):
            errors[name] = Message("at most %(n)d characters", n=limit)
    for name in LIST_FIELDS:
        value = data.get(name)
        count, chars = list_limits(name)
        if isinstance(value, str):
            too_many = len(value) > count * (chars + 1) or len(split_list(value)) > count
            items: Any = [] if too_many else split_list(value)
        elif isinstance(value, (list, tuple)):
            too_many, items = len(value) > count, value
        else:
            continue
        if too_many or any(isinstance(v, str) and len(v) > chars for v in items):
            errors[name] = (Message("at most %(n)d tags of at most %(chars)d characters",
                                    n=count, chars=chars) if name == "tags" else
                            Message("at most %(n)d values of at most %(chars)d characters",
                                    n=count, chars=chars))


def _scalar_values(data: dict[str, Any], errors: dict[str, Message],
                   today: date) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("title", "description", "rights_note", "kind", "plan_task", "lead_unit",
                 "produced_on"):
        if name in data and _not_text(data[name]) and not (
                isinstance(data[name], (list, tuple)) and len(data[name]) <= 1
                and name in ("kind", "plan_task", "lead_unit")):
            errors[name] = Message("one value expected, not a list or object")
        elif isinstance(data.get(name), bool):
            errors[name] = Message("text expected, not true or false")
    data = {k: v for k, v in data.items() if k not in errors}
    if "title" in data:
        title = normalize_text(str(data["title"] or ""))
        if not title:
            errors["title"] = Message("a title is required")
        elif len(title) > MAX_TITLE:
            errors["title"] = Message("at most %(n)d characters", n=MAX_TITLE)
        values["title"] = title
    for name in ("description", "rights_note"):
        if name in data:
            values[name] = normalize_text(str(data[name] or ""))
    if "produced_on" in data:
        try:
            produced = values["produced_on"] = parse_date(data["produced_on"])
        except ValueError:
            errors["produced_on"] = date_error(data["produced_on"])
        else:
            if produced is not None and produced > today:
                errors["produced_on"] = Message("the production date cannot be after today")
            elif produced is not None and produced.year < EARLIEST_YEAR:
                errors["produced_on"] = Message("the year must be between %(first)d and "
                                                "%(last)d", first=EARLIEST_YEAR,
                                                last=today.year)
    if "tags" in data:
        raw = data["tags"]
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        if any(_not_text(t) for t in items):
            errors["tags"] = Message("tags must be words or short phrases")
        else:
            tags = values["tags"] = split_list(raw)
            if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
                errors["tags"] = Message("at most %(n)d tags of at most %(chars)d characters",
                                         n=MAX_TAGS, chars=MAX_TAG)
    return values


def _lead_unit(values: dict[str, Any], data: dict[str, Any], errors: dict[str, Message],
               creating: bool, day: date) -> None:
    """The lead unit as it stands on ``day``: the one picked, or the plan task's when
    none is picked (a form always sends the field; an API update that leaves the
    field out keeps the product's own)."""
    if "lead_unit" in errors or "plan_task" in errors:
        return
    unit, task = values.get("lead_unit"), values.get("plan_task")
    if unit is None and task is not None and task.lead_unit is not None \
            and ("lead_unit" in data or creating):
        unit = task.lead_unit
    if unit is not None:
        values["lead_unit"] = carried_on(unit, day)


def resolve(session: Session, data: dict[str, Any], *, creating: bool,
            today: Optional[date] = None, product: Any = None) -> ResolvedInput:
    """Check ``data`` against the vocabularies; raise ValidationError with ``fields``.

    Unknown keys are errors too (a misspelt API field must not vanish silently).
    ``today`` is Vietnam's date (default: now in Asia/Ho_Chi_Minh): a production date
    after it is refused. A lead unit that no longer existed on the production date (or
    today, for an undated product) resolves to its successor (:func:`carried_on`),
    both when picked and when it comes from the plan task (a product created, or a
    form sent, with the plan task but no lead unit gets the task's lead unit).
    Access (``access``, ``embargo_until``, ``protocol_note``) is checked by
    :func:`app.services.catalogue.access_input.resolve_access` against ``product``
    (the product being edited; None when creating) into ``access_level``,
    ``audience_units``, ``audience_roles``, ``embargo_until`` and ``protocol_note``.
    """
    today = today or utcnow().astimezone(VIETNAM).date()
    errors: dict[str, Message] = {k: Message("unknown field") for k in data
                                  if k not in ALL_FIELDS}
    if creating and "title" not in data:
        errors["title"] = Message("a title is required")
    _length_errors(data, errors)
    data = {k: v for k, v in data.items() if k not in errors}
    values = _scalar_values(data, errors, today)
    single = {name: split_list(data[name]) for name in ("kind", "plan_task", "lead_unit")
              if name in data and name not in errors}
    for name, codes in single.items():
        if len(codes) > 1:
            errors[name] = Message("one value expected, not a list or object")
        elif name == "lead_unit":
            units = _units(session, codes, name, errors)
            values[name] = units[0] if units else None
        else:
            terms = _terms(session, TERM_FIELDS[name], codes, name, errors)
            values[name] = terms[0] if terms else None
    _lead_unit(values, data, errors, creating, values.get("produced_on") or today)
    for name in ("languages", "themes", "conventions", "channels"):
        if name in data:
            values[name] = _terms(session, TERM_FIELDS[name], split_list(data[name]), name,
                                  errors)
    if "themes" in values and len(values["themes"]) > 5:
        errors["themes"] = Message("at most %(n)d themes", n=5)
    if "communes" in data:
        values["communes"] = _units(session, split_list(data["communes"]), "communes", errors,
                                    communes_only=True)
    if "cooperating_units" in data:
        values["cooperating_units"] = _units(session, split_list(data["cooperating_units"]),
                                             "cooperating_units", errors)
    access = resolve_access(session, data, errors, today, product).values
    if "level" in access:
        access["access_level"] = access.pop("level")
    values.update(access)
    if errors:
        first = next(iter(errors))
        raise ValidationError("invalid product metadata: %(detail)s", field=first,
                              fields=errors, detail=[Message("%(field)s: %(problem)s",
                                                             field=k, problem=v)
                                                     for k, v in errors.items()])
    return ResolvedInput(values)
