"""Parsing and checking product metadata, shared by web forms, the API, the CLI and
manifests. Every problem is collected per field so a form or a manifest row can show
all of them at once; text is normalised (NFC, look-alikes) on the way in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.base import utcnow
from archive.errors import Message, ValidationError
from archive.models import Term, Unit
from archive.text import fold, normalize_text

MAX_TITLE = 500
LIST_FIELDS = ("languages", "themes", "conventions", "channels", "communes",
               "cooperating_units", "tags")
SCALAR_FIELDS = ("title", "description", "kind", "plan_task", "lead_unit", "produced_on",
                 "rights_note", "sensitive")
ALL_FIELDS = SCALAR_FIELDS + LIST_FIELDS
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


def parse_date(value: Any) -> Optional[date]:
    """ISO ``2024-05-31``, Vietnamese ``31/05/2024`` (or ``31-05-2024``), or a year."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"(19|20)\d\d", text):
        return date(int(text), 1, 1)
    raise ValueError(text)


TRUE_WORDS = frozenset({"1", "true", "yes", "on", "có", "co", "x"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "không", "khong"})


def parse_bool(value: Any) -> bool:
    """True/False from JSON booleans, 1/0 and the yes/no words manifests use
    (:data:`TRUE_WORDS`, :data:`FALSE_WORDS`, any case); ValueError for anything else."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(text)


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


def _scalar_values(data: dict[str, Any], errors: dict[str, Message]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("title", "description", "rights_note", "kind", "plan_task", "lead_unit",
                 "produced_on", "sensitive"):
        if name in data and _not_text(data[name]) and not (
                isinstance(data[name], (list, tuple)) and len(data[name]) <= 1
                and name in ("kind", "plan_task", "lead_unit")):
            errors[name] = Message("one value expected, not a list or object")
        elif name != "sensitive" and isinstance(data.get(name), bool):
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
            errors["produced_on"] = Message("not a date: %(value)s (use dd/mm/yyyy)",
                                            value=repr(data["produced_on"]))
        else:
            latest = utcnow().year + 1
            if produced is not None and not EARLIEST_YEAR <= produced.year <= latest:
                errors["produced_on"] = Message("the year must be between %(first)d and "
                                                "%(last)d", first=EARLIEST_YEAR, last=latest)
    if "sensitive" in data:
        try:
            values["sensitive"] = parse_bool(data["sensitive"])
        except ValueError:
            errors["sensitive"] = Message("not yes/no: %(value)s", value=repr(data["sensitive"]))
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


def resolve(session: Session, data: dict[str, Any], *, creating: bool) -> ResolvedInput:
    """Check ``data`` against the vocabularies; raise ValidationError with ``fields``.

    Unknown keys are errors too (a misspelt API field must not vanish silently).
    """
    errors: dict[str, Message] = {k: Message("unknown field") for k in data
                                  if k not in ALL_FIELDS}
    if creating and "title" not in data:
        errors["title"] = Message("a title is required")
    values = _scalar_values(data, errors)
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
    if errors:
        first = next(iter(errors))
        raise ValidationError("invalid product metadata: %(detail)s", field=first,
                              fields=errors, detail=[Message("%(field)s: %(problem)s",
                                                             field=k, problem=v)
                                                     for k, v in errors.items()])
    return ResolvedInput(values)
