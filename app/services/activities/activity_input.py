"""Parsing and checking an activity's fields, shared by the pages, the API and the CLI.

Every problem is collected per field (as :mod:`app.services.catalogue.product_input`
does for products) so a form shows all of them at once; text is normalised (NFC).

Fields (all text unless said): ``kind`` (code or label of ``activity_kind``), ``title``,
``starts_on`` and ``ends_on`` (ISO or dd/mm/yyyy; no ``ends_on``: one day),
``organiser`` (unit code, GSO code or name), ``communes`` (list or ``;``-separated),
``plan_task`` (code), ``place``, ``description``, ``participants`` (list of
``{target_group, total, women, ethnic_minority}``; women and ethnic_minority ≤ total)
and ``products`` (list of ``{product_id, use}``, use ``shown | aired | handed_out``).

Units are taken as they were on the activity's days: a commune that did not exist yet
(created by the 2025 merger) or no longer existed is refused, naming the unit to use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.access.actors import Actor
from app.services.access.linked import nameable
from app.services.catalogue.product_input import _terms, _units, carried_on, split_list
from app.services.common.parameters import date_error, parse_date
from archive.base import MAX_ID
from archive.activities import PRODUCT_USES
from archive.errors import Message, ValidationError
from archive.models import Product, Unit
from archive.text import normalize_text

MAX_TITLE = 500
MAX_PLACE = 500
MAX_COUNT = 1_000_000        # participants of one group at one activity
EARLIEST_YEAR = 1900
FIELDS = ("kind", "title", "starts_on", "ends_on", "organiser", "communes", "plan_task",
          "place", "description", "participants", "products")
REQUIRED = ("kind", "title", "starts_on", "organiser")
OVER_WORDS = {"women": Message("the number of women"),
              "ethnic_minority": Message("the number of ethnic-minority participants")}
COUNT_WORDS = {"total": Message("Total"), "women": Message("Women"),
               "ethnic_minority": Message("Ethnic minority")}


@dataclass
class ActivityInput:
    """Checked values (only the keys that were given); ``participants`` is a list of
    ``(Term, total, women, ethnic_minority)``, ``products`` of ``(product_id, use)``."""

    values: dict[str, Any] = field(default_factory=dict)


def joined(problems: list[Message]) -> Message:
    """Several problems of one field as one message, separated by "; "."""
    message = problems[0]
    for problem in problems[1:]:
        message = Message("%(a)s; %(b)s", a=message, b=problem)
    return message


def _unit_for_days(unit: Unit, first: date, last: date) -> Optional[Message]:
    """Why ``unit`` cannot be named for an activity on ``first`` … ``last`` (None: it can):
    it began after the activity (name one of its predecessors) or ended before it (name
    the unit that carried it on)."""
    if unit.valid_from is not None and unit.valid_from > last:
        then = [u for u in _predecessors(unit) if u.valid_on(first)]
        twin = next((u for u in then if u.name == unit.name), unit)
        before = sorted(_told_apart(u, unit) for u in then)
        return Message("%(unit)s exists only from %(since)s; on %(day)s use %(other)s",
                       unit=_told_apart(unit, twin), since=unit.valid_from.strftime("%d/%m/%Y"),
                       day=first.strftime("%d/%m/%Y"),
                       other=" / ".join(before) or Message("the unit that existed then"))
    if unit.valid_to is not None and unit.valid_to < first:
        other = carried_on(unit, first)
        return Message("%(unit)s ended on %(until)s; on %(day)s use %(other)s",
                       unit=_told_apart(unit, other), until=unit.valid_to.strftime("%d/%m/%Y"),
                       day=first.strftime("%d/%m/%Y"), other=_told_apart(other, unit))
    return None


def _told_apart(unit: Unit, other: Unit) -> str:
    """``unit``'s name, with its code when ``other`` has the same name (a commune merged
    in 2025 often kept it: "Xã Đăk Kôi ended …; use Xã Đăk Kôi" would say nothing)."""
    return f"{unit.name} ({unit.code})" if unit.name == other.name and unit.id != other.id \
        else unit.name


def _predecessors(unit: Unit) -> list[Unit]:
    from sqlalchemy.orm import object_session

    session = object_session(unit)
    return list(session.scalars(select(Unit).where(Unit.successor_id == unit.id))) \
        if session is not None else []


def _dates(data: dict[str, Any], current: Optional[tuple[date, date]], today: date,
           errors: dict[str, Message]) -> Optional[tuple[date, date]]:
    parsed: dict[str, Optional[date]] = {}
    for name in ("starts_on", "ends_on"):
        if name not in data:
            continue
        try:
            parsed[name] = parse_date(data[name])
        except (ValueError, TypeError):
            errors[name] = date_error(data[name])
            continue
        day = parsed[name]
        if day is not None and not EARLIEST_YEAR <= day.year <= today.year + 1:
            errors[name] = Message("the year must be between %(first)d and %(last)d",
                                   first=EARLIEST_YEAR, last=today.year + 1)
    if "starts_on" in data and "starts_on" not in errors and parsed.get("starts_on") is None:
        errors["starts_on"] = Message("a date is required")
    if "starts_on" in errors or "ends_on" in errors:
        return None
    start = parsed.get("starts_on") or (current[0] if current else None)
    if start is None:
        return None
    if "ends_on" in data:
        end = parsed.get("ends_on") or start            # empty: one day
    elif "starts_on" in data:
        # a new start date without an end: one day, unless the span kept still fits
        end = current[1] if current and current[1] >= start and current[0] != current[1] \
            else start
    else:
        end = current[1] if current else start
    if end < start:
        errors["ends_on"] = Message("the last day cannot be before the first day")
        return None
    return start, end


def _count(raw: Any) -> Optional[int]:
    if raw in (None, ""):
        return 0
    if isinstance(raw, bool):
        return None
    try:
        value = int(str(raw).strip().replace(".", "")) if not isinstance(raw, int) else raw
    except ValueError:
        return None
    return value if 0 <= value <= MAX_COUNT else None


def _participants(session: Session, raw: Any, errors: dict[str, Message]) -> list[tuple]:
    if not isinstance(raw, (list, tuple)) or any(not isinstance(r, dict) for r in raw):
        errors["participants"] = Message("a list of counts per target group expected")
        return []
    rows, problems, seen = [], [], set()
    for n, row in enumerate(raw, start=1):
        codes = split_list(row.get("target_group"))
        found: dict[str, Message] = {}
        terms = _terms(session, "target_group", codes[:1], "group", found) if codes else []
        if not terms:
            problems.append(Message("line %(n)s: unknown target group %(value)s", n=n,
                                    value=", ".join(codes) or "—"))
            continue
        numbers = {k: _count(row.get(k)) for k in ("total", "women", "ethnic_minority")}
        bad = [k for k, v in numbers.items() if v is None]
        if bad:
            problems.append(Message("line %(n)s: %(field)s must be a whole number from 0 to "
                                    "%(max)s", n=n, field=COUNT_WORDS[bad[0]], max=MAX_COUNT))
            continue
        total, women, minority = numbers["total"], numbers["women"], numbers["ethnic_minority"]
        over = [(k, v) for k, v in (("women", women), ("ethnic_minority", minority))
                if v > total]
        if over:     # named by its group (the form's rows are groups), only what is over
            problems += [Message("%(group)s: %(field)s (%(count)s) cannot be more than the "
                                 "total (%(total)s)", group=terms[0].label_vi,
                                 field=OVER_WORDS[k], count=v, total=total)
                         for k, v in over]
            continue
        if terms[0].id in seen:
            problems.append(Message("line %(n)s: %(group)s is counted twice", n=n,
                                    group=terms[0].label_vi))
            continue
        seen.add(terms[0].id)
        if total:
            rows.append((terms[0], total, women, minority))
    if problems:
        errors["participants"] = joined(problems)
    return rows


def _product_id(row: dict) -> int:
    try:
        return int(str(row.get("product_id")))
    except ValueError:
        return 0


def _products(session: Session, raw: Any, errors: dict[str, Message], actor: Optional[Actor],
              today: date) -> list[tuple[int, str]]:
    """The (product_id, use) pairs; a product ``actor`` may not see is "no product",
    as one that does not exist (:func:`app.services.access.linked.nameable`)."""
    if not isinstance(raw, (list, tuple)) or any(not isinstance(r, dict) for r in raw):
        errors["products"] = Message("a list of products with their use expected")
        return []
    ids = [i for i in map(_product_id, raw) if 0 < i <= MAX_ID]
    if actor is not None:
        known = nameable(session, actor, ids, today)
    else:
        known = frozenset(session.scalars(select(Product.id).where(Product.id.in_(ids)))) \
            if ids else frozenset()
    out: list[tuple[int, str]] = []
    for n, row in enumerate(raw, start=1):
        use = str(row.get("use") or "shown").strip()
        product_id = _product_id(row)
        if use not in PRODUCT_USES:
            errors["products"] = Message("line %(n)s: the use must be one of %(uses)s", n=n,
                                         uses=", ".join(PRODUCT_USES))
        elif product_id not in known:
            errors["products"] = Message("line %(n)s: no product %(id)s", n=n,
                                         id=row.get("product_id"))
        elif (product_id, use) not in out:
            out.append((product_id, use))
    return out


def resolve(session: Session, data: dict[str, Any], *, creating: bool, today: date,
            current: Optional[tuple[date, date]] = None,
            current_units: tuple[list[Unit], Optional[Unit]] = ([], None),
            actor: Optional[Actor] = None) -> ActivityInput:
    """Check ``data``; raise ValidationError whose ``fields`` name every problem.

    ``current`` is the activity's (first, last) day when updating, and
    ``current_units`` its communes and organiser, so a change of dates alone is checked
    against the units it keeps. Unknown keys are errors (a misspelt field must not
    vanish silently). ``actor``: the writer, who may link only products it may see
    (None: any product that exists, for restores)."""
    errors: dict[str, Message] = {k: Message("unknown field") for k in data if k not in FIELDS}
    if creating:
        for name in REQUIRED:
            if data.get(name) in (None, "", []):
                errors[name] = (Message("a title is required") if name == "title"
                                else Message("this field is required"))
    values: dict[str, Any] = {}
    if "title" in data and "title" not in errors:
        title = normalize_text(str(data["title"] or ""))
        if not title:
            errors["title"] = Message("a title is required")
        elif len(title) > MAX_TITLE:
            errors["title"] = Message("at most %(n)d characters", n=MAX_TITLE)
        values["title"] = title
    for name, limit in (("place", MAX_PLACE), ("description", None)):
        if name in data:
            text = normalize_text(str(data[name] or ""))
            if limit and len(text) > limit:
                errors[name] = Message("at most %(n)d characters", n=limit)
            values[name] = text
    for name, vocabulary in (("kind", "activity_kind"), ("plan_task", "plan_task")):
        if name in data and name not in errors:
            codes = split_list(data[name])
            if len(codes) > 1:
                errors[name] = Message("one value expected, not a list or object")
            else:
                terms = _terms(session, vocabulary, codes, name, errors) if codes else []
                values[name] = terms[0] if terms else None
    days = _dates(data, current, today, errors)
    if days is not None:
        values["starts_on"], values["ends_on"] = days
    if "organiser" in data and "organiser" not in errors:
        codes = split_list(data["organiser"])
        units = _units(session, codes[:1], "organiser", errors) if codes else []
        values["organiser"] = units[0] if units else None
    if "communes" in data:
        values["communes"] = _units(session, split_list(data["communes"]), "communes", errors)
    if days is not None:
        communes = values.get("communes", current_units[0])
        problems = [p for p in (_unit_for_days(u, *days) for u in communes) if p]
        if problems and "communes" not in errors:
            errors["communes"] = joined(problems)
        organiser = values.get("organiser", current_units[1])
        if organiser is not None and "organiser" not in errors:
            problem = _unit_for_days(organiser, *days)
            if problem:
                errors["organiser"] = problem
    if "participants" in data:
        values["participants"] = _participants(session, data["participants"] or [], errors)
    if "products" in data:
        values["products"] = _products(session, data["products"] or [], errors, actor, today)
    if errors:
        first = next(iter(errors))
        raise ValidationError("invalid activity: %(detail)s", field=first, fields=errors,
                              detail=[Message("%(field)s: %(problem)s", field=k, problem=v)
                                      for k, v in errors.items()])
    return ActivityInput(values)
