"""``kho export``: packages of native records for the national shared database.

One use case, four formats (see docs/EXPORT.md):

* ``jsonl``  one native record (:mod:`app.services.records.native`) per line;
* ``csv``    the same products as spreadsheet rows (:mod:`app.services.exports.formats`);
* ``dc-xml`` one ``oai_dc`` record (:mod:`app.services.records.dublin_core`) per product in an
  ``<export>`` container;
* ``bagit``  a BagIt bag with the originals (and derivatives on request) and the
  metadata as JSONL and DC-XML (:mod:`app.services.exports.bag_writer`).

Records stream from the catalogue in (datestamp, id) order and are written as they
come: memory stays flat with catalogue size. The package is written under a hidden
partial name and renamed when complete (:mod:`app.services.exports.output`); only then
is the receipt committed, with the publications of a public export in the same
transaction (:mod:`app.services.exports.receipts`). A process killed half-way leaves
neither a package under the requested name nor a receipt.

Scope ``public`` (the default) holds exactly the records OAI-PMH disseminates: the
harvestable products (public, not embargoed, consents allowing the website, today in
Vietnam), only files that are ready and no stricter than their product, each record
with its access level, embargo date and the uses its consents allow (Dublin Core
rights, and the native record's ``access``/``embargo_until``/``allowed_uses``); ``all``
holds every product and every original with the full access — audience (unit codes,
roles), protocol note, consents and their scanned forms (originals in the bag) — for
backup and migration (``kho import`` restores them), and is allowed to admins and to
the operator on the machine's command line only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from app.bootstrap import Kho
from app.services.exports import receipts
from app.services.exports import writers
from app.services.access.actors import Actor
from app.services.exports.plan import (OPERATOR_ACTOR, ExportPlan, ExportRequest, Progress,
                                      no_progress, plan_export)
from app.services.exports.receipts import Since
from archive.base import utcnow
from archive.exports import OPERATOR, ExportReceipt

__all__ = ["OPERATOR_ACTOR", "ExportPlan", "ExportRequest", "ExportResult", "export",
           "plan_export", "receipt_rows", "run_export"]


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


def run_export(kho: Kho, actor: Actor, plan: ExportPlan,
               progress: Progress = no_progress) -> ExportResult:
    """Write the package of ``plan``, then its receipt; ``progress(n)`` is called
    after each product with the number done since the last call."""
    request = plan.request
    log = receipts.spool_log(kho)
    try:
        package = writers.write(kho, plan, log, progress)
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
           progress: Progress = no_progress) -> ExportResult:
    """:func:`plan_export` then :func:`run_export`."""
    return run_export(kho, actor, plan_export(kho, actor, request), progress)


def receipt_rows(kho: Kho, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """Receipts for the admin page, newest first (admins and office staff).

    ``package`` is the package's own name: where it was written on the server is the
    operator's business (the receipt row keeps it), not the page's."""
    actor.require("export.run")
    return [{"id": r.id, "format": r.format, "scope": r.scope, "set": r.set_spec,
             "since": r.since, "options": r.options or {}, "actor": r.actor,
             "count": r.count, "objects": r.objects, "size": r.size, "sha256": r.sha256,
             "high_water": r.high_water, "package": Path(r.path).name if r.path else "",
             "started_at": r.started_at,
             "finished_at": r.finished_at} for r in receipts.list_receipts(kho, limit)]
