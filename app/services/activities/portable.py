"""Activities (and the people tables built on them) out of one Kho and into another: what
``kho export --format bagit`` writes and ``kho import`` restores.

Two shapes, by the export's scope:

* **public** — :func:`public_records`: one line per activity with counts only
  (:func:`app.services.activities.activity_record.as_record` less the evidence files'
  names): never a participant's name, position or ethnic group, and no evidence bytes
  (an attendance sheet *is* a list of names; photos show people). OAI-PMH carries
  products only: activities are not harvested (they are not publications), and the
  public bag is where a receiver finds their counts. A linked product the public bag
  does not carry (not harvestable) is counted there, not named.
* **all** (the full backup bag, admins and the operator) — :func:`table_rows`: every row
  of the activity tables and, when the people models exist, of the people tables
  (:data:`TABLES`, in insert order), column by column, with each reference to shared
  data made portable: a term as ``[vocabulary, code]``, a unit by its code, a user by
  login name, a product by its id in the exporting Kho. Evidence objects
  (:func:`evidence_objects`) go into the bag beside product originals, content
  addressed, and their SHA-256 is proven against the bag's manifest on import.

:func:`restore` writes such rows back in one transaction (all or nothing), keeping
ids — the activity ids are public (URLs, API) — and so only into an instance that has
no activities yet (a restore or a migration). Into one that has, nothing is written and
the report says why; merging two registers is not a restore. Unknown unit or term codes
refuse the whole part before anything is written (``kho import --dry-run`` reports them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterator, Optional

from sqlalchemy import Date, DateTime, Table, func, insert, select, text
from sqlalchemy.orm import Session

from app.services.access.visibility import harvestable_clause
from app.services.activities.activity_record import as_record
from app.services.activities.register import LOAD
from archive.activities import Activity, ActivityEvidence, ActivityProduct
from archive.base import Base
from archive.errors import ValidationError
from archive.models import Product, Term, Unit, User

# insert order; the people tables (parts 2-3) are carried when their models are loaded
TABLES = ("activities", "activity_communes", "activity_participant_counts",
          "activity_products", "activity_evidence", "activity_changes",
          "people", "attendance_imports", "attendances", "trained_people", "trained_counts",
          "staff_counts", "spokespersons")
# tables with an integer id whose sequence must move past restored ids (PostgreSQL)
SEQUENCED = ("activities", "activity_evidence", "activity_changes", "people",
             "attendance_imports", "attendances")
ProductMap = Callable[[int], Optional[int]]
INSERT_BATCH = 1000          # rows per INSERT statement


def _tables() -> list[Table]:
    import archive.models  # noqa: F401 - every table registered

    return [Base.metadata.tables[name] for name in TABLES if name in Base.metadata.tables]


def public_records(session: Session, today: Optional[date] = None) -> Iterator[dict[str, Any]]:
    """Every activity as counts only, oldest first (see the module text). A linked
    product the public bag does not carry (not harvestable on ``today``, the
    Vietnamese date: :func:`app.services.access.visibility.harvestable_clause`) is not
    named, only counted (``products_hidden``); None: every product is named."""
    public = None
    if today is not None:
        public = frozenset(session.scalars(select(Product.id).where(
            Product.id.in_(select(ActivityProduct.product_id)), harvestable_clause(today))))
    for activity in session.scalars(select(Activity).options(*LOAD).order_by(Activity.id)):
        if public is not None:
            activity.hidden_products = frozenset(
                p.product_id for p in activity.products if p.product_id not in public)
        record = as_record(activity)
        record["evidence"] = [{"kind": e["kind"], "media_type": e["media_type"],
                               "size": e["size"], "sha256": e["sha256"]}
                              for e in record["evidence"]]
        yield record


def evidence_objects(session: Session) -> list[tuple[str, str, str]]:
    """(sha256, storage key, label) of every evidence object, once per content."""
    seen: dict[str, tuple[str, str, str]] = {}
    for row in session.scalars(select(ActivityEvidence).order_by(ActivityEvidence.id)):
        seen.setdefault(row.sha256, (row.sha256, row.storage_key,
                                     f"{row.original_filename} (activity {row.activity_id}, "
                                     f"evidence {row.id})"))
    return list(seen.values())


def _references(session: Session) -> tuple[dict[int, list[str]], dict[int, str], dict[int, str]]:
    terms = {t.id: [t.vocabulary, t.code] for t in session.scalars(select(Term))}
    units = {u.id: u.code for u in session.scalars(select(Unit))}
    users = {u.id: u.username for u in session.scalars(select(User))}
    return terms, units, users


def _target(column) -> Optional[str]:
    for fk in column.foreign_keys:
        return fk.column.table.name
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def table_rows(session: Session) -> Iterator[dict[str, Any]]:
    """``{"table": name, "row": {column: value}}`` for every row of :data:`TABLES`, in
    insert order, references made portable (see the module text)."""
    terms, units, users = _references(session)
    portable = {"terms": terms.get, "units": units.get, "users": users.get}
    for table in _tables():
        order = [c for c in table.primary_key.columns]
        for row in session.execute(select(table).order_by(*order)).mappings():
            out = {}
            for column in table.columns:
                value = row[column.name]
                target = _target(column)
                if value is not None and target in portable:
                    value = portable[target](value)
                out[str(column.name)] = _plain(value)
            yield {"table": str(table.name), "row": out}


@dataclass
class RestoreReport:
    """What :func:`restore` did (or would do): rows per table, evidence objects, and
    why nothing was written when the instance already had activities."""

    rows: dict[str, int] = field(default_factory=dict)
    evidence: int = 0
    skipped: str = ""

    @property
    def activities(self) -> int:
        return self.rows.get("activities", 0)


def _resolver(session: Session, products: ProductMap):
    terms = {(t.vocabulary, t.code): t.id for t in session.scalars(select(Term))}
    units = {u.code: u.id for u in session.scalars(select(Unit))}
    users = {u.username: u.id for u in session.scalars(select(User))}
    unknown: list[str] = []

    def resolve(target: Optional[str], value: Any, where: str) -> Any:
        if value is None or target is None:
            return value
        if target == "terms":
            found = terms.get(tuple(value))
        elif target == "units":
            found = units.get(value)
        elif target == "users":
            return users.get(value)            # an account not here: nobody (SET NULL)
        elif target == "products":
            found = products(int(value))
        else:
            return value                       # rows of these tables keep their ids
        if found is None:
            unknown.append(f"{where}: {value if not isinstance(value, list) else ':'.join(value)}")
        return found
    return resolve, unknown


def _typed(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def restore(session: Session, lines: Iterator[dict[str, Any]], products: ProductMap, *,
            write: bool, store_evidence: Callable[[dict[str, Any]], None]) -> RestoreReport:
    """Insert the rows of ``lines`` (as :func:`table_rows` wrote them) in ``session``'s
    transaction; ``products`` maps an exported product id to the local one (None: not
    here); ``store_evidence(row)`` proves an evidence row's object against the bag and,
    when writing, stores it (called for every evidence row before any row is inserted,
    in both modes). Raises ValidationError naming every unknown
    unit, term or product (nothing written)."""
    report = RestoreReport()
    if session.scalar(select(func.count(Activity.id))):
        report.skipped = "this instance already has activities: they were left as they are"
        return report
    tables = {t.name: t for t in _tables()}
    resolve, unknown = _resolver(session, products)
    pending: list[tuple[Table, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        table = tables.get(str(line.get("table")))
        row = line.get("row")
        if table is None or not isinstance(row, dict):
            raise ValidationError("activities line %(n)s: unknown table %(table)s",
                                  field="activities", n=number, table=line.get("table"))
        values = {c.name: _typed(c, resolve(_target(c), row.get(c.name),
                                            f"{table.name}.{c.name}"))
                  for c in table.columns if c.name in row}
        pending.append((table, values))
        report.rows[table.name] = report.rows.get(table.name, 0) + 1
    if unknown:
        raise ValidationError("the activities in the bag name what this instance does not "
                              "have: %(codes)s", field="activities",
                              codes=", ".join(sorted(set(unknown))[:20]))
    report.evidence = report.rows.get("activity_evidence", 0)
    by_table: dict[str, list[dict[str, Any]]] = {}
    for table, values in pending:
        by_table.setdefault(table.name, []).append(values)
    for values in by_table.get("activity_evidence", []):
        store_evidence(values)          # proven (and, when writing, stored) before any row
    if not write:
        return report
    for name, rows in by_table.items():          # TABLES order: referenced rows first
        for start in range(0, len(rows), INSERT_BATCH):
            session.execute(insert(tables[name]), rows[start:start + INSERT_BATCH])
    if session.get_bind().dialect.name == "postgresql":
        for name in SEQUENCED:
            if name in tables and report.rows.get(name):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"GREATEST((SELECT max(id) FROM {name}), 1))"))
    return report
