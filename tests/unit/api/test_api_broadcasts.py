"""Broadcast logs over the API: commune staff log their own commune's airings."""
from __future__ import annotations

from datetime import timedelta

from tests.broadcast_copies import give_broadcast_copy
from tests.unit.api.conftest import COMMUNE, OTHER_COMMUNE


def _log(api, role, product_id, **data):
    return api.call(role, "POST", f"/products/{product_id}/broadcasts", json=data)


def _airable(api, **metadata):
    """A product with a broadcast MP3: one that may be logged as aired."""
    product = api.create(**metadata)
    give_broadcast_copy(api.kho, product["id"])
    return product


def test_commune_staff_log_an_airing_for_their_commune(api):
    product = _airable(api)
    response = _log(api, "commune", product["id"], aired_on="02/08/2025", note="Bản tin sáng")
    assert response.status_code == 201
    row = response.get_json()
    assert row["aired_on"] == "2025-08-02" and row["slot"] is None
    assert row["commune"]["code"] == COMMUNE
    assert row["logged_by"] == "commune"
    assert row["note"] == "Bản tin sáng"
    listed = api.call("commune", "GET", "/broadcasts").get_json()["broadcasts"]
    assert [b["id"] for b in listed] == [row["id"]]
    per_product = api.call("office", "GET", f"/products/{product['id']}/broadcasts")
    assert [b["id"] for b in per_product.get_json()["broadcasts"]] == [row["id"]]


def test_the_log_is_a_provenance_event(api):
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import product_history

    product = _airable(api)
    _log(api, "commune", product["id"], aired_on="2025-08-02")
    history = product_history(api.kho, actor_by_name(api.kho, "admin"), product["id"])
    assert any(h["action"] == "broadcast.log" and h["user"] == "commune" for h in history)


def test_dates_in_the_future_or_unreadable_are_422_naming_aired_on(api):
    product = _airable(api)
    from app.services.common.clock import local_today

    tomorrow = (local_today(api.kho.settings) + timedelta(days=1)).isoformat()  # Vietnam's
    for value in (tomorrow, "32/01/2025", "2025", None):
        response = _log(api, "commune", product["id"], aired_on=value)
        assert response.status_code == 422, value
        assert "aired_on" in response.get_json()["fields"]


def test_the_same_airing_is_logged_once(api):
    product = _airable(api)
    assert _log(api, "commune", product["id"], aired_on="2025-08-02").status_code == 201
    again = _log(api, "commune", product["id"], aired_on="02/08/2025")
    assert again.status_code == 409
    assert "aired_on" in again.get_json()["fields"]


def test_commune_staff_cannot_log_or_list_another_commune(api):
    product = _airable(api)
    response = _log(api, "commune", product["id"], aired_on="2025-03-02", commune=OTHER_COMMUNE)
    assert response.status_code == 403
    assert api.call("commune", "GET", f"/broadcasts?commune={OTHER_COMMUNE}").status_code == 403


def test_producers_and_office_cannot_log(api):
    product = _airable(api)
    for role in ("producer", "office"):
        assert _log(api, role, product["id"], aired_on="2025-03-02").status_code == 403


def test_admin_logs_for_a_named_current_commune(api):
    product = _airable(api)
    missing = _log(api, "admin", product["id"], aired_on="2025-08-02")
    assert missing.status_code == 422 and "commune" in missing.get_json()["fields"]
    gone = _log(api, "admin", product["id"], aired_on="2025-08-02", commune="xa-dak-to-lung")
    assert gone.status_code == 422 and "xa-dak-koi-2025" in gone.get_json()["message"]
    before_merger = _log(api, "admin", product["id"], aired_on="2024-05-02",
                         commune="xa-dak-to-lung")
    assert before_merger.status_code == 201
    ok = _log(api, "admin", product["id"], aired_on="2025-08-02", commune=OTHER_COMMUNE)
    assert ok.status_code == 201 and ok.get_json()["commune"]["code"] == OTHER_COMMUNE
    unknown_field = _log(api, "admin", product["id"], aired_on="2025-08-02", channel="x")
    assert unknown_field.status_code == 422 and "channel" in unknown_field.get_json()["fields"]


