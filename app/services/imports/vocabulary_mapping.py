"""Vocabularies an imported record needs: found by code, mapped by label, or created.

A term of the record (``{code, label_vi, label_en}``) is the local term with the same
vocabulary and code; failing that, the local term of that vocabulary with the same
Vietnamese label (compared NFC, case-folded), reported as *mapped*; failing that, a
new term with the record's code and labels, reported as *created*. Units
(``{code, name, gso_code}``) likewise: by code, then by name and GSO code, else a new
unit (level ``commune`` for a product's communes, ``district-office`` otherwise —
reported, so an admin can set its validity and successor).

A dry run resolves the same way without writing: what would be created is reported
and remembered, so one new term counts once.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Term, Unit

# record key -> vocabulary of its terms
TERM_KEYS = {"kind": "kind", "languages": "language", "themes": "theme",
             "conventions": "convention", "channels": "channel", "plan_task": "plan_task"}
UNIT_KEYS = ("lead_unit", "cooperating_units", "communes")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").casefold().strip()


@dataclass
class VocabularyReport:
    created_terms: list[str] = field(default_factory=list)   # "theme:new-code"
    mapped_terms: list[str] = field(default_factory=list)    # "theme:their -> ours"
    created_units: list[str] = field(default_factory=list)   # "code (level)"
    mapped_units: list[str] = field(default_factory=list)    # "their -> ours"


class Vocabularies:
    """Resolves record terms and units to local rows (ids), creating what is missing
    when ``write`` is True. One instance serves a whole import."""

    def __init__(self, session: Session, *, write: bool) -> None:
        self.write = write
        self.report = VocabularyReport()
        self._terms: dict[tuple[str, str], Optional[int]] = {}
        self._term_labels: dict[tuple[str, str], int] = {}
        self._units: dict[str, Optional[int]] = {}
        self._unit_names: dict[tuple[str, str], int] = {}
        self._term_codes: dict[int, str] = {}
        self._unit_codes: dict[int, str] = {}
        for term in session.scalars(select(Term)):
            self._remember_term(term)
        for unit in session.scalars(select(Unit)):
            self._remember_unit(unit)

    def _remember_term(self, term: Term) -> None:
        self._terms[(term.vocabulary, term.code)] = term.id
        self._term_labels.setdefault((term.vocabulary, _fold(term.label_vi)), term.id)
        self._term_codes[term.id] = term.code

    def _remember_unit(self, unit: Unit) -> None:
        self._units[unit.code] = unit.id
        self._unit_names.setdefault((_fold(unit.name), unit.gso_code or ""), unit.id)
        self._unit_codes[unit.id] = unit.code

    def term(self, session: Session, vocabulary: str, value: dict[str, Any],
             create: bool = True) -> Optional[int]:
        """The local term id for a record term; None for a new term in a dry run or
        when ``create`` is False (a lookup for comparison only)."""
        key = (vocabulary, value["code"])
        if key in self._terms:
            return self._terms[key]
        by_label = self._term_labels.get((vocabulary, _fold(value.get("label_vi", ""))))
        if by_label is not None:
            self._terms[key] = by_label
            self.report.mapped_terms.append(
                f"{vocabulary}:{value['code']} -> {self._term_codes[by_label]}")
            return by_label
        if not create:
            return None
        self.report.created_terms.append(f"{vocabulary}:{value['code']}")
        if not self.write:
            self._terms[key] = None
            return None
        term = Term(vocabulary=vocabulary, code=value["code"],
                    label_vi=value.get("label_vi") or value["code"],
                    label_en=value.get("label_en") or "", position=1000)
        session.add(term)
        session.flush()
        self._remember_term(term)
        return term.id

    def unit(self, session: Session, value: dict[str, Any], level: str,
             create: bool = True) -> Optional[int]:
        """The local unit id for a record unit; None for a new unit in a dry run or
        when ``create`` is False."""
        code = value["code"]
        if code in self._units:
            return self._units[code]
        by_name = self._unit_names.get((_fold(value.get("name", "")), value.get("gso_code") or ""))
        if by_name is not None:
            self._units[code] = by_name
            self.report.mapped_units.append(f"{code} -> {self._unit_codes[by_name]}")
            return by_name
        if not create:
            return None
        self.report.created_units.append(f"{code} ({level})")
        if not self.write:
            self._units[code] = None
            return None
        unit = Unit(code=code, name=value.get("name") or code, level=level,
                    gso_code=value.get("gso_code"))
        session.add(unit)
        session.flush()
        self._remember_unit(unit)
        return unit.id

    def resolve(self, session: Session, record: dict[str, Any], create: bool = True
                ) -> dict[str, Any]:
        """The record's vocabulary fields as local ids: ``{"kind": 3, "languages":
        [1, 7], "lead_unit": 12, …}`` (None / left out where nothing local matches and
        nothing is created)."""
        out: dict[str, Any] = {}
        for key, vocabulary in TERM_KEYS.items():
            out[key] = self._each(record.get(key), lambda v: self.term(
                session, vocabulary, v, create))
        for key in UNIT_KEYS:
            level = "commune" if key == "communes" else "district-office"
            out[key] = self._each(record.get(key), lambda v: self.unit(
                session, v, level, create))
        return out

    @staticmethod
    def _each(values: Any, find) -> Any:
        if isinstance(values, list):
            return [i for i in (find(v) for v in values) if i is not None]
        return find(values) if values else None

    def local_codes(self, session: Session, record: dict[str, Any]) -> dict[str, Any]:
        """The record's vocabulary fields as local codes after mapping (lists sorted),
        comparable with a local product's; a value with no local match keeps its
        own code marked ``?`` so it differs from anything local. Creates nothing."""
        out: dict[str, Any] = {}
        for key in (*TERM_KEYS, *UNIT_KEYS):
            values = record.get(key)
            if key in TERM_KEYS:
                def find(v: dict[str, Any], vocabulary: str = TERM_KEYS[key]) -> str:
                    found = self.term(session, vocabulary, v, create=False)
                    return self._term_codes[found] if found is not None else "?" + v["code"]
            else:
                def find(v: dict[str, Any]) -> str:
                    found = self.unit(session, v, "", create=False)
                    return self._unit_codes[found] if found is not None else "?" + v["code"]
            if isinstance(values, list):
                out[key] = sorted(find(v) for v in values)
            else:
                out[key] = find(values) if values else None
        return out
