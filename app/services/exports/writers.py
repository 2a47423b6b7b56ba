"""The four package writers of ``kho export``, each streaming records to a partial
name and renaming it when complete (see :mod:`app.services.exports.packages`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Optional
from zoneinfo import ZoneInfo

from app.bootstrap import Kho
from app.services.exports import bag_writer
from app.services.exports.bag_writer import BagWriter, derivative_bag_path, original_bag_path
from app.services.records.dublin_core import oai_dc_xml
from app.services.records.publisher import publisher_name
from app.services.exports.formats import CellFormat, CsvWriter, iso_datetime, jsonl_line
from app.services.exports.output import PartialFile, PartialFolder
from app.services.exports.plan import ExportPlan
from app.services.exports.receipts import ExportedLog
from app.services.records.bulk_read import ProductView, iter_views
from app.services.records.native import as_utc, record_of
from app.services.records.tombstones import iter_tombstones, note_lapses
from app.services.records.xml_text import attr
from archive.base import utcnow
from archive.problems import problem_message
from archive.storage import original_key

EXPORT_NS = "urn:kho:export:1.0"
RECORDS_JSONL = "data/metadata/records.jsonl"
RECORDS_DC = "data/metadata/records.dc.xml"
FILES_JSONL = "data/metadata/files.jsonl"
DELETED_JSONL = "data/metadata/deleted.jsonl"
ACTIVITIES_JSONL = "data/metadata/activities.jsonl"         # public: counts only
ACTIVITY_TABLES_JSONL = "data/metadata/activity_tables.jsonl"  # all: every row, for restore
PROGRESS_EVERY = 50          # products between progress callbacks


@dataclass(frozen=True)
class Package:
    path: Path
    sha256: str
    size: int                 # bytes
    objects: int = 0          # payload files (BagIt)


class _Counter:
    """Batches progress callbacks (one every PROGRESS_EVERY products)."""

    def __init__(self, progress: Callable[[int], None]) -> None:
        self.progress, self.pending = progress, 0

    def tick(self) -> None:
        self.pending += 1
        if self.pending >= PROGRESS_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.progress(self.pending)
            self.pending = 0


def _records(kho: Kho, plan: ExportPlan, log: ExportedLog,
             progress: Callable[[int], None]) -> Iterator[tuple[ProductView, dict[str, Any]]]:
    """(product, native record) of the window, logging each for receipt and publications."""
    counter = _Counter(progress)
    ready_only = plan.request.scope == "public"
    with kho.transaction() as session:
        for product in iter_views(session, plan.query,
                                  full_files=plan.request.format == "bagit"):
            record = record_of(product, kho.settings, ready_only=ready_only,
                               today=plan.query.today)
            yield product, record
            # the record's datestamp (an embargo that opened: its day's start), as OAI-PMH
            log.add(record["id"], product.datestamp)
            counter.tick()
    counter.flush()


def write(kho: Kho, plan: ExportPlan, log: ExportedLog,
          progress: Callable[[int], None]) -> Package:
    """Write the package of ``plan`` (its format) and return what was written."""
    writer = {"jsonl": _jsonl, "csv": _csv, "dc-xml": _dc_xml, "bagit": _bagit}
    return writer[plan.request.format](kho, plan, log, progress)


def _file_package(target: Path, body: Callable[[Any], None]) -> Package:
    with PartialFile(target) as package:
        body(package.writer)
        package.commit()
    return Package(package.target, package.sha256, package.size)


def _jsonl(kho: Kho, plan: ExportPlan, log: ExportedLog, progress) -> Package:
    def body(out) -> None:
        for _product, record in _records(kho, plan, log, progress):
            out.write(jsonl_line(record))
    return _file_package(plan.request.out, body)


# --- CSV -----------------------------------------------------------------------------

def _codes(terms: list[dict]) -> list[str]:
    return [t["code"] for t in terms]


def _labels(items: list[dict], key: str = "label_vi") -> list[str]:
    return [t[key] for t in items]


def _day(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


def _moment(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


# column -> value of a native record (lists become ``;``-joined cells)
CSV_COLUMNS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda r: r["id"],
    "url": lambda r: r["url"],
    "title": lambda r: r["title"],
    "description": lambda r: r["description"],
    "kind": lambda r: r["kind"]["code"] if r["kind"] else None,
    "kind_label": lambda r: r["kind"]["label_vi"] if r["kind"] else None,
    "languages": lambda r: _codes(r["languages"]),
    "themes": lambda r: _codes(r["themes"]),
    "theme_labels": lambda r: _labels(r["themes"]),
    "conventions": lambda r: _codes(r["conventions"]),
    "channels": lambda r: _codes(r["channels"]),
    "channel_labels": lambda r: _labels(r["channels"]),
    "plan_task": lambda r: r["plan_task"]["code"] if r["plan_task"] else None,
    "lead_unit": lambda r: r["lead_unit"]["code"] if r["lead_unit"] else None,
    "lead_unit_name": lambda r: r["lead_unit"]["name"] if r["lead_unit"] else None,
    "cooperating_units": lambda r: _labels(r["cooperating_units"], "name"),
    "communes": lambda r: _codes(r["communes"]),
    "commune_names": lambda r: _labels(r["communes"], "name"),
    "produced_on": lambda r: _day(r["produced_on"]),
    "tags": lambda r: r["tags"],
    "rights": lambda r: r["rights"],
    "access_level": lambda r: r["access"]["level"],
    "embargo_until": lambda r: _day(r["embargo_until"]),
    "allowed_uses": lambda r: r["allowed_uses"],
    "status": lambda r: r["status"],
    "metadata_only": lambda r: r["metadata_only"],
    "created_at": lambda r: _moment(r["created_at"]),
    "updated_at": lambda r: _moment(r["updated_at"]),
    "files": lambda r: len(r["files"]),
    "file_names": lambda r: [f["file_name"] for f in r["files"]],
    "file_sha256": lambda r: [f["sha256"] for f in r["files"]],
    "file_sizes": lambda r: [f["size"] for f in r["files"]],
    "media_types": lambda r: [f["media_type"] for f in r["files"]],
}


def _csv(kho: Kho, plan: ExportPlan, log: ExportedLog, progress) -> Package:
    cells = CellFormat(plan.dates, ZoneInfo(kho.settings.timezone))

    def body(out) -> None:
        writer = CsvWriter(out.write, CSV_COLUMNS)
        for _product, record in _records(kho, plan, log, progress):
            writer.row(cells.cell(value(record)) for value in CSV_COLUMNS.values())
    return _file_package(plan.request.out, body)


# --- Dublin Core XML -------------------------------------------------------------------

def dc_container_start(kho: Kho) -> bytes:
    source = kho.settings.oai_repository_identifier
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<export xmlns="{EXPORT_NS}" '
            f'source="{attr(source)}" exported="{iso_datetime(utcnow())}">\n').encode("utf-8")


def dc_record(kho: Kho, record: dict[str, Any], publisher: str,
              datestamp: Optional[datetime] = None) -> bytes:
    """One record of the Dublin Core container; ``publisher`` as
    :func:`app.services.records.publisher.publisher_name` (read once per export);
    ``datestamp`` the record's (None: its ``updated_at``)."""
    identifier = f"oai:{kho.settings.oai_repository_identifier}:{record['id']}"
    stamp = iso_datetime(datestamp or datetime.fromisoformat(record["updated_at"]))
    return (f'<record identifier="{attr(identifier)}" datestamp="{stamp}">'
            f"{oai_dc_xml(record, publisher)}</record>\n").encode("utf-8")