def test_lists_filter_by_commune_and_year(api):
    product = _airable(api)
    _log(api, "commune", product["id"], aired_on="2025-12-30")
    _log(api, "commune", product["id"], aired_on="2026-01-02")
    _log(api, "admin", product["id"], aired_on="2025-07-03", commune=OTHER_COMMUNE)
    assert len(api.call("office", "GET", "/broadcasts").get_json()["broadcasts"]) == 3
    mine = api.call("commune", "GET", "/broadcasts?year=2026").get_json()["broadcasts"]
    assert [b["aired_on"] for b in mine] == ["2026-01-02"]
    theirs = api.call("office", "GET", f"/broadcasts?commune={OTHER_COMMUNE}").get_json()
    assert [b["aired_on"] for b in theirs["broadcasts"]] == ["2025-07-03"]
    bad = api.call("office", "GET", "/broadcasts?year=last")
    assert bad.status_code == 422 and "year" in bad.get_json()["fields"]


def test_a_broadcast_goes_to_the_commune_that_existed_that_day(api):
    product = _airable(api)
    early = _log(api, "admin", product["id"], aired_on="2025-06-20", commune=OTHER_COMMUNE)
    assert early.status_code == 422 and "commune" in early.get_json()["fields"]
    assert "20/06/2025" in early.get_json()["fields"]["commune"]
    later = _log(api, "admin", product["id"], aired_on="2025-07-20", commune=OTHER_COMMUNE)
    assert later.status_code == 201


def test_a_broadcast_cannot_predate_the_product(api):
    product = _airable(api, produced_on="01/03/2025")
    response = _log(api, "commune", product["id"], aired_on="28/02/2025")
    assert response.status_code == 422 and "aired_on" in response.get_json()["fields"]


def test_deleting_an_aired_product_is_409_and_keeps_the_record(api):
    product = _airable(api)
    assert _log(api, "commune", product["id"], aired_on="02/08/2025").status_code == 201
    refused = api.call("admin", "DELETE", f"/products/{product['id']}")
    assert refused.status_code == 409
    assert len(api.call("office", "GET", "/broadcasts").get_json()["broadcasts"]) == 1


def test_commune_staff_see_only_their_own_communes_logs_in_a_products_history(api):
    product = _airable(api)
    assert _log(api, "commune", product["id"], aired_on="2026-03-02").status_code == 201
    assert _log(api, "admin", product["id"], aired_on="2026-03-03",
                commune=OTHER_COMMUNE).status_code == 201
    seen = api.call("commune", "GET", f"/products/{product['id']}/history").get_json()
    logs = [h for h in seen["history"] if h["action"] == "broadcast.log"]
    assert [h["detail"] for h in logs] == [f"aired on 2026-03-02 by {COMMUNE}"]
    assert all(h["user"] != "admin" for h in seen["history"] if h["type"] == "event")
    office = api.call("office", "GET", f"/products/{product['id']}/history").get_json()
    assert len([h for h in office["history"] if h["action"] == "broadcast.log"]) == 2


def test_the_author_withdraws_a_log_over_the_api_and_it_leaves_every_list(api):
    product = _airable(api)
    row = _log(api, "commune", product["id"], aired_on="2025-08-02").get_json()
    assert row["may_withdraw"] is True and row["withdrawn_at"] is None
    for role, status in (("producer", 403), ("office", 403)):
        assert api.call(role, "POST", f"/broadcasts/{row['id']}/withdraw").status_code == status
    done = api.call("commune", "POST", f"/broadcasts/{row['id']}/withdraw")
    assert done.status_code == 200
    body = done.get_json()
    assert body["withdrawn_by"] == "commune" and body["withdrawn_at"]
    assert body["may_withdraw"] is False
    assert api.call("office", "GET", "/broadcasts").get_json()["broadcasts"] == []
    assert api.call("commune", "GET", f"/products/{product['id']}/broadcasts")\
        .get_json()["broadcasts"] == []
    kept = api.call("office", "GET", f"/broadcasts/{row['id']}").get_json()
    assert kept["withdrawn_at"] == body["withdrawn_at"] and kept["aired_on"] == "2025-08-02"
    again = api.call("admin", "POST", f"/broadcasts/{row['id']}/withdraw")
    assert again.status_code == 409 and "id" in again.get_json()["fields"]
    history = api.call("office", "GET", f"/products/{product['id']}/history").get_json()
    assert [h["user"] for h in history["history"] if h["action"] == "broadcast.withdraw"] \
        == ["commune"]
    assert api.call("admin", "DELETE", f"/products/{product['id']}").status_code == 204


