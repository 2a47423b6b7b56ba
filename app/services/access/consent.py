"""What a product may be used for: its consents (:class:`archive.access.ProductConsent`).

With no consent recorded a product may be used for anything its access level allows
(a poster the office made itself). With consents recorded, a use (:data:`USES`) is
allowed only when every consent allows it and none has ended (``until`` before today,
in Vietnam): a speaker who agreed to radio use until the end of 2026 no longer covers
a broadcast in 2027.

Where Kho performs a use it refuses what consent does not allow: a broadcast log needs
``radio``; the harvest and the public export (publication on the national database's
website) need ``website`` (:data:`HARVEST_USE`). Where it cannot (a download, whose
use Kho does not see) it warns.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Optional

from sqlalchemy import ColumnElement, String, cast, exists, not_, or_

from archive.access import USES, ProductConsent
from archive.catalogue import Product

# the use a harvest or a public export makes of a product
HARVEST_USE = "website"
# the use a broadcast log records
BROADCAST_USE = "radio"


def _running(until: Optional[date], today: date) -> bool:
    return until is None or until >= today


def allowed_uses(consents: Iterable[Any], today: date) -> frozenset[str]:
    """The uses every consent (objects with ``uses`` and ``until``) still allows on
    ``today``; every use when there is none."""
    allowed = set(USES)
    for consent in consents:
        allowed &= set(consent.uses or ()) if _running(consent.until, today) else set()
    return frozenset(allowed)


def allows(consents: Iterable[Any], use: str, today: date) -> bool:
    """Whether ``use`` (a code of :data:`USES`) is allowed by every consent on ``today``."""
    return use in allowed_uses(consents, today)


def consent_clause(use: str, today: date, products: Any = Product) -> ColumnElement[bool]:
    """Products whose consents allow ``use`` on ``today`` (no consent of theirs ended
    or silent about it), as a WHERE clause. The uses are matched in the stored JSON
    text (``"website"``, quotes included), the same on SQLite and PostgreSQL."""
    pid = products.id if hasattr(products, "id") else products.c.id
    blocking = exists().where(
        ProductConsent.product_id == pid,
        or_(ProductConsent.until < today,
            not_(cast(ProductConsent.uses, String).like(f'%"{use}"%'))))
    return not_(blocking)
