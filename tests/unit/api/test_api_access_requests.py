"""Access requests over the API: a commune's token asks to see a ritual restricted to
another commune, the office's token finds it in its queue and grants it until a date,
the product then opens to the commune; refusals, withdrawals, bad dates and stale
versions answer with the status and the field a client acts on."""
from __future__ import annotations

from datetime import timedelta

from app.services.common.clock import local_today
from tests.unit.api.conftest import OTHER_COMMUNE
from tests.unit.services.access.test_requests import make_product


def _ritual(api) -> int:
    return make_product(api.kho, "Lễ cúng lúa mới của người Xơ Đăng", "restricted",
                        audience=(OTHER_COMMUNE,))


def test_ask_find_in_the_queue_grant_and_see(api):
    ritual = _ritual(api)
    assert api.call("commune", "GET", f"/products/{ritual}").status_code in (403, 404)
    asked = api.call("commune", "POST", f"/products/{ritual}/access-requests",
                     json={"reason": "Phát lại trong chuyên mục văn hóa"})
    assert asked.status_code == 201, asked.get_json()
    request_id = asked.get_json()["id"]
    queue = api.call("office", "GET", "/access-requests?queue=1").get_json()
    assert [r["id"] for r in queue["access_requests"]] == [request_id]
    until = (local_today(api.kho.settings) + timedelta(days=7)).isoformat()
    granted = api.call("office", "POST", f"/access-requests/{request_id}/grant",
                       json={"grant_until": until, "version": 1})
    assert granted.status_code == 200, granted.get_json()
    assert granted.get_json()["status"] == "granted" and granted.get_json()["active"]
    assert api.call("commune", "GET", f"/products/{ritual}").status_code == 200
    mine = api.call("commune", "GET", "/access-requests").get_json()["access_requests"]
    assert [(r["status"], r["grant_until"]) for r in mine] == [("granted", until)]
    again = api.call("office", "POST", f"/access-requests/{request_id}/refuse",
                     json={"reason": "Đổi ý", "version": 1})
    assert again.status_code == 409 and "version" in again.get_json()["fields"]


def test_bad_asks_name_what_is_wrong(api):
    ritual = _ritual(api)
    closed = make_product(api.kho, "Phỏng vấn gốc", "closed")
    path = f"/products/{ritual}/access-requests"
    no_reason = api.call("commune", "POST", path, json={"reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["fields"]
    assert api.call("commune", "POST", f"/products/{closed}/access-requests",
                    json={"reason": "Xin xem"}).status_code == 404
    seen = api.call("office", "POST", path, json={"reason": "Xin xem"})
    assert seen.status_code == 422 and "product_id" in seen.get_json()["fields"]
    assert api.call("commune", "POST", path, json={"reason": "Lần một"}).status_code == 201
    twice = api.call("commune", "POST", path, json={"reason": "Lần hai"})
    assert twice.status_code == 409 and "product_id" in twice.get_json()["fields"]


def test_refuse_needs_a_reason_and_grant_a_date_within_a_year(api):
    ritual = _ritual(api)
    request_id = api.call("commune", "POST", f"/products/{ritual}/access-requests",
                          json={"reason": "Xin nghe"}).get_json()["id"]
    far = (local_today(api.kho.settings) + timedelta(days=400)).isoformat()
    for body in ({}, {"grant_until": far}, {"grant_until": "2020-01-01"}):
        bad = api.call("office", "POST", f"/access-requests/{request_id}/grant", json=body)
        assert bad.status_code == 422 and "grant_until" in bad.get_json()["fields"]
    bare = api.call("office", "POST", f"/access-requests/{request_id}/refuse", json={})
    assert bare.status_code == 422 and "reason" in bare.get_json()["fields"]
    refused = api.call("office", "POST", f"/access-requests/{request_id}/refuse",
                       json={"reason": "Cộng đồng chỉ cho nghe tại xã"},
                       headers={"Accept-Language": "vi"})
    assert refused.get_json()["decision_reason"] == "Cộng đồng chỉ cho nghe tại xã"
    assert api.call("commune", "GET", "/access-requests?queue=1").status_code == 403


def test_withdraw_own_request_only(api):
    ritual = _ritual(api)
    request_id = api.call("commune", "POST", f"/products/{ritual}/access-requests",
                          json={"reason": "Xin nghe"}).get_json()["id"]
    assert api.call("producer", "POST",
                    f"/access-requests/{request_id}/withdraw").status_code == 404
    done = api.call("commune", "POST", f"/access-requests/{request_id}/withdraw")
    assert done.status_code == 200 and done.get_json()["status"] == "withdrawn"
    assert api.call("commune", "POST",
                    f"/access-requests/{request_id}/withdraw").status_code == 409
    assert api.call("commune", "GET", f"/access-requests/{request_id}").status_code == 200
    assert api.call("producer", "GET", f"/access-requests/{request_id}").status_code == 200


def test_the_api_document_describes_access_requests(api):
    paths = api.call(None, "GET", "/openapi.json").get_json()["paths"]
    assert "post" in paths["/products/{product_id}/access-requests"]
    assert {"grant", "refuse", "withdraw"} <= {p.rsplit("/", 1)[1] for p in paths
                                               if p.startswith("/access-requests/")}
