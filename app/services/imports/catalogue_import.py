"""``kho import``: a Kho BagIt export into this instance (restore, migrate, merge).

Nothing is written until the whole bag has been checked: the bag is fully validated
against its SHA-256 manifests (:mod:`app.services.imports.bag_reader`), then a first pass
reads every record and file line and decides what each product becomes (the dry
run stops here and reports it). Only then does a second pass write, one product per
transaction, objects first (content addressed, as intake stores them) and rows after,
so a killed import leaves whole products and a second run continues where it stopped.

Each product is matched by its **export identity** — the exporting repository's
identifier (bag-info ``Kho-Repository-Identifier``) and its id there:

* an identity recorded by an earlier import (:class:`archive.exports.ImportedProduct`),
  or, for a bag this instance itself exported, the product with that id;
* matched, same metadata: *unchanged* (originals it lacks are added, nothing replaced);
* matched, other metadata: a *conflict*, reported with the fields that differ, never
  overwritten; matched but deleted here: reported, not brought back;
* not matched: *created*. Into an empty instance, or from a bag of this instance, the
  product keeps its id, its file ids and its timestamps (a restore or a migration,
  so URLs and OAI identifiers stay valid); otherwise it gets new ids and its
  datestamp is the import (harvesters of this instance then see it as new).

Originals come with their derivatives when the bag has them (no processing);
otherwise they are queued for processing like an upload.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.imports import rows
from app.services.access.accounts import actor_for
from app.services.access.actors import Actor
from app.services.exports.plan import OPERATOR_ACTOR
from app.services.imports.activities_import import restore_activities
from app.services.imports.bag_reader import FILES, RECORDS, KhoBag, open_kho_bag
from app.services.imports.vocabulary_mapping import Vocabularies, VocabularyReport
from app.services.catalogue.products import write_lock
from archive.errors import NotFound, PermissionDenied, ValidationError
from archive.models import Product, User
from archive.text import normalize_text

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportConflict:
    source_id: int
    title: str
    product_id: Optional[int]      # the local product it matched
    fields: tuple[str, ...]        # record fields that differ; () when deleted here
    deleted: bool = False


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    path: str
    source: str
    dry_run: bool
    products: int = 0
    created: int = 0
    unchanged: int = 0
    completed: int = 0             # matched products that got originals they lacked
    kept_ids: int = 0              # created with the id they had in the source
    originals: int = 0             # originals stored (or to store)
    derivatives: int = 0
    queued: int = 0                # originals queued for processing
    conflicts: list[ImportConflict] = field(default_factory=list)
    vocabulary: VocabularyReport = field(default_factory=VocabularyReport)
    # the activities register (bags of scope all): rows per table, evidence objects
    activities: Optional[Any] = None


def _require(actor: Actor) -> None:
    if actor.role not in ("admin", "system"):
        raise PermissionDenied("only admins may import", field="--as")


def import_actor(kho: Kho, username: Optional[str]) -> Actor:
    """The admin named by ``--as`` (recorded as creator of what comes in), or the
    machine's operator. NotFound / PermissionDenied naming ``--as`` otherwise."""
    if not username:
        return OPERATOR_ACTOR
    with kho.transaction() as session:
        user = session.scalar(select(User).where(
            User.username == normalize_text(username).strip().lower()))
        if user is None or not user.active:
            raise NotFound("no active user %(name)s", field="--as", name=repr(username))
        actor = actor_for(user)
    _require(actor)
    return actor


class _FileGroups:
    """files.jsonl lines for each record, read in step with records.jsonl (the export
    writes a record's originals right after it)."""

    def __init__(self, lines: Iterator[dict[str, Any]]) -> None:
        self._lines = lines
        self._next: Optional[dict[str, Any]] = next(self._lines, None)

    def take(self, product_id: int) -> list[dict[str, Any]]:
        taken = []
        while self._next is not None and self._next.get("product_id") == product_id:
            taken.append(self._next)
            self._next = next(self._lines, None)
        return taken

    def leftover(self) -> Optional[dict[str, Any]]:
        return self._next


def _check_record(record: dict[str, Any], number: int) -> None:
    for name, kind in (("id", int), ("title", str), ("files", list), ("created_at", str),
                       ("updated_at", str)):
        if not isinstance(record.get(name), kind):
            raise ValidationError("%(file)s record %(n)s: %(name)s is missing or not a "
                                  "%(kind)s", field=RECORDS, file=RECORDS, n=number,
                                  kind=kind.__name__, name=name)


