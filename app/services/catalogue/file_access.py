"""A file's own access level (issue 26): a file may be stricter than its product (the
interview's raw recording closed, its edited broadcast copy open), never looser.

Setting it is an edit of the product — its version moves, its history says which
file changed from which level to which, and the index is marked (the text of a file
stricter than its product leaves the product's document at the next flush).
"""
from __future__ import annotations

from typing import Any, Collection, Optional

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.catalogue.access_input import file_level
from app.services.catalogue.products import lock_with_child, touch
from app.services.search import indexing
from archive.errors import NotFound
from archive.models import ProductChange


def set_file_level(kho: Kho, actor: Actor, product_id: int, file_id: int, value: Any,
                   *, if_version: Optional[int | Collection[int]] = None) -> Optional[str]:
    """Set the level of one file of the product (``value``: a level code or label;
    None or "": as its product); returns the level stored (None: as its product).
    Raises PermissionDenied, NotFound, PreconditionFailed (``if_version``) and
    ValidationError (field ``access_level``: unknown, or looser than the product)."""
    actor.require("product.edit")
    with kho.transaction() as session:
        product, row = lock_with_child(
            session, actor, product_id, file_id, lambda p: p.files,
            NotFound("no file %(id)s", field="file", id=file_id), if_version)
        level = file_level(session, product.access_level, value)
        if level != row.access_level:
            session.add(ProductChange(product_id=product_id, action="update", changes={
                "file_access": [{"file": row.id, "filename": row.original_filename,
                                 "level": row.access_level},
                                {"file": row.id, "filename": row.original_filename,
                                 "level": level}]}, user_id=actor.user_id))
            row.access_level = level
            touch(product, actor)
            indexing.mark(session, [product_id])
    indexing.queue_flush(kho)
    return level
