"""What the activity form offers: kinds, target groups (with their 2028 target share),
plan tasks and units (with the days they existed), read in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.common.clock import local_today
from archive.models import Term, Unit
from archive.text import sort_key


@dataclass(frozen=True)
class Choice:
    code: str
    label_vi: str
    label_en: str
    note: str = ""                       # plan tasks of a kind; validity of a unit
    current: bool = True                 # units: still exists today
    target_percent: Optional[int] = None  # target groups

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi


@dataclass(frozen=True)
class FormChoices:
    kinds: list[Choice]
    target_groups: list[Choice]
    plan_tasks: list[Choice]
    units: list[Choice]
    communes: list[Choice]               # the units of level "commune" only


def _terms(session, vocabulary: str) -> list[Term]:
    return list(session.scalars(select(Term).where(Term.vocabulary == vocabulary,
                                                   Term.active.is_(True))
                                .order_by(Term.position, Term.code)))


def form_choices(kho: Kho) -> FormChoices:
    """Every choice of the activity form and the list's filters."""
    today = local_today(kho.settings)
    with kho.transaction() as session:
        kinds = [Choice(t.code, t.label_vi, t.label_en, ", ".join(t.plan_tasks or []))
                 for t in _terms(session, "activity_kind")]
        groups = [Choice(t.code, t.label_vi, t.label_en, target_percent=t.target_percent)
                  for t in _terms(session, "target_group")]
        tasks = [Choice(t.code, f"{t.code} {t.label_vi}", f"{t.code} {t.label_en}")
                 for t in _terms(session, "plan_task")]
        units = sorted(session.scalars(select(Unit)), key=lambda u: sort_key(u.name))
        unit_choices = [Choice(u.code, u.name, u.name, _span(u),
                               current=u.valid_to is None or u.valid_to >= today)
                        for u in units]
        commune_codes = {u.code for u in units if u.level == "commune"}
    unit_choices.sort(key=lambda c: not c.current)
    return FormChoices(kinds, groups, tasks, unit_choices,
                       [c for c in unit_choices if c.code in commune_codes])


def _span(u: Unit) -> str:
    if u.valid_from and u.valid_to:
        return f"{u.valid_from:%d/%m/%Y}–{u.valid_to:%d/%m/%Y}"
    if u.valid_from:
        return f"{u.valid_from:%d/%m/%Y}–"
    if u.valid_to:
        return f"–{u.valid_to:%d/%m/%Y}"
    return ""