def export_publisher(kho: Kho) -> str:
    """The body named as publisher of an export written now."""
    with kho.transaction() as session:
        return publisher_name(session, kho.settings, utcnow().date())


DC_CONTAINER_END = b"</export>\n"


def _dc_xml(kho: Kho, plan: ExportPlan, log: ExportedLog, progress) -> Package:
    def body(out) -> None:
        publisher = export_publisher(kho)
        out.write(dc_container_start(kho))
        for product, record in _records(kho, plan, log, progress):
            out.write(dc_record(kho, record, publisher, product.datestamp))
        out.write(DC_CONTAINER_END)
    return _file_package(plan.request.out, body)


# --- BagIt ---------------------------------------------------------------------------

def _track_line(t: Any, path: str) -> dict[str, Any]:
    """A caption or transcript track of a file, for ``kho import`` (its object is in the
    bag as an original, at ``path``)."""
    return {"track_id": t.id, "path": path, "sha256": t.sha256, "size": t.size,
            "media_type": t.media_type, "file_name": t.original_filename, "kind": t.kind,
            "language": t.language, "label": t.label, "machine_generated": t.machine_generated,
            "source": t.source, "encoding": t.encoding, "cues": t.cues or [],
            "problems": t.problems or [], "created_at": as_utc(t.created_at).isoformat()}


