"""One file of a product, found the way a producer's file routes find it: a retry or
removal of a failed file, a replacement (the reading doors use
:func:`app.services.catalogue.products.visible_file`, the same answer).

The product is already loaded (and the actor's right to see it checked) by the caller
(:func:`app.services.catalogue.products.load_product` or ``lock_for_edit``); a file id
that is not one of that product's files, or one the actor may not see, is not found,
so a URL pairing a product with another product's file reveals nothing about that
file.
"""
from __future__ import annotations

from typing import Optional

from app.services.access.visibility import Viewer, facts_of, may_see_file
from archive.errors import NotFound
from archive.models import File, Product


def product_file(product: Product, file_id: int, *, may_be_removed: bool = False,
                 viewer: Optional[Viewer] = None) -> File:
    """The file ``file_id`` of the loaded ``product``; NotFound (field ``file_id``)
    when the product has no such file, or when ``viewer`` is given and may not see it
    (a file stricter than its product:
    :func:`~app.services.access.visibility.may_see_file`) — the same answer.

    ``may_be_removed=True`` (a producer's answers to a failed file, where two people
    press at once) says in the message that it may have been removed a moment ago.
    """
    found = next((f for f in product.files if f.id == file_id), None)
    if found is not None and viewer is not None \
            and not may_see_file(viewer, facts_of(product), found.access_level):
        found = None
    if found is not None:
        return found
    if may_be_removed:
        raise NotFound("product %(product)s has no file %(id)s (it may have been removed "
                       "already)", field="file_id", product=product.id, id=file_id)
    raise NotFound("no file %(file)s in product %(id)s", field="file_id",
                   file=file_id, id=product.id)
