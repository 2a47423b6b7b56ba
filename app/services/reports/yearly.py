"""The yearly report: ``kho report`` and the dashboard's download buttons.

:func:`write_report` picks the format from the file name (``.xlsx`` workbook or
``.docx`` document), computes the figures once with the statistics service for the
calendar year and writes the file atomically: it is written beside the target as
``<name>.part`` and renamed only when complete, so a run killed half-way never
leaves a half-written report under the requested name (only a ``.part`` file, which
the next run replaces). Office and admin accounts only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.reports.yearly_docx import write_document
from app.services.reports.product_list import product_lines
from app.services.reports.yearly_xlsx import write_workbook
from app.services.stats.plan_progress import Scope, compute_stats, year_scope
from app.services.common.clock import local_today
from archive.errors import ValidationError
from ingest.results import writing

FORMATS = {".xlsx": "xlsx", ".docx": "docx"}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class WrittenReport:
    """What was written: ``products`` in scope, ``listed`` rows of the product list
    (XLSX only; fewer than ``products`` when sensitive ones are hidden)."""

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


def report_filename(year: int, fmt: str) -> str:
    """``bao-cao-2026.xlsx``: the name offered for download."""
    return f"bao-cao-{year}.{fmt}"


def default_year(kho: Kho) -> int:
    """This calendar year in Vietnam (the reporting period's default)."""
    return local_today(kho.settings).year


def write_report(kho: Kho, actor: Actor, year: Optional[int], out: Path, *,
                 unit: Optional[str] = None, commune: Optional[str] = None,
                 scope: Optional[Scope] = None) -> WrittenReport:
    """Write the report of ``year`` (default: this year) to ``out``; ``scope`` instead
    of the calendar year reports another period (the benchmark lists everything).

    Raises ValidationError (field ``out`` for another extension or a missing folder,
    ``year``, ``unit``, ``commune``), PermissionDenied unless office or admin.
    """
    fmt = report_format(out)
    out = Path(out)
    if not out.parent.is_dir():
        raise ValidationError("folder %(folder)s does not exist", field="out",
                              folder=str(out.parent))
    year = year or default_year(kho)
    scope = scope or year_scope(kho, year, unit, commune)
    stats = compute_stats(kho, actor, scope)      # exact and fresh, never a cached copy
    listed: Optional[int] = None
    with writing(out) as part:
        if fmt == "xlsx":
            listed = write_workbook(stats, product_lines(kho, actor, scope), part)
        else:
            write_document(stats, kho.settings.report_issuer, kho.settings.report_recipient,
                           year, part)
    return WrittenReport(out, fmt, year, stats.total, listed)
