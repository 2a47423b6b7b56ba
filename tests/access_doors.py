"""Giving products and files an access level in tests that read them through the doors
(issue 26), straight in the catalogue: the doors' tests do not depend on the edit
form or the API's input (tested on their own), only on the rule's facts.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, Optional

from sqlalchemy import delete, select


def set_access(kho, product_id: int, level: str, *, units: Iterable[str] = (),
               roles: Iterable[str] = (), embargo: Optional[date] = None) -> None:
    """Set a product's level, audience (unit codes, roles) and embargo; the search
    index follows at once (a hit must not outlive the change in a door's test)."""
    from app.services.search import indexing
    from archive.access import ProductAudienceRole, ProductAudienceUnit
    from archive.models import Product, Unit

    with kho.transaction() as session:
        product = session.get(Product, product_id)
        product.access_level, product.embargo_until = level, embargo
        session.execute(delete(ProductAudienceUnit)
                        .where(ProductAudienceUnit.product_id == product_id))
        session.execute(delete(ProductAudienceRole)
                        .where(ProductAudienceRole.product_id == product_id))
        for code in units:
            unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
            session.add(ProductAudienceUnit(product_id=product_id, unit_id=unit_id))
        session.add_all([ProductAudienceRole(product_id=product_id, role=r) for r in roles])
        indexing.mark(session, [product_id])
    indexing.update_now(kho, [product_id])


def set_file_access(kho, file_id: int, level: Optional[str]) -> None:
    """Set one file's own level (None: as its product)."""
    from archive.models import File

    with kho.transaction() as session:
        session.get(File, file_id).access_level = level


def add_consent(kho, product_id: int, uses: Iterable[str], *,
                until: Optional[date] = None, given_by: str = "Già làng A Blưm") -> None:
    """Record a consent for ``uses`` (codes) until ``until`` (None: no end)."""
    from archive.access import ProductConsent

    with kho.transaction() as session:
        session.add(ProductConsent(product_id=product_id, given_by=given_by,
                                   uses=list(uses), until=until))


def grant(kho, product_id: int, username: str, until: date) -> None:
    """A granted access request of ``username`` for the product, its last day ``until``."""
    from archive.access import AccessRequest
    from archive.models import User

    with kho.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        session.add(AccessRequest(product_id=product_id, requester_id=user_id,
                                  reason="Để phát thanh ở xã", status="granted",
                                  grant_until=until))
