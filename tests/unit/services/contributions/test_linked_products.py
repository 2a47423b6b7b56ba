"""A yearly contribution's linked products, as each reader may see them (issue 26): a
product the reader may not see is counted, not named, and a filer cannot link it nor
drop the link it was not shown.

Runs on PostgreSQL through tests/integration/test_linked_products_pg.py."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.services.contributions import contribution_view, filing
from archive.errors import ValidationError
from archive.models import Product, Unit

COMMUNE = "xa-dak-koi-2025"
SECRET = "Lễ cúng bến nước — bản ghi không phổ biến"


@pytest.fixture
def filers(kho):
    from app.services.access.accounts import actor_by_name, add_user

    add_user(kho, "vanhoa-xa", "office", "mat-khau-dai-du", unit=COMMUNE)
    add_user(kho, "qt", "admin", "mat-khau-dai-du")
    return {name: actor_by_name(kho, name) for name in ("vanhoa-xa", "qt")}


@pytest.fixture
def products(kho) -> dict[str, int]:
    with kho.transaction() as s:
        district = s.scalar(select(Unit.id).where(Unit.code == "phong-vhtt-kon-ray"))
        rows = {"open": Product(title="Bản tin xã Đăk Kôi", status="ready"),
                "closed": Product(title=SECRET, status="ready", access_level="closed",
                                  lead_unit_id=district)}
        s.add_all(rows.values())
        s.flush()
        return {k: p.id for k, p in rows.items()}


def test_the_commune_office_sees_a_count_not_the_closed_products_name(kho, filers, products):
    filing.save_contribution(kho, filers["qt"], COMMUNE, 2026,
                             {"product_ids": [products["open"], products["closed"]]})
    shown = contribution_view.get_contribution(kho, filers["vanhoa-xa"], COMMUNE, 2026)
    assert shown["products"] == [{"id": products["open"], "title": "Bản tin xã Đăk Kôi"}]
    assert shown["product_ids"] == [products["open"]] and shown["products_hidden"] == 1
    assert SECRET not in json.dumps(shown, ensure_ascii=False)
    admin = contribution_view.get_contribution(kho, filers["qt"], COMMUNE, 2026)
    assert admin["product_ids"] == sorted(products.values()) and admin["products_hidden"] == 0


def test_a_filer_keeps_the_links_it_was_not_shown_and_cannot_add_one(kho, filers, products):
    filing.save_contribution(kho, filers["qt"], COMMUNE, 2026,
                             {"product_ids": [products["open"], products["closed"]]})
    filing.save_contribution(kho, filers["vanhoa-xa"], COMMUNE, 2026, {"product_ids": []})
    admin = contribution_view.get_contribution(kho, filers["qt"], COMMUNE, 2026)
    assert admin["product_ids"] == [products["closed"]]
    with pytest.raises(ValidationError) as refused:
        filing.save_contribution(kho, filers["vanhoa-xa"], COMMUNE, 2026,
                                 {"product_ids": [products["closed"]]})
    assert refused.value.field == "product_ids" and str(products["closed"]) in str(refused.value)
