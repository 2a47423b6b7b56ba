"""Use cases for vocabularies: listing entries (for pickers, CLI, API)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.common.clock import local_today
from archive.errors import ValidationError
from archive.models import Term, Unit
from archive.text import sort_key

# names accepted on the command line / API -> vocabulary (or "units"/"communes")
NAMES = {"kinds": "kind", "themes": "theme", "conventions": "convention",
         "languages": "language", "channels": "channel", "plan_tasks": "plan_task",
         "plan-tasks": "plan_task", "units": "units", "communes": "communes",
         "activity_kinds": "activity_kind", "target_groups": "target_group",
         "access_levels": "access_level", "consent_uses": "consent_use"}


@dataclass(frozen=True)
class Entry:
    code: str
    label_vi: str
    label_en: str
    flags: dict = field(default_factory=dict)

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi


def _term_entry(t: Term) -> Entry:
    flags: dict = {}
    if t.vocabulary == "language":
        flags = {"ethnic_minority": t.ethnic_minority, "foreign": t.foreign}
    elif t.vocabulary == "channel":
        flags = {"digital_platform": t.digital_platform}
    elif t.vocabulary == "kind":
        flags = {"media": list(t.media)}
    elif t.vocabulary == "activity_kind":
        flags = {"plan_tasks": list(t.plan_tasks or [])}
    elif t.vocabulary == "target_group":
        flags = {"target_percent": t.target_percent}
    elif t.vocabulary == "plan_task":
        flags = {"lead": t.lead_unit.code if t.lead_unit else None,
                 "cooperating": [u.code for u in t.cooperating_units]}
    return Entry(t.code, t.label_vi, t.label_en, flags)


def _unit_entry(u: Unit, today: date) -> Entry:
    succ = u.successor.code if u.successor else None
    return Entry(u.code, u.name, u.name, {
        "level": u.level, "gso_code": u.gso_code, "successor": succ,
        "valid_from": u.valid_from.isoformat() if u.valid_from else None,
        "valid_to": u.valid_to.isoformat() if u.valid_to else None,
        "current": u.valid_to is None or u.valid_to >= today})


def list_vocabulary(kho: Kho, name: str) -> list[Entry]:
    """Entries of one vocabulary, in seed order (terms) or Vietnamese order (units).

    Raises ValidationError (field ``name``) for a name not in :func:`vocabulary_names`.
    """
    if name not in vocabulary_names():
        raise ValidationError("unknown vocabulary %(name)s; choose one of %(choices)s",
                              field="name", name=repr(name),
                              choices=", ".join(vocabulary_names()))
    vocabulary = NAMES.get(name, name)
    with kho.transaction() as session:
        if vocabulary in ("units", "communes"):
            stmt = select(Unit)
            if vocabulary == "communes":
                stmt = stmt.where(Unit.level == "commune")
            units = sorted(session.scalars(stmt), key=lambda u: sort_key(u.name))
            today = local_today(kho.settings)   # Vietnam's date, not the server's
            return [_unit_entry(u, today) for u in units]
        terms = session.scalars(select(Term).where(Term.vocabulary == vocabulary,
                                                   Term.active.is_(True))
                                .order_by(Term.position, Term.code))
        return [_term_entry(t) for t in terms]


def all_vocabularies(kho: Kho) -> dict[str, list[Entry]]:
    return {n: list_vocabulary(kho, n) for n in vocabulary_names()}


def vocabulary_names() -> list[str]:
    return ["kinds", "themes", "conventions", "languages", "channels", "plan_tasks",
            "communes", "units", "activity_kinds", "target_groups", "access_levels",
            "consent_uses"]
