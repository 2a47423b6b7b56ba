"""The yearly report: ``kho report`` and the dashboard's download buttons.

:func:`write_report` picks the format from the file name (``.xlsx`` workbook or
``.docx`` document), computes the figures once with the statistics service for the
calendar year, reads the reporting bodies from the unit table as they stood on the
report's date (:mod:`app.services.reports.letterhead`) and the contributions and plan
tasks of sections II–IV (:mod:`app.services.reports.consolidation`), and writes the
file atomically: it is written beside the target as ``<name>.part`` and renamed only
when complete, so a run killed half-way never leaves a half-written report under the
requested name (only a ``.part`` file, which the next run replaces). A report the
chosen unit cannot issue on that date is refused before anything is written. Office
and admin accounts only.
"""
from __future__ import annotations

import gc
import re

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.unit_scope import require_unit
from app.services.reports.yearly_docx import write_document
from app.services.reports.product_list import product_lines
from app.services.reports.yearly_xlsx import write_workbook
from app.services.activities.people_view import report_sheets
from app.services.reports.consolidation import consolidate
from app.services.reports.letterhead import letterhead
from app.services.stats.plan_progress import Scope, Stats, compute_stats, year_scope
from app.services.common.clock import local_today
from app.services.common.parameters import parse_date
from archive.errors import ValidationError
from archive.models import Unit
from ingest.results import writing

FORMATS = {".xlsx": "xlsx", ".docx": "docx"}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class WrittenReport:
    """What was written: ``products`` in scope, ``listed`` rows of the product list
    (XLSX only; fewer than ``products`` when some are hidden from the writer by their
    access level: :mod:`app.services.access.visibility`)."""

    path: Path
    format: str
    year: int
    products: int
    listed: Optional[int]


def report_format(path: Path | str, field: str = "out") -> str:
    """``xlsx`` or ``docx`` from the file name; ValidationError naming ``field``."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError("the report file must end in .xlsx or .docx, not %(name)s",
                              field=field, name=Path(path).name)
    return FORMATS[suffix]


def report_filename(year: int, fmt: str, *parts: Optional[str]) -> str:
    """The name offered for download: ``bao-cao-2026.xlsx``, or with the codes of the
    unit and commune the report was narrowed to (``bao-cao-2026-xa-dak-koi-2025.docx``),
    so two narrowed reports saved in one folder do not overwrite each other. Codes are
    ASCII already; anything else in them is dropped."""
    tail = "".join(f"-{slug}" for slug in (re.sub(r"[^a-z0-9-]+", "", (p or "").lower())
                                           for p in parts) if slug)
    return f"bao-cao-{year}{tail}.{fmt}"


def default_year(kho: Kho) -> int:
    """This calendar year in Vietnam (the reporting period's default)."""
    return local_today(kho.settings).year


def report_day(kho: Kho, on: Any = None) -> tuple[date, bool]:
    """The report's date (dd/mm/yyyy or ISO; default Vietnam's today) and whether it was
    given (then the date line is filled in). ValidationError naming ``date``."""
    if on in (None, ""):
        return local_today(kho.settings), False
    if isinstance(on, date):
        return on, True
    try:
        parsed = parse_date(str(on))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError("not a date: %(value)s (use dd/mm/yyyy)", field="date",
                              value=str(on))
    return parsed, True


def issuing_code(stats: Stats, issuer: Optional[str]) -> tuple[Optional[str], str]:
    """The unit asked to issue the report and the field that asked: ``issuer``, else
    the report's commune, else the account's unit; (None, "date") for the consolidating
    body. A lead-unit filter only narrows the figures (the Trung tâm's products of 2024
    are reported by whoever reports now)."""
    for code, field in ((issuer, "issuer"), (stats.scope.commune, "commune"),
                        (stats.scope.account_unit, "unit")):
        if code:
            return code, field
    return None, "date"


def write_report(kho: Kho, actor: Actor, year: Optional[int], out: Path, *,
                 unit: Optional[str] = None, commune: Optional[str] = None,
                 scope: Optional[Scope] = None, issuer: Optional[str] = None,
                 on: Any = None) -> WrittenReport:
    """Write the report of ``year`` (default: this year) to ``out``; ``scope`` instead
    of the calendar year reports another period (the benchmark lists everything).
    ``issuer``: the code of the issuing unit (default: the commune reported on, the
    account's unit, else the consolidating body); ``on``: the report's date (default
    today).

    Raises ValidationError (field ``out`` for another extension or a missing folder,
    ``year``, ``unit``, ``commune``, ``issuer`` or ``date`` for a unit that cannot
    issue a report on that date, with the unit to pick), PermissionDenied unless
    office or admin, or for an ``issuer`` outside a unit-scoped account's part.
    Nothing is written when it raises.
    """
    return write_reports(kho, actor, year, [out], unit=unit, commune=commune,
                         scope=scope, issuer=issuer, on=on)[0]


def write_reports(kho: Kho, actor: Actor, year: Optional[int], outs: Sequence[Path], *,
                  unit: Optional[str] = None, commune: Optional[str] = None,
                  scope: Optional[Scope] = None, issuer: Optional[str] = None,
                  on: Any = None) -> list[WrittenReport]:
    """:func:`write_report` for several files (``bao-cao.docx`` and ``bao-cao.xlsx``)
    from one count: the figures, the reporting bodies and sections II–IV are worked
    out once. Every name is checked before anything is counted or written."""
    targets = [(report_format(out), Path(out)) for out in outs]
    for _, out in targets:
        if not out.parent.is_dir():
            raise ValidationError("folder %(folder)s does not exist", field="out",
                                  folder=str(out.parent))
    year = year or default_year(kho)
    day, dated = report_day(kho, on)
    scope = scope or year_scope(kho, year, unit, commune)
    stats = compute_stats(kho, actor, scope)      # exact and fresh, never a cached copy
    code, field = issuing_code(stats, issuer)
    with kho.transaction() as session:
        head = letterhead(session, kho.settings, code, day, dated=dated, field=field)
        if issuer and head.unit_code:     # a unit-scoped account issues only for its part
            require_unit(session, actor, session.scalar(
                select(Unit.id).where(Unit.code == head.unit_code)), field="issuer")
    content = consolidate(kho, stats, head.unit_code, year)
    written = []
    with _older_objects_left_alone():
        for fmt, out in targets:
            listed: Optional[int] = None
            with writing(out) as part:
                if fmt == "xlsx":
                    listed = write_workbook(stats, product_lines(kho, actor, stats.scope),
                                            part, head=head, content=content,
                                            activities=report_sheets(kho, actor, stats.scope))
                else:
                    write_document(stats, head, content, year, part)
            written.append(WrittenReport(out, fmt, year, stats.total, listed))
    return written


@contextmanager
def _older_objects_left_alone() -> Iterator[None]:
    """While a report is written, the objects that existed before it (the application's
    modules, classes, settings: some 160,000) are left out of the garbage collector's
    full passes (``gc.freeze``; ``gc.unfreeze`` after, also when it raises). Writing a
    product list makes hundreds of thousands of short-lived rows and cells, which set
    off full passes over everything the process holds: 0.17 CPU s of 2.5 for a list of
    19,061 products (benchmarks/README.md, issue 27). Only cyclic garbage left before
    the report waits until it ends; the report's own is collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
