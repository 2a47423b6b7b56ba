"""The rows and objects of one imported product (see :mod:`app.services.imports.catalogue_import`).

Order of effects as in intake: an original (and its derivatives) is stored under its
content-addressed key before the row pointing at it is committed; a file without
derivatives has its processing job staged in the same transaction (the outbox) and
sent after the commit, so a killed import leaves no file "queued" without a job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.common import outbox
from app.services.preservation import replication
from app.services.processing import pipeline
from app.services.search import indexing
from app.services.access.actors import Actor
from app.services.imports import access_rows
from app.services.imports.bag_reader import KhoBag
from app.services.imports.vocabulary_mapping import TERM_KEYS, Vocabularies
from app.services.records.native import RECORD_LOAD, record_of
from archive.base import utcnow
from archive.errors import ValidationError
from archive.exports import ImportedProduct
from archive.problems import GENERIC, json_params
from archive.models import Derivative, Event, File, Product, ProductChange, Term, Unit
from archive.storage import original_key, validate_key
from archive.tracks import TRACK_KINDS, CaptionTrack

_DERIVATIVE_PATH = re.compile(r"data/(derivatives/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})/"
                              r"[a-z0-9_-]+\.[a-z0-9_-]+)")
# record fields compared with the local product to tell "unchanged" from a conflict
PLAIN_FIELDS = ("title", "description", "produced_on", "tags", "rights", "access_level",
                "embargo_until", "protocol_note")


@dataclass
class Context:
    """What every product of one import pass shares."""

    kho: Kho
    actor: Actor
    bag: KhoBag
    vocabularies: Vocabularies
    empty: bool                      # the instance had no product when the import began
    write: bool
    jobs: list[int] = field(default_factory=list)      # processing jobs staged, not yet sent
    touched: bool = False
    replica_waits: bool = False                        # copies left in the replica outbox

    @property
    def own(self) -> bool:
        """The bag was exported by this very instance (same repository identifier)."""
        return self.bag.source == self.kho.settings.oai_repository_identifier

    def after_commit(self) -> None:
        """Send the processing jobs staged with the product's rows (the outbox: a job
        not sent now, the queue being down or the process killed, is sent later)."""
        if self.jobs:
            outbox.send(self.kho, self.jobs)
        self.jobs = []

    def finish(self) -> None:
        if self.write and self.touched:
            indexing.queue_flush(self.kho)
        if self.replica_waits:
            outbox.best_effort(self.kho, lambda: replication.queue_drain(self.kho),
                               "the replica copy")


@dataclass(frozen=True)
class Match:
    product_id: Optional[int] = None
    deleted: bool = False


@dataclass(frozen=True)
class Stored:
    originals: int = 0
    derivatives: int = 0
    queued: int = 0
    kept_id: bool = False


def _deleted_here(session: Session, product_id: int) -> bool:
    return session.scalar(select(ProductChange.id).where(
        ProductChange.product_id == product_id, ProductChange.action == "delete")
        .limit(1)) is not None


def match(session: Session, context: Context, source_id: int) -> Match:
    """The local product of an export identity, if any (see the imports module)."""
    known = session.scalar(select(ImportedProduct.product_id).where(
        ImportedProduct.source == context.bag.source, ImportedProduct.source_id == source_id))
    if known is not None:
        return Match(known) if session.get(Product, known) else Match(known, deleted=True)
    if context.own:
        if session.get(Product, source_id) is not None:
            return Match(source_id)
        if _deleted_here(session, source_id):
            return Match(source_id, deleted=True)
    return Match()


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    return {"title": values["title"], "description": values.get("description") or "",
            "produced_on": values.get("produced_on"), "tags": list(values.get("tags") or []),
            "rights": values.get("rights") or "", "access_level": record_level(values),
            "embargo_until": values.get("embargo_until"),
            "protocol_note": values.get("protocol_note") or ""}


def record_level(record: dict[str, Any]) -> str:
    """A record's access level: ``access.level`` (issue 26), else the ``sensitive``
    flag of a bag written before levels existed (true → closed, else public); an
    unknown level reads as closed (nothing becomes more visible by an import)."""
    from archive.access import LEVELS

    access = record.get("access")
    level = access.get("level") if isinstance(access, dict) else access
    if level is None:
        return "closed" if record.get("sensitive") else "public"
    return level if level in LEVELS else "closed"


def differences(session: Session, context: Context, product_id: int,
                record: dict[str, Any]) -> list[str]:
    """Names of the record fields whose value differs from the local product's."""
    product = session.get(Product, product_id, options=RECORD_LOAD)
    local = record_of(product, context.kho.settings, ready_only=False)
    ours, theirs = _comparable(local), _comparable(record)
    differ = [name for name in PLAIN_FIELDS if ours[name] != theirs[name]]
    local_codes = {key: _codes_of(local.get(key)) for key in (*TERM_KEYS, "lead_unit",
                                                              "cooperating_units", "communes")}
    their_codes = context.vocabularies.local_codes(session, record)
    differ += [key for key in local_codes if local_codes[key] != their_codes[key]]
    return differ


