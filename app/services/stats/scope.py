"""What a statistics scope means in SQL, shared by the figures and the yearly report.

- :func:`scope_condition`: products in a :class:`Scope` (period on ``produced_on``, or
  the Vietnam year of creation for undated products; lead unit; commune), old units
  rolled up into their successors of today (``Unit.lineage()``) unless ``rollup`` is off;
- :func:`digitised_condition`: a product with at least one ready original whose
  SHA-256 is recorded.

A product a producer confirmed as the same work as an earlier product (a near-duplicate
answered "same": ``Catalogue.repeats``) is in no scope: the office counts a work once.

Only the small vocabulary tables (terms, units) are read into Python (:class:`Catalogue`):
to know which term ids carry which flag and which unit carries which today.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from typing import Any, NamedTuple, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, and_, case, cast, exists, extract, func, \
    literal_column, or_, select, text, true
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.catalogue import near_duplicates
from app.services.stats.figures import Scope
from archive.catalogue import product_communes, product_terms
from archive.errors import ValidationError
from archive.models import File, Product, Term, Unit
from archive.text import sort_key
from archive.vocabulary import carrier_id, lineage_ids

P = Product.__table__
PT = product_terms
PC = product_communes
NOT_SET = ("(chưa ghi)", "(not set)")


@dataclass(frozen=True)
class TermInfo:
    code: str
    label_vi: str
    label_en: str
    vocabulary: str
    position: int
    flags: frozenset[str]        # "ethnic", "foreign" (languages), "digital" (channels)


class UnitInfo(NamedTuple):
    """A unit as the figures read it (a plain row, shareable between requests)."""

    id: int
    code: str
    name: str
    level: str
    valid_from: Optional[date]
    valid_to: Optional[date]
    successor_id: Optional[int]
    parent_id: Optional[int]
    gso_code: Optional[str]

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


@dataclass
class Catalogue:
    """The vocabulary tables, read once per computation (hundreds of rows)."""

    terms: dict[int, TermInfo]
    units: dict[int, UnitInfo]
    current: dict[int, int]          # unit id -> id of the unit carrying it today
    # products confirmed as the same work as an earlier one (counted as that one)
    repeats: frozenset[int] = frozenset()
    version: int = 0                 # :attr:`Vocabulary.version` of what it was built from

    def term_ids(self, vocabulary: str, flag: Optional[str] = None) -> list[int]:
        return [i for i, t in self.terms.items() if t.vocabulary == vocabulary
                and (flag is None or flag in t.flags)]


def _term_flags(t: Any) -> frozenset[str]:
    """What a term makes a product count as (see the definitions in stats.py)."""
    flags = set()
    if t.vocabulary == "language":
        if t.ethnic_minority:
            flags.add("ethnic")
        if t.foreign or (not t.ethnic_minority and t.code != "vie"):
            flags.add("foreign")
    if t.vocabulary == "channel" and t.digital_platform:
        flags.add("digital")
    return frozenset(flags)


def for_counting(session: Session) -> Session:
    """Prepare ``session``'s transaction for the statistics statements. On PostgreSQL:
    no JIT compilation (the planner's cost of these aggregates triggers it, and
    compiling took 1.5 s of a 3.5 s count at 100,000 products, saving nothing), and
    32 MB per sort or hash so the grouping of 100,000 rows stays in memory."""
    if session.get_bind().dialect.name == "postgresql":      # SET LOCAL, in one statement
        session.execute(text("SELECT set_config('jit', 'off', true), "
                             "set_config('work_mem', '32MB', true)"))
    return session


class TermRow(NamedTuple):
    id: int
    code: str
    label_vi: str
    label_en: str
    vocabulary: str
    position: int
    ethnic_minority: bool
    foreign: bool
    digital_platform: bool


_TERM_COLUMNS = [getattr(Term, name) for name in TermRow._fields]
_UNIT_COLUMNS = [getattr(Unit, name) for name in UnitInfo._fields]


@dataclass(frozen=True)
class Vocabulary:
    """The terms and units as rows (every column the figures read), read once and
    shared by what a request or a fold derives from them: the catalogue, the digest
    the summary cells were counted with, the figures' cache key. What is derived is
    kept on the object, and :func:`read_vocabulary` hands back the same object while
    the rows are the same, so it is worked out once per process per state."""

    terms: tuple
    units: tuple

    @cached_property
    def digest(self) -> str:
        """What the summary cells were counted with: each term's vocabulary, code and
        flags, each unit's successor, parent and level (labels and order are read when
        the figures are shown). The same text, so the same value, as when these were
        read column by column (``stats_state.catalogue`` keeps it)."""
        terms = [(t.id, t.vocabulary, t.code, t.ethnic_minority, t.foreign,
                  t.digital_platform) for t in self.terms]
        units = [(u.id, u.successor_id, u.parent_id, u.level) for u in self.units]
        return hashlib.sha256(repr((terms, units)).encode()).hexdigest()

    @cached_property
    def version(self) -> int:
        """Equal for equal rows: what the figures' cache keys the vocabularies by, and
        what a kept part checks before adding rows labelled with today's."""
        return hash((self.terms, self.units))

    @cached_property
    def built(self) -> tuple[dict[int, TermInfo], dict[int, UnitInfo], dict[int, int]]:
        """Each term with its flags, each unit, each unit's carrier of today."""
        successors = {u.id: u.successor_id for u in self.units}
        return ({t.id: TermInfo(t.code, t.label_vi, t.label_en, t.vocabulary, t.position,
                                _term_flags(t)) for t in self.terms},
                {u.id: u for u in self.units},
                {u.id: carrier_id(successors, u.id) for u in self.units})


