"""Activities and contributions over the API name only the linked products the caller
may see (issue 26): a commune token reading an activity that showed a closed recording
gets its count, never its title or id; the full list stays for the owning office."""
from __future__ import annotations

from sqlalchemy import select

from tests.unit.api.test_api_activities import training

SECRET = "Lễ cúng bến nước — bản ghi không phổ biến"


def _closed_and_open(api) -> tuple[int, int]:
    from archive.models import Product, Unit

    with api.kho.transaction() as s:
        district = s.scalar(select(Unit.id).where(Unit.code == "phong-vhtt-kon-ray"))
        closed = Product(title=SECRET, status="ready", access_level="closed",
                         lead_unit_id=district)
        public = Product(title="Phóng sự mùa lúa mới", status="ready")
        s.add_all([closed, public])
        s.flush()
        return closed.id, public.id


def test_a_commune_token_gets_a_count_instead_of_a_closed_products_title(api):
    closed, public = _closed_and_open(api)
    created = api.call("admin", "POST", "/activities", json=training(products=[
        {"product_id": closed, "use": "shown"}, {"product_id": public, "use": "aired"}]))
    assert created.status_code == 201, created.get_json()
    url = created.headers["Location"]
    one = api.call("commune", "GET", url).get_json()
    listed = api.call("commune", "GET", "/activities").get_json()["activities"]
    for record in (one, *listed):
        assert SECRET not in str(record)
        assert closed not in [p["product_id"] for p in record["products"]]
    assert [p["product_id"] for p in one["products"]] == [public]
    assert one["products_hidden"] == 1 and one["participants_total"] == 30
    history = api.call("commune", "GET", url + "/history").get_json()["history"]
    assert history[0]["changes"]["products"] == [None, [[public, "aired"]]]
    admin = api.call("admin", "GET", url).get_json()
    assert {p["title"] for p in admin["products"]} == {SECRET, "Phóng sự mùa lúa mới"}
    assert admin["products_hidden"] == 0
