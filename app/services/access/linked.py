"""Products named from another record — an activity's products used, a yearly
contribution's linked products — as a reader may see them.

Such a record is read by accounts that may not see every product it links (a commune
account reading an activity that aired a closed Xơ Đăng ritual recording). The record
stays whole — its counts and figures are the record's own — but a linked product the
reader may not see is not named: no title, no id, no link; the doors say only how many
such products there are. The test is the one rule
(:func:`app.services.access.visibility.visible_clause`) plus the fileless drafts hidden
from commune staff (:func:`app.services.access.actors.hides_draft`), exactly what
opening the product's page would allow.

A writer linking products is held to the same test: an id it may not see is refused as
"no product" (its existence does not leak), and links it cannot see that the record
already holds are kept when it replaces the list (:func:`kept_links`).
"""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from app.services.access.actors import Actor, sees_fileless_drafts
from app.services.access.visibility import viewer_for, visible_clause
from archive.base import fits_id
from archive.catalogue import File, Product


def nameable(session: Session, actor: Actor, ids: Iterable[int], today: date) -> frozenset[int]:
    """Of ``ids``, the products that exist and ``actor`` may see on ``today`` (the
    Vietnamese date: :func:`app.services.common.clock.local_today`). Two small queries
    for the viewer and one for the ids, whatever their number (a contribution links at
    most 500)."""
    wanted = sorted({int(i) for i in ids if isinstance(i, int) and fits_id(i)})
    if not wanted:
        return frozenset()
    stmt = select(Product.id).where(Product.id.in_(wanted),
                                    visible_clause(viewer_for(session, actor, today)))
    if not sees_fileless_drafts(actor):
        stmt = stmt.where(or_(Product.status != "draft",
                              exists().where(File.product_id == Product.id)))
    return frozenset(session.scalars(stmt))


def hidden(session: Session, actor: Actor, ids: Iterable[int], today: date) -> frozenset[int]:
    """Of the linked ``ids``, those ``actor`` may not name (see :func:`nameable`)."""
    linked = frozenset(ids)
    return linked - nameable(session, actor, linked, today)


def kept_links(old: Iterable[int], new: Iterable[int], hidden_ids: frozenset[int]) -> list[int]:
    """The ids a record links after a writer replaced ``old`` by ``new``: ``new`` plus
    the old links the writer could not see (it cannot remove what it was not shown)."""
    out = list(dict.fromkeys(new))
    out += [i for i in dict.fromkeys(old) if i in hidden_ids and i not in out]
    return out
