"""Activities over the API: record, read with an ETag, change with If-Match, delete;
the OpenAPI document states the required fields; unit scoping; evidence files."""
from __future__ import annotations

import hashlib

import pytest

COMMUNE = "xa-dak-koi-2025"
OTHER = "xa-kon-braih-2025"


def training(**extra) -> dict:
    data = {"kind": "training", "title": "Tập huấn kỹ năng truyền thông về quyền con người",
            "starts_on": "12/09/2025", "ends_on": "13/09/2025", "organiser": COMMUNE,
            "communes": [COMMUNE], "plan_task": "2.2", "place": "Hội trường xã",
            "participants": [{"target_group": "information-officials", "total": 30,
                              "women": 12, "ethnic_minority": 9}]}
    data.update(extra)
    return data


@pytest.fixture
def commune_office(api) -> str:
    from app.services.access import accounts

    accounts.add_user(api.kho, "vh-xa", "office", "mat-khau-dai-du", unit=COMMUNE)
    api.tokens["vh-xa"] = accounts.create_token(api.kho, "vh-xa", "tests")
    return "vh-xa"


def test_record_read_change_and_delete(api):
    created = api.call("producer", "POST", "/activities", json=training())
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["participants_total"] == 30 and body["kind"]["code"] == "training"
    assert body["people_visible"] is False and created.headers["ETag"] == '"1"'
    url = created.headers["Location"]
    changed = api.call("producer", "PUT", url, json={"place": "Nhà văn hóa"},
                       headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.get_json()["place"] == "Nhà văn hóa"
    stale = api.call("producer", "PUT", url, json={"place": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    history = api.call("commune", "GET", url.replace("/api/v1", "") + "/history")
    assert [h["action"] for h in history.get_json()["history"]] == ["update", "create"]
    assert api.call("producer", "DELETE", url).status_code == 403
    assert api.call("office", "DELETE", url).status_code == 204
    assert api.call("office", "GET", url).status_code == 404


def test_bad_fields_are_named_in_vietnamese(api):
    response = api.call("producer", "POST", "/activities", json=training(
        women=3, communes=["xa-dak-ruong"], participants=[
            {"target_group": "citizens", "total": 5, "women": 6}]),
        headers={"Accept-Language": "vi"})
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"women", "communes", "participants"}
    assert "Xã Kon Braih" in fields["communes"]


def test_the_document_states_the_required_fields(api):
    doc = api.call(None, "GET", "/openapi.json").get_json()
    post = doc["paths"]["/activities"]["post"]["requestBody"]["content"]["application/json"]
    assert post["schema"]["required"] == ["kind", "title", "starts_on", "organiser"]
    assert {"get", "post"} <= set(doc["paths"]["/activities"])
    assert {"get", "put", "delete"} <= set(doc["paths"]["/activities/{activity_id}"])


def test_a_commune_office_token_sees_its_communes_activities_only(api, commune_office):
    here = api.call("office", "POST", "/activities", json=training()).get_json()["id"]
    there = api.call("office", "POST", "/activities", json=training(
        organiser=OTHER, communes=[OTHER])).get_json()["id"]
    listed = api.call(commune_office, "GET", "/activities").get_json()
    assert [a["id"] for a in listed["activities"]] == [here]
    assert api.call(commune_office, "GET", f"/activities/{there}").status_code == 404
    assert api.call(commune_office, "GET", f"/activities/{here}").get_json()["people_visible"]
    assert api.call("office", "GET", "/activities?q=tap%20huan").get_json()["total"] == 2


def test_evidence_is_stored_with_its_checksum(api):
    aid = api.call("office", "POST", "/activities", json=training()).get_json()["id"]
    data = b"%PDF-1.4 bien ban hoi nghi"
    stored = api.call("office", "POST", f"/activities/{aid}/evidence?filename=bien-ban.pdf"
                      "&kind=minutes", data=data,
                      headers={"Content-Type": "application/octet-stream"})
    assert stored.status_code == 201, stored.get_json()
    assert stored.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
    evidence_id = stored.get_json()["id"]
    back = api.call("commune", "GET", f"/activities/{aid}/evidence/{evidence_id}")
    assert back.status_code == 200 and back.data == data
    listed = api.call("commune", "GET", f"/activities/{aid}").get_json()["evidence"]
    assert [e["kind"] for e in listed] == ["minutes"]


def test_the_vocabularies_of_activities_are_listed_with_their_targets(api):
    groups = api.call("commune", "GET", "/vocabularies/target_groups").get_json()["entries"]
    shares = {g["code"]: g["target_percent"] for g in groups}
    assert shares["mass-organisation-key-staff"] == 70 and shares["citizens"] is None
    kinds = api.call("commune", "GET", "/vocabularies/activity_kinds").get_json()["entries"]
    assert len(kinds) == 11