def _file_line(f: Any, path: str, derivatives: list[dict[str, Any]],
               tracks: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """What a restore needs about an original beyond the native record."""
    return {"product_id": f.product_id, "file_id": f.id, "path": path, "sha256": f.sha256,
            "size": f.size, "media_type": f.media_type, "category": f.category,
            "declared_type": f.declared_type, "type_mismatch": f.type_mismatch,
            "file_name": f.original_filename, "status": f.status,
            "access_level": getattr(f, "access_level", None),
            # the problem as code and values; "error" is its English sentence (for
            # readers of bags from before problem codes)
            "problem": f.problem, "problem_params": f.problem_params or {},
            "error": str(problem_message(f.problem, f.problem_params)) if f.problem else "",
            "error_detail": f.error_detail, "attempts": f.attempts,
            "technical": f.technical or {}, "text": f.text or "",
            "created_at": as_utc(f.created_at).isoformat(),
            "updated_at": as_utc(f.updated_at).isoformat(),
            "derivatives": derivatives, "tracks": tracks or []}


def _copy_files(bag: BagWriter, product: ProductView, record: dict[str, Any],
                with_derivatives: bool) -> Iterator[dict[str, Any]]:
    listed = {f["id"] for f in record["files"]}
    for f in product.files:
        if f.id not in listed:
            continue
        label = f"{f.original_filename} (product {product.id}, file {f.id})"
        entry = bag.copy_object(original_key(f.sha256), original_bag_path(f.sha256),
                                f.sha256, label=label)
        derivatives = []
        if with_derivatives:
            for d in f.derivatives:
                copied = bag.copy_object(d.storage_key, derivative_bag_path(d.storage_key),
                                         label=f"{d.name} of {label}")
                derivatives.append({"name": d.name, "media_type": d.media_type,
                                    "size": d.size, "params": d.params or {},
                                    "path": copied.path, "sha256": copied.sha256})
        tracks = []
        for t in getattr(f, "tracks", None) or []:      # captions and transcripts
            copied = bag.copy_object(t.storage_key, original_bag_path(t.sha256), t.sha256,
                                     label=f"{t.kind} {t.original_filename} of {label}")
            tracks.append(_track_line(t, copied.path))
        yield _file_line(f, entry.path, derivatives, tracks)


def _copy_consent_forms(bag: BagWriter, product: ProductView, record: dict[str, Any]) -> None:
    """The scanned consent forms of a full record, as originals in the bag (checksummed
    in its manifest like every payload file); each consent's ``evidence`` gets its
    ``path`` in the bag, which ``kho import`` restores from."""
    rows = {c.id: c for c in getattr(product, "consents", ())}
    for consent in record.get("consents") or []:
        evidence, row = consent.get("evidence"), rows.get(consent["id"])
        if not evidence or row is None:
            continue
        sha = evidence["sha256"]
        entry = bag.copy_object(row.evidence_key or original_key(sha), original_bag_path(sha),
                                sha, label=f"consent form {evidence['file_name']} "
                                           f"(product {product.id}, consent {consent['id']})")
        evidence["path"] = entry.path


def bag_info(kho: Kho, plan: ExportPlan, count: int) -> dict[str, str]:
    """bag-info.txt: source, count, date and what the export selected."""
    s, request = kho.settings, plan.request
    info = {
        "Source-Organization": export_publisher(kho),
        "Contact-Email": s.oai_admin_email,
        "External-Description": f"{s.oai_repository_name}: export {request.scope}"
                                + (f", set {request.set_spec}" if request.set_spec else ""),
        "Bagging-Date": utcnow().date().isoformat(),
        "Bag-Software-Agent": "Kho (kho export --format bagit)",
        "Kho-Export-Version": bag_writer.EXPORT_VERSION,
        "Kho-Repository-Identifier": s.oai_repository_identifier,
        "Kho-Record-Count": str(count),
        "Kho-Scope": request.scope,
        "Kho-With-Derivatives": "true" if request.with_derivatives else "false",
        "Kho-Exported-At": iso_datetime(utcnow()),
    }
    if request.set_spec:
        info["Kho-Set"] = request.set_spec
    if plan.since.at is not None:
        info["Kho-Since"] = iso_datetime(plan.since.at)
    return info


def _deleted(kho: Kho, plan: ExportPlan, bag: BagWriter) -> None:
    """deleted.jsonl: the records of the window that harvesters no longer get (deleted,
    made less visible, or whose consent ended: reason deleted, access, consent), as
    OAI-PMH reports them, so an incremental public bag tells the receiver what to
    remove. ``kho import`` reads it but removes nothing."""
    source = kho.settings.oai_repository_identifier
    with kho.transaction() as session, bag.metadata_file(DELETED_JSONL) as out:
        note_lapses(session, plan.query.day, plan.query.zone)
        for stone in iter_tombstones(session, plan.query):
            out.write(jsonl_line({"id": stone.product_id,
                                  "identifier": f"oai:{source}:{stone.product_id}",
                                  "datestamp": iso_datetime(stone.datestamp),
                                  "reason": stone.reason}))


def _activities(kho: Kho, plan: ExportPlan, bag: BagWriter) -> None:
    """The activities register in a whole-catalogue bag (no set, no --since): counts
    only in a public bag; every row and evidence file in a bag of scope all, for
    ``kho import`` (see :mod:`app.services.activities.portable`)."""
    from app.services.activities import portable

    with kho.transaction() as session:
        if plan.request.scope == "public":
            with bag.metadata_file(ACTIVITIES_JSONL) as out:
                for record in portable.public_records(session, plan.query.today):
                    out.write(jsonl_line(record))
            return
        for sha256, key, label in portable.evidence_objects(session):
            bag.copy_object(key, original_bag_path(sha256), sha256, label=label)
        with bag.metadata_file(ACTIVITY_TABLES_JSONL) as out:
            for line in portable.table_rows(session):
                out.write(jsonl_line(line))


def _bagit(kho: Kho, plan: ExportPlan, log: ExportedLog, progress) -> Package:
    with PartialFolder(plan.request.out) as folder:
        bag = BagWriter(folder.partial, kho.storage)
        with bag.metadata_file(RECORDS_JSONL) as records, \
                bag.metadata_file(RECORDS_DC) as dc, bag.metadata_file(FILES_JSONL) as files:
            dc.write(dc_container_start(kho))
            publisher = export_publisher(kho)
            for product, record in _records(kho, plan, log, progress):
                _copy_consent_forms(bag, product, record)
                records.write(jsonl_line(record))
                dc.write(dc_record(kho, record, publisher, product.datestamp))
                for line in _copy_files(bag, product, record, plan.request.with_derivatives):
                    files.write(jsonl_line(line))
            dc.write(DC_CONTAINER_END)
        if plan.request.scope == "public":
            _deleted(kho, plan, bag)
        if not plan.request.set_spec and plan.since.at is None:
            _activities(kho, plan, bag)
        digest = bag.finish(bag_info(kho, plan, log.count))
        size = bag.payload_bytes
        objects = len(bag.entries)
        folder.commit()
    return Package(folder.target, digest, size, objects)
