"""Bulk digitisation (``kho ingest``): folders of files, optionally a manifest -> products
with their originals stored and queued for processing.

Two steps so a front door can show progress: :func:`prepare` reads the manifest and
walks the folders (no database), :func:`run` handles one row at a time. A bad row fails
alone, with a message naming its row number and the column or file; the others go on.

Re-running is safe and finishes the job. A row is recognised as done when the product a
previous run created for it (recorded as an ``ingest.bulk`` event whose detail is the
row's identity: manifest path + row number, or the file's path without a manifest)
already holds the SHA-256 of every file of the row — or when a product holds exactly
these contents, no more and no fewer (the same files ingested another way), and no other
row of the batch claims it. Such a row is skipped, and its files whose processing failed
are queued again. A row that failed before is simply tried again; a row whose product
lacks some files gets the missing ones. Any other row gets a product of its own: a
product holding its files among others is not its product, and two rows naming the same
content make two products; that content is stored once, and its second file is reported
as ``duplicate``. A dry run predicts the same outcomes. The matching itself lives in
:mod:`app.services.files.bulk_matching`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.processing import pipeline
from app.services.access.accounts import actor_for
from app.services.access.actors import Actor
from app.services.files.bulk_matching import ROW_EVENT, Hashed, RunState, existing_product
from app.services.files.intake import receive
from app.services.catalogue.product_input import resolve
from app.services.catalogue.products import create_product
from archive.errors import KhoError, Message, NotFound, ValidationError, message_of
from archive.models import Event, File, User
from archive.text import normalize_text
from ingest import legacy_text
from ingest.batch import Batch, PlannedRow, plan_batch
from ingest.detect import detect
from ingest.tagging import kind_for


@dataclass
class FileResult:
    """Outcome of one file: ok (stored), duplicate (same content stored before, linked),
    skipped (already in, or not named by the manifest), failed (see ``message``)."""

    path: str
    outcome: str = "ok"
    file_id: Optional[int] = None
    sha256: str = ""
    message: str = ""


@dataclass
class RowResult:
    """Outcome of one row: ok, skipped (already ingested) or failed — also when a file
    was stored but its processing failed (a re-run queues it again)."""

    number: Optional[int]
    title: str
    outcome: str = "ok"
    product_id: Optional[int] = None
    message: str = ""
    files: list[FileResult] = field(default_factory=list)


@dataclass
class BulkResult:
    """Every row's and file's outcome; ``unlisted``: files no manifest row names."""

    rows: list[RowResult]
    unlisted: list[FileResult]
    warnings: list[str]
    dry_run: bool = False
    interrupted: bool = False     # stopped by Ctrl-C: rows after the last one are not done

    def row_count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def file_count(self, outcome: str) -> int:
        files = [f for r in self.rows for f in r.files] + self.unlisted
        return sum(1 for f in files if f.outcome == outcome)


# --- who ingests ----------------------------------------------------------------------

def ingest_actor(kho: Kho, username: Optional[str] = None) -> Actor:
    """The user named by ``--as``, or the first active admin. ValidationError/NotFound
    (usage errors) when there is none or the role may not create products."""
    with kho.transaction() as session:
        if username:
            user = session.scalar(select(User).where(
                User.username == normalize_text(username).strip().lower()))
            if user is None or not user.active:
                raise NotFound("no active user %(name)s", field="--as", name=repr(username))
        else:
            user = session.scalar(select(User).where(User.role == "admin", User.active)
                                  .order_by(User.id))
            if user is None:
                raise ValidationError("no admin user exists: create one with 'kho user "
                                      "bootstrap-admin' or name a producer with --as USER",
                                      field="--as")
        actor = actor_for(user)
    if not (actor.can("product.create") and actor.can("file.upload")):
        raise ValidationError("user %(name)s has role %(role)s; 'kho ingest' needs a "
                              "producer or an admin", field="--as", name=actor.username,
                              role=actor.role)
    return actor


# --- planning (no database) -------------------------------------------------------------

def kho_folders(kho: Kho) -> list[Path]:
    """Folders of the instance itself, never ingested even when under a PATH."""
    s = kho.settings
    return [s.instance, s.objects_dir, s.index_dir, s.spool_dir]


def prepare(paths: Iterable[Path], manifest_path: Optional[Path] = None, *,
            skip: Iterable[Path] = ()) -> Batch:
    """Read the manifest (ManifestError, a usage error, if unusable) and match its rows
    to the files under ``paths``; see :func:`ingest.batch.plan_batch`."""
    return plan_batch(paths, manifest_path, skip=skip)


# --- running ----------------------------------------------------------------------------

def run(kho: Kho, actor: Actor, batch: Batch, *, dry_run: bool = False,
        on_row: Optional[Callable[[RowResult], None]] = None) -> BulkResult:
    """Ingest every row of ``batch`` (``dry_run``: check only, store nothing).

    Ctrl-C stops between two steps and returns what was done (``interrupted``); every
    step commits on its own, so the next run picks up where this one stopped."""
    results, state, interrupted = [], RunState.start(kho, batch), False
    try:
        for row in batch.rows:
            result = _run_row(kho, actor, row, dry_run, state)
            if result.product_id is not None:
                state.taken.add(result.product_id)
            results.append(result)
            if on_row:
                on_row(result)
    except KeyboardInterrupt:
        interrupted = True
    unlisted = [FileResult(p, "skipped", message=Message("not named in the manifest"))
                for p in batch.unlisted]
    return BulkResult(results, unlisted, list(batch.warnings), dry_run, interrupted)


def _run_row(kho: Kho, actor: Actor, row: PlannedRow, dry_run: bool,
             state: RunState) -> RowResult:
    result = RowResult(row.number, str(row.values.get("title", "")))
    hashed, file_problems, bad = state.hashed(row)
    problems = row.problems + _metadata_problems(kho, row) + file_problems
    if problems:
        return _failed(row, result, problems, hashed, bad)
    product_id, held = existing_product(state, row, [h.sha256 for h in hashed])
    if product_id is not None and all(h.sha256 in held for h in hashed):
        return _already_in(kho, actor, row, result, product_id, hashed, held, dry_run)
    if dry_run:
        return _would_ingest(state, row, result, product_id, hashed, held)
    try:
        if product_id is None:
            product_id = _create(kho, actor, row, hashed)
    except KhoError as exc:
        result.outcome, result.message = "failed", Message(
            "%(row)s: %(problem)s", row=row.label, problem=message_of(exc))
        return result
    result.product_id = product_id
    result.files = [_receive(kho, actor, product_id, h, held) for h in hashed]
    failed = [f for f in result.files if f.outcome == "failed"]
    result.outcome = "failed" if failed else "ok"
    done = (Message("completed product %(id)s", id=product_id) if held
            else Message("created product %(id)s", id=product_id))
    result.message = Message("%(row)s: %(problem)s", row=row.label,
                             problem=[f.message for f in failed] if failed else done)
    return result


def _failed(row: PlannedRow, result: RowResult, problems: list[str], hashed: list[Hashed],
            bad: set[str]) -> RowResult:
    """A row not ingested: every problem in one message; its files failed or skipped."""
    result.outcome = "failed"
    result.message = Message("%(row)s: %(problem)s", row=row.label, problem=problems)
    sha_of = {h.shown: h.sha256 for h in hashed}
    for shown, path in row.files:
        if path is None or shown in bad:
            result.files.append(FileResult(shown, "failed", sha256=sha_of.get(shown, ""),
                                           message=next((p for p in problems
                                                         if f"'{shown}'" in p), "")))
        else:
            result.files.append(FileResult(shown, "skipped", sha256=sha_of[shown],
                                           message=Message("not stored: the row has "
                                                           "problems")))
    return result


def _metadata_problems(kho: Kho, row: PlannedRow) -> list[str]:
    """Vocabulary and format checks, in a transaction that is always rolled back."""
    session = kho.sessions()
    try:
        resolve(session, row.values, creating=True)
        return []
    except ValidationError as exc:
        return [Message("%(column)s: %(problem)s", column=row.column(name), problem=message)
                for name, message in exc.fields.items()]
    finally:
        session.rollback()
        session.close()


def _kind_for(path: Path) -> Optional[str]:
    """Product kind from the detected media category (None for other content)."""
    return kind_for(detect(path, path.name).category)


def _create(kho: Kho, actor: Actor, row: PlannedRow, hashed: list[Hashed]) -> int:
    values = dict(row.values)
    if row.number is None and hashed:
        kind = _kind_for(hashed[0].path)
        if kind:
            values["kind"] = kind
    product_id = create_product(kho, actor, values)
    with kho.transaction() as session:
        session.add(Event(product_id=product_id, action=ROW_EVENT, detail=row.key,
                          user_id=actor.user_id))
        if row.legacy:          # the provenance of text read through a legacy table
            session.add(Event(product_id=product_id, action=legacy_text.STEP,
                              tool=legacy_text.TOOL, tool_version=legacy_text.VERSION,
                              user_id=actor.user_id, detail=(
                                  f"metadata of {row.key} converted from "
                                  f"{legacy_text.encoding_name(row.legacy)} to Unicode")))
    return product_id


def _receive(kho: Kho, actor: Actor, product_id: int, h: Hashed,
             held: dict[str, File]) -> FileResult:
    if h.sha256 in held:
        return FileResult(h.shown, "skipped", held[h.sha256].id, h.sha256,
                          Message("already in product %(id)s", id=product_id))
    try:
        with open(h.path, "rb") as stream:
            got = receive(kho, actor, product_id, stream, h.path.name)
    except (KhoError, OSError) as exc:
        return FileResult(h.shown, "failed", sha256=h.sha256,
                          message=Message("file '%(file)s' not stored: %(reason)s",
                                          file=h.shown, reason=message_of(exc)))
    result = FileResult(h.shown, "ok", got.file_id, got.sha256,
                        Message("stored as file %(id)s", id=got.file_id))
    if got.duplicate:
        result.outcome = "duplicate"
        result.message = Message("same content as file %(other)s, stored once; linked as "
                                 "file %(id)s", other=got.duplicate_of, id=got.file_id)
    status, error = _file_status(kho, got.file_id)
    if status in ("queued", "processing"):
        result.message = Message("%(done)s; queued for processing", done=result.message)
    elif status == "failed":
        result.outcome = "failed"
        result.message = Message("file '%(file)s' stored as file %(id)s but processing "
                                 "failed: %(reason)s", file=h.shown, id=got.file_id,
                                 reason=error)
    return result


def _file_status(kho: Kho, file_id: int) -> tuple[str, str]:
    with kho.transaction() as session:
        row = session.get(File, file_id)
        return row.status, row.error


def _already_in(kho: Kho, actor: Actor, row: PlannedRow, result: RowResult, product_id: int,
                hashed: list[Hashed], held: dict[str, File], dry_run: bool) -> RowResult:
    """Skip a row that is in; queue its files whose processing failed once more."""
    failed_ids = {held[h.sha256].id for h in hashed if held[h.sha256].status == "failed"}
    if failed_ids and not dry_run:
        actor.require("file.retry")
        pipeline.retry(kho, sorted(failed_ids))
    result.product_id = product_id
    for h in hashed:
        f = held[h.sha256]
        item = FileResult(h.shown, "skipped", f.id, h.sha256,
                          Message("already stored as file %(id)s", id=f.id))
        if f.id in failed_ids and dry_run:
            item.message = Message("%(done)s; its processing failed (%(reason)s) and would be "
                                   "retried", done=item.message, reason=f.error)
        elif f.id in failed_ids:
            status, error = _file_status(kho, f.id)
            item.outcome = "failed" if status == "failed" else "ok"
            item.message = (Message("file '%(file)s' (file %(id)s) failed processing again: "
                                    "%(reason)s", file=h.shown, id=f.id, reason=error)
                            if status == "failed" else
                            Message("processing of file %(id)s retried: %(status)s", id=f.id,
                                    status=status))
        result.files.append(item)
    failed = [f.message for f in result.files if f.outcome == "failed"]
    if failed:
        result.outcome, result.message = "failed", Message(
            "%(row)s: %(problem)s", row=row.label, problem=failed)
    elif failed_ids and not dry_run:
        result.outcome = "ok"
        result.message = Message("%(row)s: product %(id)s completed, processing retried",
                                 row=row.label, id=product_id)
    else:
        result.outcome = "skipped"
        result.message = Message("%(row)s: already ingested as product %(id)s",
                                 row=row.label, id=product_id)
    return result


def _would_ingest(state: RunState, row: PlannedRow, result: RowResult,
                  product_id: Optional[int], hashed: list[Hashed],
                  held: dict[str, File]) -> RowResult:
    """Dry run: say what a real run would do with a valid row — including files whose
    content an earlier row of this run would store (the real run links them)."""
    with state.kho.transaction() as session:
        stored = {sha: fid for sha, fid in session.execute(
            select(File.sha256, func.min(File.id)).where(
                File.sha256.in_([h.sha256 for h in hashed])).group_by(File.sha256))}
    result.product_id = product_id
    result.message = (Message("%(row)s: dry run, would add files to product %(id)s",
                              row=row.label, id=product_id) if product_id else
                      Message("%(row)s: dry run, would create a product", row=row.label))
    for h in hashed:
        if h.sha256 in held:
            item = FileResult(h.shown, "skipped", held[h.sha256].id, h.sha256,
                              Message("already in product %(id)s", id=product_id))
        elif h.sha256 in stored:
            item = FileResult(h.shown, "duplicate", None, h.sha256,
                              Message("same content already stored as file %(id)s; "
                                      "would be linked", id=stored[h.sha256]))
        elif h.sha256 in state.would_store:
            item = FileResult(h.shown, "duplicate", None, h.sha256,
                              Message("same content as %(other)s; would be stored once "
                                      "and linked", other=state.would_store[h.sha256]))
        else:
            item = FileResult(h.shown, "ok", None, h.sha256, Message("would be stored"))
            state.would_store[h.sha256] = Message("%(row)s, file '%(file)s'", row=row.label,
                                                  file=h.shown)
        result.files.append(item)
    return result
