"""Checking the access a product is given (issue 26): its level and audience, its
embargo date, its community-protocol note, a file's own level and a consent's uses.

Shared by the API, the edit form, manifests and the bag import through
:func:`app.services.catalogue.product_input.resolve`, so every door refuses the same
things with a 422 naming the field:

- ``access``: an unknown level, or ``restricted`` with nobody in its audience;
- ``access.audience.units``: a unit code that is unknown, or that no longer exists
  today (the message names the unit and its successor, when it has one) — a unit
  already in the product's audience stays accepted after it ends, so an edit of
  something else does not fail on it;
- ``access.audience.roles``: a role that is not one of :data:`archive.models.ROLES`;
- ``embargo_until``: a day before today (when it changes: an embargo that already
  opened may stay recorded) or more than :data:`MAX_EMBARGO_YEARS` years ahead;
- ``sensitive``: gone (issue 26); the message says to use ``access``;
- a consent's ``uses`` outside :data:`archive.access.USES`, a file level looser than
  its product's.

Levels and uses are matched by code or by their Vietnamese (or English) label, with
or without diacritics (a manifest typed by office staff says "Nội bộ").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.common.parameters import date_error, parse_date
from archive.access import LEVELS, USES
from archive.errors import Message
from archive.models import ROLES, Term, Unit
from archive.text import fold, normalize_text

MAX_EMBARGO_YEARS = 10
MAX_PROTOCOL_NOTE = 2_000     # characters, as a rights note
ACCESS_FIELDS = ("access", "embargo_until", "protocol_note")
# the labels the vocabularies seed (archive/seed/vocabularies.toml); an instance whose
# administrators relabelled a level is matched by its own labels too
LEVEL_LABELS = {"public": ("Công khai", "Public"),
                "internal": ("Nội bộ (tài khoản đã đăng nhập)", "Internal (signed-in accounts)"),
                "restricted": ("Hạn chế (theo đối tượng)", "Restricted (to an audience)"),
                "closed": ("Không phổ biến (chỉ đơn vị quản lý)",
                           "Closed (the owning office only)")}
USE_LABELS = {"radio": ("Phát thanh", "Radio"),
              "website": ("Trang thông tin điện tử", "Website"),
              "social": ("Mạng xã hội", "Social media"),
              "exhibition": ("Triển lãm", "Exhibition"),
              "archive": ("Chỉ lưu trữ", "Archive only")}
VOCABULARY_OF = {"level": "access_level", "use": "consent_use"}
# short words a spreadsheet may say besides the labels
_LEVEL_WORDS = {"cong khai": "public", "noi bo": "internal", "han che": "restricted",
                "khong pho bien": "closed", "mat": "closed", "dong": "closed"}


_SPLIT = re.compile(r"[;,|\n]")


def split_list(value: Any) -> list[str]:
    """A list from a list or a ``;``/``,``/``|`` separated string; blanks dropped (as
    :func:`app.services.catalogue.product_input.split_list`, which imports this module)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else _SPLIT.split(str(value))
    return list(dict.fromkeys(v for v in (normalize_text(str(i)) for i in items) if v))


def _unit_by_name(session: Session, name: str) -> Optional[Unit]:
    """A unit by its name or short name, ignoring diacritics; the one valid today wins."""
    key = fold(name)
    matches = [u for u in session.scalars(select(Unit))
               if key in (fold(u.name), fold(u.short_name or ""))]
    matches.sort(key=lambda u: (u.valid_to is not None, u.id))
    return matches[0] if matches else None


@dataclass
class AccessInput:
    """Checked access values (only what was given): ``level``, ``audience_units``
    (Unit rows), ``audience_roles`` (codes), ``embargo_until``, ``protocol_note``."""

    values: dict[str, Any] = field(default_factory=dict)


