"""The activities part of ``kho import``: the rows of ``activity_tables.jsonl`` (a bag of
scope all) restored with their evidence objects, after the products (activities link
to them). The rules — one transaction, ids kept, only into an instance without
activities, unknown codes refuse the part — are :mod:`app.services.activities.portable`.

Each evidence object is proven as product originals are: the bag's manifest (already
verified whole by :mod:`app.services.imports.bag_reader`) must list it under its
content-addressed path with the row's SHA-256, and its size must be the row's; it is
then written through the same writer as intake (primary store and replica, the outbox
when the replica does not answer) before the row that points at it is inserted.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.activities import portable
from app.services.exports.bag_writer import original_bag_path
from app.services.imports.bag_reader import KhoBag, _jsonl
from app.services.preservation import replication
from archive.errors import ValidationError
from archive.exports import ImportedProduct
from archive.models import Product

ACTIVITY_TABLES = "data/metadata/activity_tables.jsonl"


def _product_map(session: Session, bag: KhoBag, own: bool, write: bool):
    """An exported product id -> the local id: the identity an import recorded, else
    (a bag of this instance) the same id. In a dry run the products are not written
    yet: every product of the bag counts as one that will be there."""
    in_bag = {record["id"] for record in bag.records()} if not write else set()

    def local(source_id: int) -> Optional[int]:
        if source_id in in_bag:
            return source_id
        known = session.scalar(select(ImportedProduct.product_id).where(
            ImportedProduct.source == bag.source, ImportedProduct.source_id == source_id))
        if known is not None:
            return known
        if own and session.get(Product, source_id) is not None:
            return source_id
        return None
    return local


def _evidence(kho: Kho, session: Session, bag: KhoBag, write: bool, waits: list[bool]):
    def store(row: dict[str, Any]) -> None:
        sha256, path = str(row.get("sha256", "")), original_bag_path(str(row.get("sha256", "")))
        local = bag.file(path)                     # listed in the manifest, or refused
        if bag.entries[path] != sha256 or local.stat().st_size != row.get("size"):
            raise ValidationError("%(file)s: the SHA-256 or size of %(path)s differs from "
                                  "the bag's", field=path, file=ACTIVITY_TABLES, path=path)
        if not write:
            return
        written = replication.write_original(kho, row["storage_key"], sha256, local,
                                             row.get("media_type") or "application/octet-stream")
        if written.deferred:
            replication.defer_copy(session, row["storage_key"], sha256, written.deferred)
            waits.append(True)
    return store


def restore_activities(kho: Kho, bag: KhoBag, *, write: bool) -> Optional[portable.RestoreReport]:
    """Restore the bag's activities (None when the bag carries none: a public bag, or one
    of a set or a window). Raises ValidationError naming the file or the codes."""
    if ACTIVITY_TABLES not in bag.entries:
        return None
    own = bag.source == kho.settings.oai_repository_identifier
    waits: list[bool] = []
    with kho.transaction() as session:
        report = portable.restore(session, _jsonl(bag.path / ACTIVITY_TABLES, ACTIVITY_TABLES),
                                  _product_map(session, bag, own, write), write=write,
                                  store_evidence=_evidence(kho, session, bag, write, waits))
    if waits:
        from app.services.common import outbox

        outbox.best_effort(kho, lambda: replication.queue_drain(kho), "the replica copy")
    return report