def test_another_communes_log_is_not_found_and_only_an_admin_withdraws_others(api):
    product = _airable(api)
    theirs = _log(api, "admin", product["id"], aired_on="2025-08-03",
                  commune=OTHER_COMMUNE).get_json()
    assert api.call("commune", "GET", f"/broadcasts/{theirs['id']}").status_code == 404
    assert api.call("commune", "POST",
                    f"/broadcasts/{theirs['id']}/withdraw").status_code == 404
    ours = _log(api, "admin", product["id"], aired_on="2025-08-03", commune=COMMUNE)
    refused = api.call("commune", "POST", f"/broadcasts/{ours.get_json()['id']}/withdraw")
    assert refused.status_code == 403                # logged by the admin, not by them
    assert api.call("admin", "POST", f"/broadcasts/{theirs['id']}/withdraw").status_code == 200
    assert api.call("admin", "GET", "/broadcasts/999999").status_code == 404


def test_a_product_with_nothing_to_air_is_refused_naming_the_product(api):
    from tests.unit.api.conftest import png_bytes
    import io

    draft = api.create()
    poster = api.create(title="Áp phích", kind="poster")
    api.call("producer", "POST", f"/products/{poster['id']}/files",
             data={"file": (io.BytesIO(png_bytes()), "a.png")}, content_type="multipart/form-data")
    # a draft without a file does not exist for commune staff: not found, as everywhere
    assert _log(api, "commune", draft["id"], aired_on="2025-03-02").status_code == 404
    assert _log(api, "admin", draft["id"], aired_on="2025-03-02").status_code == 409
    response = _log(api, "commune", poster["id"], aired_on="2025-03-02")
    assert response.status_code == 409
    assert "broadcast MP3" in response.get_json()["fields"]["product"]
    vi = api.call("commune", "POST", f"/products/{poster['id']}/broadcasts",
                  json={"aired_on": "2025-03-02"}, headers={"Accept-Language": "vi"})
    assert "chưa có bản MP3 phát thanh" in vi.get_json()["message"]


def test_a_station_logs_each_airing_of_a_day_once(api):
    product = _airable(api)
    morning = _log(api, "commune", product["id"], aired_on="2025-08-02", slot="morning")
    assert morning.status_code == 201 and morning.get_json()["slot"] == "morning"
    evening = _log(api, "commune", product["id"], aired_on="02/08/2025", slot="tối")
    assert evening.status_code == 201 and evening.get_json()["slot"] == "evening"
    retry = _log(api, "commune", product["id"], aired_on="2025-08-02", slot="sáng",
                 note="gửi lại")                       # a retry after a lost answer
    assert retry.status_code == 409 and "aired_on" in retry.get_json()["fields"]
    for bad in ("đêm", 7):
        refused = _log(api, "commune", product["id"], aired_on="2025-08-02", slot=bad)
        assert refused.status_code == 422 and "slot" in refused.get_json()["fields"]
    unknown = _log(api, "commune", product["id"], aired_on="2025-08-02", slot=None)
    assert unknown.status_code == 201 and unknown.get_json()["slot"] is None
    listed = api.call("office", "GET", f"/products/{product['id']}/broadcasts").get_json()
    assert [b["slot"] for b in listed["broadcasts"]] == ["evening", "morning", None]


def test_an_airing_before_the_commune_existed_is_422_naming_it(api):
    product = _airable(api, produced_on="01/01/2018")
    response = api.call("commune", "POST", f"/products/{product['id']}/broadcasts",
                        json={"aired_on": "01/01/2019", "slot": "morning"},
                        headers={"Accept-Language": "vi"})
    assert response.status_code == 422
    assert response.get_json()["fields"]["aired_on"].startswith(
        "Xã Đăk Kôi chỉ tồn tại từ 01/07/2025; ngày 01/01/2019 thuộc về đơn vị cũ: "
        "Xã Đăk Kôi, Xã Đăk Tơ Lung.")
    assert api.call("office", "GET", "/broadcasts").get_json()["broadcasts"] == []


def test_a_log_the_consent_does_not_allow_is_422_naming_the_consent_in_vietnamese(api):
    from app.services.access.actors import Actor
    from app.services.catalogue.consents import add_consent

    product = _airable(api)
    add_consent(api.kho, Actor(None, "operator", "system"), product["id"],
                {"given_by": "Già làng A Thút", "uses": ["website"]})
    response = api.call("commune", "POST", f"/products/{product['id']}/broadcasts",
                        json={"aired_on": "2025-08-02"}, headers={"Accept-Language": "vi"})
    assert response.status_code == 422
    body = response.get_json()
    assert "consent" in body["fields"]
    assert "sự đồng ý của Già làng A Thút chỉ cho phép Trang thông tin điện tử" in body["message"]
    assert api.call("commune", "GET", "/broadcasts").get_json()["broadcasts"] == []