def _words(session: Optional[Session], vocabulary: str,
           builtin: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Folded code, label and short word -> code, for one of the two vocabularies."""
    words = {fold(code): code for code in builtin}
    for code, labels in builtin.items():
        words.update({fold(label): code for label in labels})
    if session is not None:
        for term in session.scalars(select(Term).where(Term.vocabulary == vocabulary)):
            if term.code in builtin:
                words.update({fold(term.label_vi): term.code, fold(term.label_en or term.code):
                              term.code})
    return words


def level_code(session: Optional[Session], value: Any) -> Optional[str]:
    """The level ``value`` names (a code, a label, a short word like "nội bộ"), or None."""
    key = fold(normalize_text(str(value or ""))).strip()
    words = _words(session, VOCABULARY_OF["level"], LEVEL_LABELS)
    return words.get(key) or _LEVEL_WORDS.get(key)


def use_codes(session: Optional[Session], values: Any) -> tuple[list[str], list[str]]:
    """(codes, unknown values) of consent uses given as a list or a ``;``/``,`` list."""
    words = _words(session, VOCABULARY_OF["use"], USE_LABELS)
    codes, unknown = [], []
    items = values if isinstance(values, (list, tuple)) else [values]
    for item in [part for value in items for part in split_list(value)]:
        code = words.get(fold(item))
        (codes.append(code) if code else unknown.append(item))
    return list(dict.fromkeys(codes)), unknown


def _parse_access(data: Any) -> tuple[Any, Any, Any, Optional[Message]]:
    """(level, units, roles, problem) from the ``access`` value: an object
    ``{"level", "audience": {"units", "roles"}}`` or a bare level; None where absent."""
    if data is None or isinstance(data, (str, int, float)) and not isinstance(data, bool):
        return data, None, None, None
    if not isinstance(data, dict):
        return None, None, None, Message('access must be a level ("public", "internal", '
                                         '"restricted", "closed") or an object with "level" '
                                         'and "audience"')
    unknown = sorted(set(data) - {"level", "audience"})
    if unknown:
        return None, None, None, Message("unknown field(s) in access: %(names)s",
                                         names=", ".join(unknown))
    audience = data.get("audience")
    if audience is None:
        return data.get("level"), None, None, None
    if not isinstance(audience, dict) or set(audience) - {"units", "roles"}:
        return None, None, None, Message('the audience must be an object with "units" '
                                         'and "roles" (lists of codes)')
    return data.get("level"), audience.get("units"), audience.get("roles"), None


def _audience_units(session: Session, codes: list[str], current: frozenset[int],
                    today: date, errors: dict[str, Message]) -> list[Unit]:
    found, unknown, ended = [], [], []
    for code in codes:
        unit = session.scalar(select(Unit).where(Unit.code == code)) or \
            _unit_by_name(session, code)
        if unit is None:
            unknown.append(code)
        elif unit.valid_to is not None and unit.valid_to < today and unit.id not in current:
            ended.append(unit)
        else:
            found.append(unit)
    name = "access.audience.units"
    if unknown:
        errors[name] = Message("unknown unit code(s): %(codes)s", codes=", ".join(unknown))
    elif ended:
        unit = ended[0]
        successor = next((u for u in unit.lineage()[1:] if u.valid_on(today)), None)
        errors[name] = (
            Message("%(unit)s no longer exists (since %(day)s); its successor is %(successor)s "
                    "(%(code)s)", unit=unit.name, day=_vn(unit.valid_to), successor=successor.name,
                    code=successor.code) if successor is not None else
            Message("%(unit)s no longer exists (since %(day)s)", unit=unit.name,
                    day=_vn(unit.valid_to)))
    return list({u.id: u for u in found}.values())


def resolve_access(session: Session, data: dict[str, Any], errors: dict[str, Message],
                   today: date, product: Any = None) -> AccessInput:
    """Check the access fields of ``data`` (``product``: the product being edited,
    None when creating) into :class:`AccessInput`; problems go into ``errors`` by
    field. A level left out keeps the product's (``public`` for a new one); an
    audience left out keeps the product's while it stays restricted; a product that
    is not restricted keeps no audience."""
    out: dict[str, Any] = {}
    if "sensitive" in data:
        errors["sensitive"] = Message('"sensitive" is gone: send "access" with a level '
                                      '(public, internal, restricted or closed)')
    if "access" in data:
        level, units, roles, problem = _parse_access(data["access"])
        if problem is not None:
            errors["access"] = problem
        else:
            if level is not None and str(level).strip():
                code = level_code(session, level)
                if code is None:
                    errors["access"] = Message("unknown access level %(value)s; choose one "
                                               "of %(choices)s", value=str(level)[:40],
                                               choices=", ".join(LEVELS))
                else:
                    out["level"] = code
            elif not isinstance(data["access"], dict):
                errors["access"] = Message("an access level is required")
            current = frozenset(a.unit_id for a in product.audience_units) if product else \
                frozenset()
            if units is not None:
                out["audience_units"] = _audience_units(session, split_list(units), current,
                                                        today, errors)
            if roles is not None:
                codes = split_list(roles)
                wrong = [r for r in codes if r not in ROLES]
                if wrong:
                    errors["access.audience.roles"] = Message(
                        "unknown role(s): %(roles)s; choose among %(choices)s",
                        roles=", ".join(wrong), choices=", ".join(ROLES))
                out["audience_roles"] = [r for r in codes if r in ROLES]
    _embargo(data, errors, today, product, out)
    if "protocol_note" in data:
        note = data["protocol_note"]
        if note is not None and not isinstance(note, (str, int, float)) or \
                isinstance(note, bool):
            errors["protocol_note"] = Message("text expected, not true or false")
        else:
            text = normalize_text(str(note or ""))
            if len(text) > MAX_PROTOCOL_NOTE:
                errors["protocol_note"] = Message("at most %(n)d characters",
                                                  n=MAX_PROTOCOL_NOTE)
            out["protocol_note"] = text
    _audience_required(out, errors, product)
    return AccessInput(out)


def _embargo(data: dict[str, Any], errors: dict[str, Message], today: date, product: Any,
             out: dict[str, Any]) -> None:
    if "embargo_until" not in data:
        return
    raw = data["embargo_until"]
    if isinstance(raw, (bool, list, dict)):
        errors["embargo_until"] = Message("a date expected (dd/mm/yyyy), or nothing")
        return
    try:
        day = parse_date(raw)
    except ValueError:
        errors["embargo_until"] = date_error(raw)
        return
    unchanged = product is not None and product.embargo_until == day
    if day is not None and not unchanged:
        if day < today:
            errors["embargo_until"] = Message("an embargo cannot end in the past "
                                              "(today is %(today)s)", today=_vn(today))
        elif day > _years_ahead(today, MAX_EMBARGO_YEARS):
            errors["embargo_until"] = Message("an embargo may last at most %(n)d years "
                                              "(until %(last)s)", n=MAX_EMBARGO_YEARS,
                                              last=_vn(_years_ahead(today, MAX_EMBARGO_YEARS)))
    out["embargo_until"] = day


def _vn(day: date) -> str:
    """A date as Vietnamese readers write it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def _years_ahead(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year + years)
    except ValueError:                  # 29 February
        return today.replace(year=today.year + years, day=28)


def _audience_required(out: dict[str, Any], errors: dict[str, Message], product: Any) -> None:
    """A restricted product needs somebody in its audience; any other level keeps none."""
    if any(k in errors for k in ("access", "access.audience.units",
                                 "access.audience.roles")):
        return
    level = out.get("level", product.access_level if product is not None else "public")
    if level != "restricted":
        if product is not None and (product.audience_units or product.audience_roles) \
                or out.get("audience_units") or out.get("audience_roles"):
            out["audience_units"], out["audience_roles"] = [], []
        return
    units = out.get("audience_units")
    roles = out.get("audience_roles")
    if units is None:
        units = [a.unit_id for a in product.audience_units] if product is not None else []
    if roles is None:
        roles = [a.role for a in product.audience_roles] if product is not None else []
    if not units and not roles:
        errors["access"] = Message("a restricted product needs an audience: at least one "
                                   "unit or role")


def file_level(session: Optional[Session], product_level: str, value: Any) -> Optional[str]:
    """A file's own level from ``value`` (None or "": None, as its product; a level
    equal to the product's is kept, so the file stays that strict if the product is
    later opened); raises
    :class:`archive.errors.ValidationError` (field ``access_level``) for an unknown
    level or one looser than ``product_level``."""
    from archive.errors import ValidationError

    if value is None or str(value).strip().lower() in ("", "none", "null", "inherit"):
        return None
    code = level_code(session, value)
    if code is None:
        raise ValidationError("unknown access level %(value)s; choose one of %(choices)s",
                              field="access_level", value=str(value)[:40],
                              choices=", ".join(LEVELS))
    if LEVELS.index(code) < LEVELS.index(product_level):
        raise ValidationError("a file cannot be more open than its product (%(level)s)",
                              field="access_level", level=product_level)
    return code      # as strict as the product is kept: a later looser product leaves it


def check_uses(session: Optional[Session], values: Any) -> list[str]:
    """Consent uses as codes; ValidationError (field ``uses``) for anything outside
    :data:`archive.access.USES`, or none at all."""
    from archive.errors import ValidationError

    codes, unknown = use_codes(session, values)
    if unknown:
        raise ValidationError("unknown use(s): %(uses)s; choose among %(choices)s",
                              field="uses", uses=", ".join(unknown), choices=", ".join(USES))
    if not codes:
        raise ValidationError("name at least one use the consent allows", field="uses")
    return codes