def _check_files(bag: KhoBag, record: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Every original of the record is in files.jsonl and matches the manifest."""
    have = {line.get("file_id") for line in lines}
    for f in record["files"]:
        if f.get("id") not in have:
            raise ValidationError("%(file)s has no line for file %(file_id)s of product "
                                  "%(id)s", field=FILES, file=FILES, file_id=f.get("id"),
                                  id=record["id"])
    for line in lines:
        path = str(line.get("path", ""))
        local = bag.file(path)                         # listed in the manifest
        if bag.entries[path] != line.get("sha256") or local.stat().st_size != line.get("size"):
            raise ValidationError("%(file)s: the SHA-256 or size of %(path)s differs from "
                                  "the bag's", field=path, file=FILES, path=path)
        for derivative in line.get("derivatives") or []:
            bag.file(str(derivative.get("path", "")))
        for track in line.get("tracks") or []:          # captions and transcripts
            track_path = str(track.get("path", ""))
            if bag.entries.get(track_path) != track.get("sha256"):
                bag.file(track_path)                   # unlisted: names the path
                raise ValidationError("%(file)s: the SHA-256 or size of %(path)s differs "
                                      "from the bag's", field=track_path, file=FILES,
                                      path=track_path)


def import_bag(kho: Kho, actor: Actor, path: Path, *, dry_run: bool = False,
               progress: Optional[Progress] = None) -> ImportReport:
    """Import the Kho BagIt export at ``path`` (see the module text).

    Raises ValidationError naming the file for a bag that is not a Kho export, is
    damaged or inconsistent (nothing is imported then), PermissionDenied for a
    non-admin actor.
    """
    _require(actor)
    bag = open_kho_bag(Path(path))
    if not bag.source:
        raise ValidationError("bag-info.txt has no Kho-Repository-Identifier",
                              field=str(path))
    with kho.transaction() as session:
        empty = not session.scalar(select(func.count(Product.id)))
    planned = _pass(kho, actor, bag, empty, write=False, progress=progress if dry_run else None)
    planned.activities = restore_activities(kho, bag, write=False)   # checked before writing
    if dry_run:
        return planned
    done = _pass(kho, actor, bag, empty, write=True, progress=progress)
    done.activities = restore_activities(kho, bag, write=True)      # after the products
    return done


def _pass(kho: Kho, actor: Actor, bag: KhoBag, empty: bool, *, write: bool,
          progress: Optional[Progress]) -> ImportReport:
    report = ImportReport(str(bag.path), bag.source, dry_run=not write)
    with kho.transaction() as session:
        vocabularies = Vocabularies(session, write=write)
    groups = _FileGroups(bag.files())
    context = rows.Context(kho, actor, bag, vocabularies, empty, write)
    for number, record in enumerate(bag.records(), start=1):
        _check_record(record, number)
        lines = groups.take(record["id"])
        _check_files(bag, record, lines)
        with kho.transaction() as session:
            _one(session, context, record, lines, report)
        context.after_commit()
        if progress is not None:
            progress(1)
    if groups.leftover() is not None:
        raise ValidationError("%(file)s names product %(id)s out of the order of %(records)s",
                              field=FILES, file=FILES, id=groups.leftover().get("product_id"),
                              records=RECORDS)
    context.finish()
    report.vocabulary = vocabularies.report
    return report


def _one(session: Session, context: "rows.Context", record: dict[str, Any],
         lines: list[dict[str, Any]], report: ImportReport) -> None:
    report.products += 1
    match = rows.match(session, context, record["id"])
    if match.deleted:
        report.conflicts.append(ImportConflict(record["id"], record["title"],
                                               match.product_id, (), deleted=True))
        return
    if match.product_id is None:
        stored = rows.create(session, context, record, lines)
        report.created += 1
        report.kept_ids += int(stored.kept_id)
    else:
        if context.write:       # serialised with edits and uploads of the same product
            write_lock(session, match.product_id)
        differs = rows.differences(session, context, match.product_id, record)
        if differs:
            report.conflicts.append(ImportConflict(record["id"], record["title"],
                                                   match.product_id, tuple(differs)))
            return
        stored = rows.complete(session, context, match.product_id, record, lines)
        if stored.originals:
            report.completed += 1
        else:
            report.unchanged += 1
    report.originals += stored.originals
    report.derivatives += stored.derivatives
    report.queued += stored.queued