# the vocabulary this process read last, with the driver's rows it was read from
_last_read: list[tuple[tuple, Vocabulary]] = []
_raw_sql: dict[str, tuple[str, str]] = {}      # dialect name -> the two SELECTs, compiled


def _driver_rows(session: Session) -> tuple:
    """The terms' and units' rows as the database driver returns them, through a bare
    cursor of the session's connection (same transaction): 0.8 ms where SQLAlchemy's
    rows cost 1.5–2 ms, read on every dashboard and API request to tell whether the
    vocabularies changed."""
    dialect = session.get_bind().dialect
    if dialect.name not in _raw_sql:
        _raw_sql[dialect.name] = tuple(
            str(select(*columns).order_by(columns[0]).compile(dialect=dialect))
            for columns in (_TERM_COLUMNS, _UNIT_COLUMNS))
    cursor = session.connection().connection.cursor()
    try:
        out = []
        for sql in _raw_sql[dialect.name]:
            cursor.execute(sql)
            out.append(tuple(map(tuple, cursor.fetchall())))
        return (dialect.name, *out)
    finally:
        cursor.close()


def read_vocabulary(session: Session) -> Vocabulary:
    """The terms and units as plain tuples (a province has ~400 units; compared as a
    whole, database rows would cost a Python call each): the object read last, with
    what was derived from it, while the driver's rows are the same; read again
    through SQLAlchemy (its types: dates, booleans) when they changed. The driver's
    rows are read first, so what they key is never older than they are."""
    raw = _driver_rows(session)
    last = _last_read[0] if _last_read else None
    if last is not None and last[0] == raw:
        return last[1]
    read = Vocabulary(
        tuple(TermRow(*r) for r in session.execute(select(*_TERM_COLUMNS).order_by(Term.id))),
        tuple(UnitInfo(*r) for r in session.execute(select(*_UNIT_COLUMNS).order_by(Unit.id))))
    if last is not None and read == last[1]:
        read = last[1]
    _last_read[:] = [(raw, read)]
    return read


def load_catalogue(session: Session, vocabulary: Optional[Vocabulary] = None) -> Catalogue:
    """The terms and units (``vocabulary``, read here when not given), and the products
    counted as repeats; its own dictionaries, built once per state of the vocabulary
    tables (a dashboard after an edit loads the catalogue twice, and building it cost
    more than reading it)."""
    vocabulary = vocabulary or read_vocabulary(session)
    terms, units, current = vocabulary.built
    return Catalogue(dict(terms), dict(units), dict(current),
                     near_duplicates.repeated_products(session), vocabulary.version)


def _find(session: Session, code: str, commune: bool) -> Optional[Unit]:
    stmt = select(Unit).where(Unit.code == code)
    if commune:
        stmt = stmt.where(Unit.level == "commune")
    unit = session.scalar(stmt)
    if unit is None and code.isdigit():
        units = list(session.scalars(select(Unit).where(Unit.gso_code == code)
                                     .order_by(Unit.valid_to.is_not(None), Unit.id)))
        unit = units[0] if units else None     # today's unit holding the GSO code first
    return unit


def resolve_unit(kho: Kho, code: str, *, commune: bool, field: str) -> tuple[str, str]:
    """(unit code, name) for a unit code or GSO code; ValidationError naming ``field``."""
    with kho.transaction() as session:
        unit = _find(session, code, commune)
        if unit is None and commune:
            raise ValidationError("unknown commune code %(code)s", field=field, code=code)
        if unit is None:
            raise ValidationError("unknown unit code %(code)s", field=field, code=code)
        return unit.code, unit.name


