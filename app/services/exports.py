"""``kho export``: packages of native records for the national shared database.

One use case, four formats (see docs/EXPORT.md):

* ``jsonl``  one native record (:mod:`app.services.records`) per line;
* ``csv``    the same products as spreadsheet rows (:mod:`app.services.export_formats`);
* ``dc-xml`` one ``oai_dc`` record (:mod:`app.services.dublin_core`) per product in an
  ``<export>`` container;
* ``bagit``  a BagIt bag with the originals (and derivatives on request) and the
  metadata as JSONL and DC-XML (:mod:`app.services.bag_export`).

Records stream from the catalogue in (datestamp, id) order and are written as they
come: memory stays flat with catalogue size. The package is written under a hidden
partial name and renamed when complete (:mod:`app.services.export_output`); only then
is the receipt committed, with the publications of a public export in the same
transaction (:mod:`app.services.export_receipts`). A process killed half-way leaves
neither a package under the requested name nor a receipt.

Scope ``public`` (the default) holds exactly the records OAI-PMH disseminates (no
sensitive product, only files that are ready); ``all`` holds every product and every
original, for backup and migration, and is allowed to admins and to the operator on
the machine's command line only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from app.bootstrap import Kho
from app.services import export_receipts as receipts
from app.services.actors import Actor
from app.services.export_formats import parse_dates_option
from app.services.export_receipts import Since
from app.services.records import RecordQuery, count_products, parse_set
from archive.base import MAX_ID, utcnow
from archive.errors import PermissionDenied, ValidationError
from archive.exports import EXPORT_FORMATS, EXPORT_SCOPES, OPERATOR, ExportReceipt

# the machine's operator running ``kho export`` on the command line
OPERATOR_ACTOR = Actor(user_id=None, username=OPERATOR, role="system")

Progress = Callable[[int], None]


def _no_progress(_done: int) -> None:
    return None


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked for (raw option values, checked by :func:`plan_export`)."""

    format: str
    out: Path
    scope: str = "public"
    since: Optional[str] = None
    set_spec: str = ""
    with_derivatives: bool = False
    dates: Optional[str] = None


@dataclass(frozen=True)
class ExportPlan:
    """A checked request: the window, the set and how many products it holds."""

    request: ExportRequest
    query: RecordQuery
    since: Since
    dates: str
    total: int                     # products in the window now (progress bar length)
    started_at: datetime


@dataclass(frozen=True)
class ExportResult:
    receipt_id: int
    path: Path
    count: int
    objects: int
    size: int
    sha256: str
    high_water: Optional[datetime]
    since: Since = field(default_factory=lambda: Since(None))


def _check_request(actor: Actor, request: ExportRequest) -> None:
    actor.require("export.run")
    if request.format not in EXPORT_FORMATS:
        raise ValidationError("unknown format %(format)s (use jsonl, csv, dc-xml or bagit)",
                              field="format", format=request.format)
    if request.scope not in EXPORT_SCOPES:
        raise ValidationError("unknown scope %(scope)s (use public or all)", field="scope",
                              scope=request.scope)
    if request.scope == "all" and actor.role not in ("admin", "system"):
        raise PermissionDenied("only admins may export everything (scope all)",
                               field="scope")
    if request.with_derivatives and request.format != "bagit":
        raise ValidationError("--with-derivatives goes with --format bagit",
                              field="with_derivatives")


def plan_export(kho: Kho, actor: Actor, request: ExportRequest) -> ExportPlan:
    """Check the request and resolve its window. Raises ValidationError naming the
    option (format, scope, since, set, dates, out), PermissionDenied for scope all."""
    _check_request(actor, request)
    started_at = utcnow()
    dates = parse_dates_option(request.dates)
    spec = parse_set(request.set_spec) if request.set_spec else None
    since = receipts.parse_since(kho, request.since, fmt=request.format,
                                 scope=request.scope, set_spec=request.set_spec)
    if since.at is None:
        query = RecordQuery(scope=request.scope, set=spec)
    elif since.exclusive:
        query = RecordQuery(scope=request.scope, set=spec, after=(since.at, MAX_ID))
    else:
        query = RecordQuery(scope=request.scope, set=spec, since=since.at)
    with kho.transaction() as session:
        total = count_products(session, query)
    return ExportPlan(request, query, since, dates, total, started_at)


def run_export(kho: Kho, actor: Actor, plan: ExportPlan,
               progress: Progress = _no_progress) -> ExportResult:
    """Write the package of ``plan``, then its receipt; ``progress(n)`` is called
    after each product with the number done since the last call."""
    from app.services import export_writers

    request = plan.request
    log = receipts.spool_log(kho)
    try:
        package = export_writers.write(kho, plan, log, progress)
        previous_mark = _previous_mark(kho, plan)
        high_water = log.high_water or previous_mark
        receipt = ExportReceipt(
            format=request.format, scope=request.scope, set_spec=request.set_spec,
            since=plan.since.at,
            options={"with_derivatives": request.with_derivatives, "dates": plan.dates,
                     "since": plan.since.asked or None},
            user_id=actor.user_id, actor=actor.username if actor.user_id else OPERATOR,
            count=log.count, objects=package.objects, size=package.size,
            sha256=package.sha256, high_water=high_water, path=str(package.path),
            started_at=plan.started_at, finished_at=utcnow())
        receipt_id = receipts.record_receipt(kho, receipt,
                                             log if request.scope == "public" else None)
    finally:
        log.close()
    return ExportResult(receipt_id, package.path, log.count, package.objects, package.size,
                        package.sha256, high_water, plan.since)


def _previous_mark(kho: Kho, plan: ExportPlan) -> Optional[datetime]:
    """The high-water mark an empty incremental export carries forward."""
    if plan.since.previous is None:
        return None
    with kho.transaction() as session:
        receipt = session.get(ExportReceipt, plan.since.previous)
        return receipt.high_water if receipt is not None else None


def export(kho: Kho, actor: Actor, request: ExportRequest,
           progress: Progress = _no_progress) -> ExportResult:
    """:func:`plan_export` then :func:`run_export`."""
    return run_export(kho, actor, plan_export(kho, actor, request), progress)


def receipt_rows(kho: Kho, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """Receipts for the admin page, newest first (admins and office staff)."""
    actor.require("export.run")
    return [{"id": r.id, "format": r.format, "scope": r.scope, "set": r.set_spec,
             "since": r.since, "options": r.options or {}, "actor": r.actor,
             "count": r.count, "objects": r.objects, "size": r.size, "sha256": r.sha256,
             "high_water": r.high_water, "path": r.path, "started_at": r.started_at,
             "finished_at": r.finished_at} for r in receipts.list_receipts(kho, limit)]


def iter_window(kho: Kho, plan: ExportPlan) -> Iterator[Any]:
    """The Product rows of the plan's window, loaded for records, in keyset order
    (a generator holding one read transaction open while it is consumed)."""
    from app.services.records import iter_products

    with kho.transaction() as session:
        yield from iter_products(session, plan.query)
