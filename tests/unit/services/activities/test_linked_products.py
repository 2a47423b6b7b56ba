"""Products linked from an activity, as each reader may see them (issue 26): a closed
product is neither named nor numbered to a commune account — the page, the API record,
the history and the public bag say only how many it may not see — while the counts stay
whole; a writer cannot link what it may not see, nor drop a link it was not shown.

Runs on PostgreSQL through tests/integration/test_linked_products_pg.py."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.services.activities import register
from app.services.activities.activity_record import as_record
from app.services.activities.portable import public_records
from archive.activities import Activity
from archive.errors import ValidationError
from archive.models import Product, Unit

from .conftest import training

SECRET = "Lễ cúng bến nước — bản ghi không phổ biến"
OPEN = "Phóng sự: mùa lúa mới ở Đăk Kôi"


def _products(kho) -> dict[str, int]:
    """A public product, a closed one of the district office and a fileless draft."""
    with kho.transaction() as s:
        district = s.scalar(select(Unit.id).where(Unit.code == "phong-vhtt-kon-ray"))
        rows = {"open": Product(title=OPEN, status="ready", access_level="public"),
                "closed": Product(title=SECRET, status="ready", access_level="closed",
                                  lead_unit_id=district),
                "draft": Product(title="Bản nháp chưa có tệp", status="draft")}
        s.add_all(rows.values())
        s.flush()
        return {k: p.id for k, p in rows.items()}


def _linked(kho, actors, ids) -> int:
    """An activity held in both communes of the accounts, linking the three."""
    return register.create_activity(kho, actors["office"], training(
        communes=["xa-dak-koi-2025", "xa-kon-braih-2025"], products=[
        {"product_id": ids["open"], "use": "aired"},
        {"product_id": ids["closed"], "use": "shown"},
        {"product_id": ids["draft"], "use": "handed_out"}]))


def test_a_commune_account_reads_the_activity_without_the_closed_products_name(kho, actors):
    ids = _products(kho)
    aid = _linked(kho, actors, ids)
    activity, _ = register.get_activity(kho, actors["commune"], aid)
    record = as_record(activity)
    text = json.dumps(record, ensure_ascii=False)
    assert SECRET not in text and "Bản nháp" not in text
    assert [p["title"] for p in record["products"]] == [OPEN]
    assert record["products_hidden"] == 2
    assert str(ids["closed"]) not in [str(p["product_id"]) for p in record["products"]]
    assert record["participants_total"] == 70          # the figures stay whole
    listed = register.list_activities(kho, actors["commune"]).items
    assert as_record(listed[0])["products_hidden"] == 2


def test_the_office_that_owns_the_product_sees_every_link(kho, actors):
    ids = _products(kho)
    aid = _linked(kho, actors, ids)
    record = as_record(register.get_activity(kho, actors["office"], aid)[0])
    assert {p["title"] for p in record["products"]} == {OPEN, SECRET, "Bản nháp chưa có tệp"}
    assert record["products_hidden"] == 0


def test_the_history_leaves_out_links_the_reader_may_not_see(kho, actors):
    ids = _products(kho)
    aid = _linked(kho, actors, ids)
    register.update_activity(kho, actors["office"], aid, {"products": [
        {"product_id": ids["open"], "use": "aired"}, {"product_id": ids["draft"],
                                                      "use": "handed_out"}]})
    mine = register.activity_history(kho, actors["commune"], aid)
    text = json.dumps([h["changes"] for h in mine])
    assert f"[{ids['closed']}," not in text and f"[{ids['draft']}," not in text
    assert mine[0]["action"] == "update" and "products" not in mine[0]["changes"]
    assert mine[1]["changes"]["products"] == [None, [[ids["open"], "aired"]]]
    full = register.activity_history(kho, actors["office"], aid)
    assert [ids["closed"], "shown"] in full[0]["changes"]["products"][0]


def test_a_writer_cannot_link_a_product_it_may_not_see(kho, actors):
    ids = _products(kho)
    for pid in (ids["closed"], 99_999):
        with pytest.raises(ValidationError) as err:
            register.create_activity(kho, actors["commune_office"], training(
                products=[{"product_id": pid, "use": "shown"}]))
        assert err.value.field == "products" and f"no product {pid}" in str(err.value.fields)


def test_a_writer_replacing_the_list_keeps_the_links_it_was_not_shown(kho, actors):
    ids = _products(kho)
    aid = _linked(kho, actors, ids)
    register.update_activity(kho, actors["commune_office"], aid, {"products": []})
    with kho.transaction() as s:
        kept = sorted((p.product_id, p.use) for p in s.get(Activity, aid).products)
    assert kept == [(ids["closed"], "shown")]     # the draft is seen by office accounts


def test_the_public_bag_names_only_harvestable_products(kho, actors):
    """The public bag carries harvestable products (public ones, drafts included):
    those it names; the closed one it counts."""
    ids = _products(kho)
    _linked(kho, actors, ids)
    with kho.transaction() as s:
        record = next(public_records(s, date(2026, 12, 7)))
    assert sorted(p["title"] for p in record["products"]) == sorted([OPEN, "Bản nháp chưa có tệp"])
    assert record["products_hidden"] == 1 and SECRET not in json.dumps(record, ensure_ascii=False)
