"""Load the vocabulary seed file (``archive/seed/vocabularies.toml``) into the database.

Idempotent: entries are matched by code and inserted when missing. Existing rows are
left as they are, because administrators may have edited them since (vocabularies are
data, editable without code changes). Returns counts of inserted rows per table.
"""
from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.errors import ValidationError
from archive.text import normalize_text
from archive.vocabulary import Term, Unit

SEED_FILE = Path(__file__).with_name("seed") / "vocabularies.toml"
TERM_TABLES = {"kinds": "kind", "themes": "theme", "conventions": "convention",
               "languages": "language", "channels": "channel", "plan_tasks": "plan_task",
               "activity_kinds": "activity_kind", "target_groups": "target_group",
               "access_levels": "access_level", "consent_uses": "consent_use"}


def read_seed(path: Path = SEED_FILE) -> dict[str, list[dict[str, Any]]]:
    """The seed file's tables, parsed once per process while the file is unchanged
    (its time and size: parsing its ~6,000 keys costs ~30 ms, and every ``kho init``
    check reads it). Callers must not change what it returns: it is shared.
    ValidationError naming the file when it cannot be read or parsed."""
    try:
        stat = path.stat()
        return _parsed(path, stat.st_mtime_ns, stat.st_size)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"cannot read vocabulary seed: {exc}", field=str(path)) from None


@lru_cache(maxsize=4)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict[str, list[dict[str, Any]]]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _seed_units(session: Session, rows: list[dict[str, Any]]) -> int:
    existing = {u.code: u for u in session.scalars(select(Unit))}
    added = 0
    for row in rows:
        if row["code"] in existing:
            continue
        unit = Unit(code=row["code"], name=normalize_text(row["name"]),
                    short_name=normalize_text(row.get("short_name", "")),
                    level=row.get("level", "office"), gso_code=row.get("gso_code"),
                    valid_from=_as_date(row.get("valid_from")),
                    valid_to=_as_date(row.get("valid_to")),
                    letterhead_name=normalize_text(row.get("letterhead_name", "")),
                    place_name=normalize_text(row.get("place_name", "")),
                    signer_title=normalize_text(row.get("signer_title", "")),
                    consolidates=bool(row.get("consolidates", False)))
        session.add(unit)
        existing[unit.code] = unit
        added += 1
    session.flush()
    for row in rows:  # links once every unit exists
        unit = existing[row["code"]]
        for attr, key in (("successor", "successor"), ("parent", "parent"),
                          ("reports_to", "reports_to")):
            ref = row.get(key)
            if ref and getattr(unit, attr) is None:
                if ref not in existing:
                    raise ValidationError(f"unit {row['code']}: unknown {key} {ref!r}", field=key)
                setattr(unit, attr, existing[ref])
    return added


def _term_from_row(vocabulary: str, position: int, row: dict[str, Any]) -> Term:
    return Term(vocabulary=vocabulary, code=row["code"], position=position,
                label_vi=normalize_text(row.get("label_vi", row["code"])),
                label_en=normalize_text(row.get("label_en", "")),
                ethnic_minority=bool(row.get("ethnic_minority", False)),
                foreign=bool(row.get("foreign", False)),
                digital_platform=bool(row.get("digital_platform", False)),
                media=list(row.get("media", [])),
                plan_tasks=[str(code) for code in row.get("plan_tasks", [])],
                target_percent=row.get("target_percent"))


def _seed_terms(session: Session, data: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    units = {u.code: u for u in session.scalars(select(Unit))}
    counts: dict[str, int] = {}
    for table, vocabulary in TERM_TABLES.items():
        existing = set(session.scalars(select(Term.code).where(Term.vocabulary == vocabulary)))
        counts[table] = 0
        for position, row in enumerate(data.get(table, [])):
            if row["code"] in existing:
                continue
            term = _term_from_row(vocabulary, position, row)
            if row.get("lead"):
                term.lead_unit = units.get(row["lead"])
            # joint leads beyond the first are kept with the cooperating units
            codes = list(row.get("co_leads", [])) + list(row.get("cooperating", []))
            term.cooperating_units = [units[c] for c in dict.fromkeys(codes) if c in units]
            session.add(term)
            counts[table] += 1
    return counts


def seed_vocabularies(session: Session, path: Path = SEED_FILE) -> dict[str, int]:
    """Insert missing units and terms from the seed file; returns inserted counts."""
    data = read_seed(path)
    counts = {"units": _seed_units(session, data.get("units", []))}
    counts.update(_seed_terms(session, data))
    session.flush()
    return counts
