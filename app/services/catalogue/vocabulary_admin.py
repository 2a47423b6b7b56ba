"""Editing the vocabularies (admin only, ``vocabulary.edit``): terms' labels, active
flag and counting flags; units' names, validity and successors, and new units.

Codes never change (products and the index refer to them). The counting flags decide
what a product counts as on the 2028 targets: a language flagged ``ethnic_minority``
makes it an ethnic-language product, ``foreign`` a foreign-language one, a channel
flagged ``digital_platform`` a digital one (see app.services.stats.plan_progress). The figures follow
a flag change at once (the statistics cache fingerprints every flag); the products
using the term are marked for the search index, whose facets carry the same flags.
Every change adds a ``vocabulary.edit`` Event.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.search import indexing
from app.services.access.actors import Actor
from app.services.common.parameters import date_error, parse_date
from app.services.common.clock import local_today
from archive import access
from archive.catalogue import product_terms
from archive.errors import Conflict, NotFound, ValidationError
from archive.models import VOCABULARIES, Event, Term, Unit
from archive.text import normalize_text

MAX_LABEL = 300
TERM_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
UNIT_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
GSO_CODE = re.compile(r"[0-9]{1,10}")
# the counting flags each vocabulary has (checkbox name -> Term column)
FLAGS: dict[str, tuple[str, ...]] = {"language": ("ethnic_minority", "foreign"),
                                     "channel": ("digital_platform",)}
# unit levels (kinds) the seed uses; an admin may add one of these
# what a letterhead needs (field -> most characters); see archive.vocabulary.Unit
LETTERHEAD = {"letterhead_name": 300, "place_name": 120, "signer_title": 200,
              "signer_name": 200}
LEVELS = ("commune", "district", "district-office", "district-organisation", "province",
          "national")


@dataclass(frozen=True)
class Saved:
    """What an edit of a term or a unit did, for the message the admin reads.

    ``label_vi``/``label_en``: the term's labels (a unit's name in ``label_vi``) after
    the edit; ``changed``: the fields whose value changed, in the order of the form
    (``label_vi``, ``label_en``, ``active``, a flag; ``name``, ``valid_from``,
    ``valid_to``, ``successor``, a letterhead field, ``reports_to``,
    ``consolidates``), empty when nothing changed; ``active``: a term's state after it.
    """

    code: str
    label_vi: str
    label_en: str = ""
    changed: tuple[str, ...] = ()
    active: bool = True


def _audit(session, actor: Actor, detail: str) -> None:
    session.add(Event(action="vocabulary.edit", user_id=actor.user_id, detail=detail[:2000]))


def _label(value: Any, field: str, required: bool = True) -> str:
    text = normalize_text(str(value or ""))
    if required and not text:
        raise ValidationError("a label is required", field=field)
    if len(text) > MAX_LABEL:
        raise ValidationError("at most %(n)d characters", field=field, n=MAX_LABEL)
    return text


# access levels and consent uses (issue 26): the access rule reads these codes, so an
# administrator edits their labels but adds none
FIXED_CODES = {"access_level": access.LEVELS, "consent_use": access.USES}


def _known(vocabulary: str) -> None:
    if vocabulary not in VOCABULARIES:
        raise NotFound("no vocabulary %(name)s", field="vocabulary", name=vocabulary)


def list_terms(kho: Kho, actor: Actor, vocabulary: str) -> list[dict[str, Any]]:
    """All terms of a vocabulary, inactive ones included, in display order; ``flags``
    holds the counting flags the vocabulary has (see :data:`FLAGS`)."""
    actor.require("vocabulary.edit")
    _known(vocabulary)
    with kho.transaction() as session:
        rows = session.scalars(select(Term).where(Term.vocabulary == vocabulary)
                               .order_by(Term.position, Term.code))
        return [{"code": t.code, "label_vi": t.label_vi, "label_en": t.label_en,
                 "active": t.active,
                 "flags": {f: bool(getattr(t, f)) for f in FLAGS.get(vocabulary, ())}}
                for t in rows]


def _flag_values(vocabulary: str, flags: Optional[Mapping[str, Any]]) -> dict[str, bool]:
    """The flags to set: only those the vocabulary has; None sets none."""
    if flags is None:
        return {}
    return {f: bool(flags.get(f)) for f in FLAGS.get(vocabulary, ())}


def _reindex_users_of(session, term: Term) -> None:
    ids = list(session.scalars(select(product_terms.c.product_id)
                               .where(product_terms.c.term_id == term.id)))
    indexing.mark(session, ids)


def update_term(kho: Kho, actor: Actor, vocabulary: str, code: str, *, label_vi: Any,
                label_en: Any, active: bool, flags: Optional[Mapping[str, Any]] = None
                ) -> Saved:
    """Change the labels, active flag (inactive: hidden from pickers) and, when
    ``flags`` is given, the counting flags of one term (a flag missing from ``flags``
    is cleared); what changed. NotFound for an unknown term, ValidationError for a
    missing label."""
    actor.require("vocabulary.edit")
    vi, en = _label(label_vi, "label_vi"), _label(label_en, "label_en", required=False)
    wanted = _flag_values(vocabulary, flags)
    with kho.transaction() as session:
        term = session.scalar(select(Term).where(Term.vocabulary == vocabulary,
                                                 Term.code == code))
        if term is None:
            raise NotFound("no term %(code)s in %(name)s", field="code", code=code,
                           name=vocabulary)
        before = (term.label_vi, term.label_en, term.active)
        old_flags = {f: bool(getattr(term, f)) for f in wanted}
        term.label_vi, term.label_en, term.active = vi, en, bool(active)
        for name, value in wanted.items():
            setattr(term, name, value)
        changed = [f"{f}={v}" for f, v in wanted.items() if old_flags[f] != v]
        if changed:
            _reindex_users_of(session, term)
        if before != (vi, en, bool(active)) or changed:
            _audit(session, actor, f"{vocabulary}:{code} {before!r} -> "
                                   f"{(vi, en, bool(active))!r} {' '.join(changed)}")
    if changed:
        indexing.queue_flush(kho)
    fields = [name for name, old, new in zip(("label_vi", "label_en", "active"), before,
                                             (vi, en, bool(active))) if old != new]
    return Saved(code, vi, en, tuple(fields + [f for f, v in wanted.items()
                                               if old_flags[f] != v]), bool(active))


def add_term(kho: Kho, actor: Actor, vocabulary: str, code: str, *, label_vi: Any,
             label_en: Any = "", flags: Optional[Mapping[str, Any]] = None) -> Saved:
    """Add a term with a new stable code (lower-case ASCII letters, digits, '-') and
    its counting flags; the term as stored. NotFound (vocabulary), ValidationError,
    Conflict (code taken)."""
    actor.require("vocabulary.edit")
    _known(vocabulary)
    if vocabulary in FIXED_CODES:      # the rule reads these codes: only labels are data
        raise ValidationError("the codes of this vocabulary are fixed (%(codes)s): edit "
                              "their labels", field="code",
                              codes=", ".join(FIXED_CODES[vocabulary]))
    code = (code or "").strip()
    if not TERM_CODE.fullmatch(code):
        raise ValidationError("use 1–40 lower-case letters, digits or '-'", field="code")
    vi, en = _label(label_vi, "label_vi"), _label(label_en, "label_en", required=False)
    with kho.transaction() as session:
        if session.scalar(select(Term.id).where(Term.vocabulary == vocabulary,
                                                Term.code == code)):
            raise Conflict("code %(code)s already exists", field="code", code=code)
        last = session.scalar(select(Term.position).where(Term.vocabulary == vocabulary)
                              .order_by(Term.position.desc()).limit(1)) or 0
        wanted = _flag_values(vocabulary, flags)
        session.add(Term(vocabulary=vocabulary, code=code, label_vi=vi, label_en=en,
                         position=last + 1, **wanted))
        _audit(session, actor, f"{vocabulary}:{code} added "
                               + " ".join(f"{f}={v}" for f, v in wanted.items()))
    return Saved(code, vi, en)


# --- units -------------------------------------------------------------------------

def list_units(kho: Kho, actor: Actor, level: Optional[str] = None) -> list[dict[str, Any]]:
    actor.require("vocabulary.edit")
    with kho.transaction() as session:
        stmt = select(Unit).order_by(Unit.level, Unit.name)
        if level:
            stmt = stmt.where(Unit.level == level)
        today = local_today(kho.settings)
        return [{"code": u.code, "name": u.name, "level": u.level, "gso_code": u.gso_code,
                 "valid_from": u.valid_from, "valid_to": u.valid_to,
                 "successor": u.successor.code if u.successor else "",
                 "parent": u.parent.code if u.parent else "",
                 "current": u.valid_to is None or u.valid_to >= today,
                 **{name: getattr(u, name) for name in LETTERHEAD},
                 "reports_to": u.reports_to.code if u.reports_to else "",
                 "consolidates": bool(u.consolidates)}
                for u in session.scalars(stmt)]


def unit_levels(kho: Kho, actor: Actor) -> list[str]:
    """The levels (kinds) a unit may have: :data:`LEVELS` and any other in use."""
    actor.require("vocabulary.edit")
    with kho.transaction() as session:
        used = set(session.scalars(select(Unit.level).distinct()))
    return list(LEVELS) + sorted(used - set(LEVELS))


def _optional_date(value: Any, field: str) -> Optional[date]:
    try:
        return parse_date(value or None)
    except ValueError:
        problem = date_error(value)
        raise ValidationError(problem.template, field=field, **problem.params) from None


def _validity(valid_from: Any, valid_to: Any) -> tuple[Optional[date], Optional[date]]:
    start, end = _optional_date(valid_from, "valid_from"), _optional_date(valid_to, "valid_to")
    if start and end and end < start:
        raise ValidationError("the end of validity is before its start", field="valid_to")
    return start, end


def _unit_ref(session, value: Any, field: str) -> Optional[Unit]:
    code = normalize_text(str(value or ""))
    if not code:
        return None
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise ValidationError("unknown unit code %(code)s", field=field, code=code)
    return unit


def _letterhead_values(values: Mapping[str, Any]) -> dict[str, str]:
    """The letterhead fields given (None: left as they are), normalised and checked."""
    out = {}
    for field, limit in LETTERHEAD.items():
        if values.get(field) is None:
            continue
        text = normalize_text(str(values[field])).strip()
        if len(text) > limit:
            raise ValidationError("at most %(n)d characters", field=field, n=limit)
        out[field] = text
    return out


def update_unit(kho: Kho, actor: Actor, code: str, *, name: Any, valid_from: Any,
                valid_to: Any, successor: Any, reports_to: Any = None,
                consolidates: Optional[bool] = None, **letterhead: Any) -> Saved:
    """Rename a unit, set its validity (dd/mm/yyyy) and successor (a unit code or "");
    and, when given, what its letterhead needs (the yearly report reads them on the
    report's date, app.services.reports.letterhead): ``letterhead_name``, ``place_name``
    (địa danh), ``signer_title`` (lines separated by ``|``), ``signer_name`` and
    ``reports_to`` (the code of the body its reports go to; "" = the consolidating body
    above it, else the parent); ``consolidates``: whether it collects the yearly
    contributions of the units beneath it (app.services.contributions.chain). None
    leaves a field as it is. Returns what changed (the name in ``label_vi``)."""
    actor.require("vocabulary.edit")
    name = _label(name, "name")
    start, end = _validity(valid_from, valid_to)
    unknown = sorted(set(letterhead) - set(LETTERHEAD))
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              names=", ".join(unknown))
    fields = _letterhead_values(letterhead)
    with kho.transaction() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            raise NotFound("no unit %(code)s", field="code", code=code)
        heir = _unit_ref(session, successor, "successor")
        if heir is not None and heir.id == unit.id:
            raise ValidationError("a unit cannot succeed itself", field="successor")
        before = _unit_values(unit)
        unit.name, unit.valid_from, unit.valid_to, unit.successor = name, start, end, heir
        for field, value in fields.items():
            setattr(unit, field, value)
        if consolidates is not None:
            unit.consolidates = bool(consolidates)
            fields = {**fields, "consolidates": unit.consolidates}
        target = ""
        if reports_to is not None:
            receiver = _unit_ref(session, reports_to, "reports_to")
            if receiver is not None and receiver.id == unit.id:
                raise ValidationError("a unit cannot report to itself", field="reports_to")
            unit.reports_to, target = receiver, receiver.code if receiver else ""
        _audit(session, actor, f"unit {code}: name={name!r} valid {start}..{end} "
                               f"successor={heir.code if heir else ''} "
                               + " ".join(f"{k}={v!r}" for k, v in fields.items())
                               + (f" reports_to={target}" if reports_to is not None else ""))
        after = _unit_values(unit)
        return Saved(code, unit.name, changed=tuple(k for k in after if before[k] != after[k]))


def _unit_values(unit: Unit) -> dict[str, Any]:
    """A unit's editable values, in the order of its form, to tell what an edit did."""
    return {"name": unit.name, "valid_from": unit.valid_from, "valid_to": unit.valid_to,
            "successor": unit.successor.code if unit.successor else "",
            **{field: getattr(unit, field) or "" for field in LETTERHEAD},
            "reports_to": unit.reports_to.code if unit.reports_to else "",
            "consolidates": bool(unit.consolidates)}


def add_unit(kho: Kho, actor: Actor, code: Any, *, name: Any, level: Any,
             gso_code: Any = "", parent: Any = "", valid_from: Any = "", valid_to: Any = "",
             successor: Any = "") -> Saved:
    """Add a unit: a stable code (1–60 lower-case letters, digits, '-'), its name, level
    (one of :func:`unit_levels`), GSO code (digits; communes), parent unit, validity
    (dd/mm/yyyy) and the unit that replaced it (for a unit added after a merger); the
    unit as stored (its name in ``label_vi``). ValidationError names the field;
    Conflict when the code exists."""
    actor.require("vocabulary.edit")
    code = normalize_text(str(code or "")).strip()
    if not UNIT_CODE.fullmatch(code):
        raise ValidationError("use 1–60 lower-case letters, digits or '-'", field="code")
    name = _label(name, "name")
    level = normalize_text(str(level or "")).strip()
    if level not in unit_levels(kho, actor):
        raise ValidationError("choose one of %(choices)s", field="level",
                              choices=", ".join(unit_levels(kho, actor)))
    gso = normalize_text(str(gso_code or "")).strip()
    if gso and not GSO_CODE.fullmatch(gso):
        raise ValidationError("a GSO code has digits only (at most 10)", field="gso_code")
    start, end = _validity(valid_from, valid_to)
    with kho.transaction() as session:
        if session.scalar(select(Unit.id).where(Unit.code == code)):
            raise Conflict("code %(code)s already exists", field="code", code=code)
        session.add(Unit(code=code, name=name, short_name="", level=level, gso_code=gso or None,
                         valid_from=start, valid_to=end,
                         parent=_unit_ref(session, parent, "parent"),
                         successor=_unit_ref(session, successor, "successor")))
        _audit(session, actor, f"unit {code} added: {name!r} level={level} gso={gso} "
                               f"valid {start}..{end}")
    return Saved(code, name)
