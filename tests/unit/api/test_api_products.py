"""Products over the API: create, read, edit, delete, per role; closed products."""
from __future__ import annotations

import pytest

from tests.unit.api.conftest import COMMUNE


def test_producer_creates_a_product_and_gets_it_back(api):
    response = api.call("producer", "POST", "/products", json={
        "title": "Phóng sự quyền trẻ em", "kind": "radio-feature",
        "languages": "vie; sed", "communes": [COMMUNE], "produced_on": "31/05/2024",
        "tags": ["trẻ em", "quyền"], "description": "Về quyền của trẻ em."})
    assert response.status_code == 201
    product = response.get_json()
    assert response.headers["Location"] == f"/api/v1/products/{product['id']}"
    assert product["title"] == "Phóng sự quyền trẻ em"
    assert product["kind"] == {"code": "radio-feature", "label_vi": "Phóng sự phát thanh",
                               "label_en": "Radio feature"}
    assert [l["code"] for l in product["languages"]] == ["vie", "sed"]
    assert product["communes"] == [{"code": COMMUNE, "name": "Xã Đăk Kôi"}]
    assert product["produced_on"] == "2024-05-31"
    assert product["created_by"] == "producer"
    assert product["status"] == "draft" and product["files"] == []
    again = api.call("office", "GET", f"/products/{product['id']}")
    assert again.status_code == 200
    assert again.get_json()["title"] == product["title"]


def test_invalid_metadata_answers_422_naming_each_field(api):
    response = api.call("producer", "POST", "/products", json={
        "kind": "no-such-kind", "produced_on": "31/13/2024", "colour": "red"})
    body = response.get_json()
    assert response.status_code == 422
    assert body["error"] == "invalid"
    assert {"title", "kind", "produced_on", "colour"} <= set(body["fields"])
    assert "no-such-kind" in body["fields"]["kind"]


def test_a_body_that_is_not_a_json_object_is_422(api):
    response = api.call("producer", "POST", "/products", data="title=x",
                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "body" in response.get_json()["fields"]


@pytest.mark.parametrize("role", ["commune", "office"])
def test_roles_without_edit_rights_cannot_create_edit_or_delete(api, role):
    product = api.create()
    path = f"/products/{product['id']}"
    assert api.call(role, "POST", "/products", json={"title": "x"}).status_code == 403
    assert api.call(role, "PATCH", path, json={"title": "y"}).status_code == 403
    assert api.call(role, "DELETE", path).status_code == 403
    seen = api.call(role, "GET", path)
    if role == "commune":   # a draft without a file is nothing to air: not theirs to see
        assert seen.status_code == 404
    else:
        assert seen.get_json()["title"] == product["title"]


def test_patch_changes_only_the_given_fields(api):
    product = api.create(tags=["a"])
    response = api.call("producer", "PATCH", f"/products/{product['id']}",
                        json={"title": "Tựa mới", "themes": []})
    assert response.status_code == 200
    changed = response.get_json()
    assert changed["title"] == "Tựa mới"
    assert changed["tags"] == ["a"]
    assert changed["kind"]["code"] == "radio-feature"
    bad = api.call("producer", "PATCH", f"/products/{product['id']}", json={"title": ""})
    assert bad.status_code == 422 and "title" in bad.get_json()["fields"]


def test_only_admin_deletes_and_the_product_is_gone(api):
    product = api.create()
    path = f"/products/{product['id']}"
    assert api.call("producer", "DELETE", path).status_code == 403
    response = api.call("admin", "DELETE", path)
    assert response.status_code == 204 and response.get_data() == b""
    assert api.call("admin", "GET", path).status_code == 404
    assert api.call("admin", "GET", path).get_json()["error"] == "not_found"


def test_missing_product_is_404_json(api):
    for method in ("GET", "PATCH", "DELETE"):
        response = api.call("admin", method, "/products/999", json={"title": "x"})
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"


def test_closed_product_is_hidden_from_commune_staff_everywhere(api):
    secret = api.create(title="Hồ sơ nhạy cảm", access="closed")
    path = f"/products/{secret['id']}"
    assert api.call("commune", "GET", path).status_code == 404
    assert api.call("office", "GET", path).get_json()["access"]["level"] == "closed"
    assert api.call("commune", "GET", "/search?q=nhay+cam").get_json()["total"] == 0
    assert api.call("office", "GET", "/search?q=nhay+cam").get_json()["total"] == 1
    logged = api.call("commune", "POST", f"{path}/broadcasts", json={"aired_on": "2024-01-02"})
    assert logged.status_code == 404
    assert api.call("commune", "GET", f"{path}/broadcasts").status_code == 404


def test_history_lists_who_changed_what(api):
    product = api.create(title="Tựa cũ")
    api.call("producer", "PATCH", f"/products/{product['id']}", json={"title": "Tựa mới"})
    response = api.call("office", "GET", f"/products/{product['id']}/history")
    assert response.status_code == 200
    history = response.get_json()["history"]
    update = next(h for h in history if h["action"] == "update")
    assert update["changes"]["title"] == ["Tựa cũ", "Tựa mới"]
    assert update["user"] == "producer"
    assert update["at"].endswith("+00:00")
    assert history[-1]["action"] == "create"