def _codes_of(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(v["code"] for v in value)
    return value["code"] if value else None


def _moment(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


def _derivative_key(sha256: str, path: str) -> str:
    found = _DERIVATIVE_PATH.fullmatch(path)
    if not found or found.group(4) != sha256 or found.group(2) != sha256[:2] \
            or found.group(3) != sha256[2:4]:
        raise ValidationError("%(path)s is not where a derivative of %(sha)s is kept",
                              field=path, path=path, sha=sha256)
    return validate_key(found.group(1))


def _store(context: Context, key: str, bag_path: str, media_type: str) -> None:
    """A derivative (reproducible, one copy like processing writes it)."""
    storage = context.kho.storage
    if not storage.exists(key):
        storage.put_file(key, context.bag.file(bag_path), content_type=media_type)


def _store_original(session: Session, context: Context, key: str, sha256: str,
                    line: dict[str, Any]) -> None:
    """An original as intake stores one: the primary store and the replica, each
    checked against the SHA-256 (an object already there is kept when whole); a
    replica that does not answer gets the copy through its outbox, in this
    transaction."""
    written = replication.write_original(
        context.kho, key, sha256, context.bag.file(str(line["path"])),
        line.get("media_type") or "application/octet-stream")
    if written.deferred:
        replication.defer_copy(session, key, sha256, written.deferred)
        context.replica_waits = True


def _problem(line: dict[str, Any]) -> dict[str, Any]:
    """A bagged file's problem as the catalogue keeps it: its code and values, or — a bag
    from before problem codes — its English sentence kept as tool output under the
    generic code (as migration 0013 converts a catalogue)."""
    detail = line.get("error_detail") or ""
    if line.get("problem"):
        return {"problem": str(line["problem"])[:60], "error_detail": detail,
                "problem_params": json_params(line.get("problem_params") or {})}
    old = line.get("error") or ""
    return {"problem": GENERIC if old else "", "problem_params": {},
            "error_detail": "\n".join(part for part in (old, detail) if part)}


def _add_file(session: Session, context: Context, product: Product, line: dict[str, Any],
              keep_ids: bool) -> Stored:
    sha = str(line["sha256"])
    key = original_key(sha)
    derivatives = line.get("derivatives") or []
    keys = [_derivative_key(sha, str(d["path"])) for d in derivatives]
    if not context.write:
        return Stored(1, len(derivatives), 0 if derivatives else 1)
    _store_original(session, context, key, sha, line)
    for d, d_key in zip(derivatives, keys):
        _store(context, d_key, d["path"], d.get("media_type") or "application/octet-stream")
    file_id = line.get("file_id") if keep_ids and session.get(File, line.get("file_id")) is None \
        else None
    status = line.get("status") or "queued"
    queue = not derivatives and status != "failed"
    row = File(id=file_id, product=product, sha256=sha, size=int(line["size"]),
               media_type=line.get("media_type") or "application/octet-stream",
               category=line.get("category") or "other",
               declared_type=line.get("declared_type"),
               type_mismatch=bool(line.get("type_mismatch")),
               original_filename=line.get("file_name") or sha, storage_key=key,
               technical=line.get("technical") or {}, text=line.get("text") or "",
               status="queued" if queue else status, **_problem(line),
               access_level=line.get("access_level") or None,
               attempts=int(line.get("attempts") or 0), created_by_id=context.actor.user_id,
               created_at=_moment(line.get("created_at")) or utcnow(),
               updated_at=(_moment(line.get("updated_at")) if keep_ids else None) or utcnow())
    row.derivatives = [Derivative(name=d["name"], storage_key=d_key, media_type=d["media_type"],
                                  size=int(d["size"]), params=d.get("params") or {})
                       for d, d_key in zip(derivatives, keys)]
    row.tracks = [_track(session, context, t) for t in line.get("tracks") or []]
    session.add(row)
    session.flush()
    session.add(Event(product_id=product.id, file_id=row.id, action="file.import",
                      detail=f"sha256={sha} size={row.size} from {context.bag.source}",
                      user_id=context.actor.user_id))
    if queue:
        context.jobs.append(pipeline.stage_file(context.kho, session, row.id))
    return Stored(1, len(derivatives), int(queue))


def _track(session: Session, context: Context, line: dict[str, Any]) -> CaptionTrack:
    """A caption or transcript track of an imported file: its object stored as an
    original (primary and replica), its row as the bag says (source ``import`` unless
    it was extracted from the video)."""
    sha = str(line["sha256"])
    key = original_key(sha)
    _store_original(session, context, key, sha, line)
    source = line.get("source") if line.get("source") == "embedded" else "import"
    return CaptionTrack(
        kind=line.get("kind") if line.get("kind") in TRACK_KINDS else "captions",
        language=str(line.get("language") or "")[:20], label=str(line.get("label") or "")[:200],
        machine_generated=bool(line.get("machine_generated")), source=source, sha256=sha,
        size=int(line["size"]), media_type=line.get("media_type") or "text/vtt",
        original_filename=line.get("file_name") or sha, storage_key=key,
        encoding=str(line.get("encoding") or "utf-8")[:20], cues=list(line.get("cues") or []),
        problems=list(line.get("problems") or []), created_by_id=context.actor.user_id,
        created_at=_moment(line.get("created_at")) or utcnow())


def _sum(parts: list[Stored], kept_id: bool = False) -> Stored:
    return Stored(sum(p.originals for p in parts), sum(p.derivatives for p in parts),
                  sum(p.queued for p in parts), kept_id)


def create(session: Session, context: Context, record: dict[str, Any],
           lines: list[dict[str, Any]]) -> Stored:
    """A new local product for the record, with its originals."""
    source_id = record["id"]
    keep = (context.own or context.empty) and session.get(Product, source_id) is None
    resolved = context.vocabularies.resolve(session, record, create=True)
    if not context.write:
        return _sum([_add_file(session, context, None, line, keep) for line in lines], keep)
    terms = [session.get(Term, i) for key in TERM_KEYS if key not in ("kind", "plan_task")
             for i in resolved[key]]
    now = utcnow()
    product = Product(
        id=source_id if keep else None, title=record["title"],
        description=record.get("description") or "", kind_id=resolved["kind"],
        plan_task_id=resolved["plan_task"], lead_unit_id=resolved["lead_unit"],
        produced_on=date.fromisoformat(record["produced_on"]) if record.get("produced_on")
        else None,
        tags=list(record.get("tags") or []), rights_note=record.get("rights") or "",
        access_level=record_level(record),
        embargo_until=date.fromisoformat(record["embargo_until"])
        if record.get("embargo_until") else None,
        protocol_note=record.get("protocol_note") or "", status=record.get("status") or "draft",
        created_by_id=context.actor.user_id, updated_by_id=context.actor.user_id,
        created_at=_moment(record["created_at"]) or now,
        updated_at=_moment(record["updated_at"]) if keep else now)
    product.terms = terms
    product.communes = [session.get(Unit, i) for i in resolved["communes"]]
    product.cooperating_units = [session.get(Unit, i) for i in resolved["cooperating_units"]]
    access_rows.restore(session, context, product, record)      # audience, consents
    session.add(product)
    session.flush()
    stored = _sum([_add_file(session, context, product, line, keep) for line in lines], keep)
    if stored.queued:
        product.status = "processing"
    _provenance(session, context, product, source_id)
    if keep:
        _advance_sequences(session)
    return stored


def complete(session: Session, context: Context, product_id: int, record: dict[str, Any],
             lines: list[dict[str, Any]]) -> Stored:
    """Add to a matched, unchanged product the originals it lacks (replace nothing)."""
    have = set(session.scalars(select(File.sha256).where(File.product_id == product_id)))
    missing = [line for line in lines if line.get("sha256") not in have]
    if not missing or not context.write:
        return _sum([Stored(1, len(line.get("derivatives") or []),
                            0 if line.get("derivatives") else 1) for line in missing])
    product = session.get(Product, product_id)
    stored = _sum([_add_file(session, context, product, line, keep_ids=False)
                   for line in missing])
    product.updated_at = utcnow()
    if stored.queued:
        product.status = "processing"
    _remember(session, context, product.id, record["id"])
    indexing.mark(session, [product.id])
    context.touched = True
    return stored


def _remember(session: Session, context: Context, product_id: int, source_id: int) -> None:
    known = session.scalar(select(ImportedProduct).where(
        ImportedProduct.source == context.bag.source, ImportedProduct.source_id == source_id))
    if known is None:
        session.add(ImportedProduct(source=context.bag.source, source_id=source_id,
                                    product_id=product_id))


def _provenance(session: Session, context: Context, product: Product, source_id: int) -> None:
    origin = f"oai:{context.bag.source}:{source_id}"
    _remember(session, context, product.id, source_id)
    session.add(ProductChange(product_id=product.id, action="import",
                              changes={"source": [None, origin]},
                              user_id=context.actor.user_id))
    session.add(Event(product_id=product.id, action="product.import",
                      detail=f"{origin} from {context.bag.path.name}",
                      user_id=context.actor.user_id))
    indexing.mark(session, [product.id])
    context.touched = True


def _advance_sequences(session: Session) -> None:
    """PostgreSQL: rows inserted with explicit ids do not move the id sequences; move
    them past the largest id so the next ordinary insert does not collide."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("products", "files"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"GREATEST((SELECT max(id) FROM {table}), 1))"))