def ids_for(cat: Catalogue, code: Optional[str], rollup: bool) -> Optional[list[int]]:
    """Ids a unit filter matches: the unit, plus (rollup) every unit it carries on."""
    if code is None:
        return None
    target = next(i for i, u in cat.units.items() if u.code == code)
    if not rollup:
        return [target]
    successors = {i: u.successor_id for i, u in cat.units.items()}
    return [i for i in cat.units if target in lineage_ids(successors, i)]


def rolled(column: Any, cat: Catalogue, rollup: bool) -> ColumnElement:
    """``column`` (a unit id) mapped to its successor of today when rolling up."""
    moved = {old: new for old, new in cat.current.items() if old != new} if rollup else {}
    if not moved:
        return column
    whens = [(column == literal_column(str(int(old))), literal_column(str(int(new))))
             for old, new in sorted(moved.items())]
    return case(*whens, else_=column)


def _utc_midnight(day, tz: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(tz)).astimezone(timezone.utc)


def created_year(kho: Kho) -> ColumnElement:
    """Year, in the configured time zone, of ``products.created_at`` (stored in UTC)."""
    tz = kho.settings.timezone
    if kho.engine.dialect.name == "postgresql":
        return extract("year", func.timezone(tz, P.c.created_at))
    offset = ZoneInfo(tz).utcoffset(datetime.now()) or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return cast(func.strftime("%Y", P.c.created_at, f"{minutes:+d} minutes"), Integer)


def period(scope: Scope, tz: str) -> list[ColumnElement]:
    """Products dated in the period, or undated and created in it (Vietnam days)."""
    if scope.date_from is None and scope.date_to is None:
        return []
    dated, undated = [P.c.produced_on.is_not(None)], [P.c.produced_on.is_(None)]
    if scope.date_from:
        dated.append(P.c.produced_on >= scope.date_from)
        undated.append(P.c.created_at >= _utc_midnight(scope.date_from, tz))
    if scope.date_to:
        dated.append(P.c.produced_on <= scope.date_to)
        undated.append(P.c.created_at < _utc_midnight(scope.date_to + timedelta(days=1), tz))
    return [or_(and_(*dated), and_(*undated))]


def unit_label(cat: Catalogue, unit_id: Optional[int]) -> tuple[Optional[str], str, str]:
    if unit_id is None:
        return None, *NOT_SET
    unit = cat.units[unit_id]
    return unit.code, unit.name, unit.name


def unit_order(row: Any) -> tuple:
    """Vietnamese alphabetical order, the "not set" row last; units of the same name (a
    commune before and after the 2025 merger) by code, so the order never depends on
    how the rows were counted."""
    return (row.code is None, sort_key(row.label_vi), row.code or "")


def labels(triple: tuple[Optional[str], str, str]) -> dict[str, Any]:
    return dict(zip(("code", "label_vi", "label_en"), triple))


def product_filters(kho: Kho, scope: Scope, cat: Catalogue) -> list[ColumnElement]:
    """Conditions over ``products`` for ``scope`` (empty: every product)."""
    where = period(scope, kho.settings.timezone)
    if cat.repeats:                   # a work confirmed twice counts once
        where.append(P.c.id.not_in(sorted(cat.repeats)))
    unit_ids = ids_for(cat, scope.unit, scope.rollup)
    if unit_ids is not None:
        where.append(P.c.lead_unit_id.in_(unit_ids))
    commune_ids = ids_for(cat, scope.commune, scope.rollup)
    if commune_ids is not None:
        where.append(exists().where(PC.c.product_id == P.c.id, PC.c.unit_id.in_(commune_ids)))
    if scope.units is not None:       # the account's part: led by or filed under its units
        mine = sorted(scope.units)
        where.append(or_(P.c.lead_unit_id.in_(mine),
                         exists().where(PC.c.product_id == P.c.id, PC.c.unit_id.in_(mine))))
    return where


def scope_condition(kho: Kho, scope: Scope) -> ColumnElement:
    """One SQL boolean over ``archive.models.Product``: the product is in ``scope``."""
    with kho.transaction() as session:
        cat = load_catalogue(session)
    where = product_filters(kho, scope, cat)
    return and_(*where) if where else true()


def ready_original() -> list[ColumnElement]:
    """Conditions over ``files``: an original that makes its product digitised (stored,
    its SHA-256 recorded, processing finished)."""
    return [File.status == "ready", File.sha256 != ""]


def digitised_condition() -> ColumnElement:
    """SQL boolean over ``Product``: at least one original stored, its SHA-256
    recorded and its processing finished (file status ``ready``)."""
    return exists().where(File.product_id == P.c.id, *ready_original())
