"""Access over the API (issue 26): create and edit with ``access``, ``embargo_until``
and ``protocol_note``; every bad value a 422 naming its field; consents with their
scanned forms; a file stricter than its product; two admins changing a level at once."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from app.services.common.clock import local_today
from archive.activities import stored_objects
from tests.unit.api.conftest import COMMUNE, png_bytes

RITUAL = {"level": "restricted", "audience": {"units": [COMMUNE], "roles": ["office"]}}


def test_create_with_access_embargo_and_protocol_note_and_read_it_back(api):
    day = local_today(api.kho.settings) + timedelta(days=20)
    product = api.create(title="Lễ cúng lúa mới", access=RITUAL, embargo_until=day.isoformat(),
                         protocol_note="Không phát trong mùa tang.")
    assert product["access"] == RITUAL
    assert product["embargo_until"] == day.isoformat()
    assert product["protocol_note"] == "Không phát trong mùa tang."
    assert product["consents"] == [] and "radio" in product["allowed_uses"]


def test_edit_the_level_with_a_bare_string_and_the_etag_moves(api):
    product = api.create()
    path = f"/products/{product['id']}"
    response = api.call("producer", "PATCH", path, json={"access": "internal"},
                        headers={"If-Match": f'"{product["version"]}"'})
    assert response.status_code == 200
    assert response.get_json()["access"] == {"level": "internal",
                                             "audience": {"units": [], "roles": []}}
    assert response.headers["ETag"] == f'"{product["version"] + 1}"'


@pytest.mark.parametrize("body, field", [
    ({"access": "secret"}, "access"),
    ({"access": {"level": "restricted"}}, "access"),
    ({"access": {"level": "restricted", "audience": {"units": ["xa-atlantis"]}}},
     "access.audience.units"),
    ({"access": {"level": "restricted", "audience": {"units": ["xa-dak-to-lung"]}}},
     "access.audience.units"),
    ({"access": {"level": "restricted", "audience": {"roles": ["king"]}}},
     "access.audience.roles"),
    ({"embargo_until": "2001-01-01"}, "embargo_until"),
    ({"embargo_until": "2126-01-01"}, "embargo_until"),
    ({"embargo_until": True}, "embargo_until"),
    ({"protocol_note": "x" * 2001}, "protocol_note"),
    ({"sensitive": True}, "sensitive"),
])
def test_every_bad_access_value_is_a_422_naming_the_field(api, body, field):
    created = api.call("producer", "POST", "/products", json={"title": "Phỏng vấn", **body})
    assert created.status_code == 422
    assert field in created.get_json()["fields"]
    product = api.create()
    edited = api.call("producer", "PATCH", f"/products/{product['id']}", json=body)
    assert edited.status_code == 422 and field in edited.get_json()["fields"]


def test_sensitive_names_access_in_vietnamese_too(api):
    response = api.call("producer", "POST", "/products", json={"title": "x", "sensitive": True},
                        headers={"Accept-Language": "vi"})
    assert "access" in response.get_json()["fields"]["sensitive"]


def test_a_consent_with_its_scanned_form_is_stored_listed_and_downloadable(api):
    product = api.create()
    scan = png_bytes()
    response = api.call("producer", "POST", f"/products/{product['id']}/consents", data={
        "given_by": "Già làng A Blưu", "uses": ["radio", "Triển lãm"], "until": "31/12/2030",
        "form": (__import__("io").BytesIO(scan), "phieu-dong-y.png")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    consent = body["consents"][-1]
    assert consent["given_by"] == "Già làng A Blưu"
    assert consent["uses"] == ["radio", "exhibition"] and consent["until"] == "2030-12-31"
    assert consent["evidence"]["filename"] == "phieu-dong-y.png"
    assert consent["evidence"]["size"] == len(scan)
    assert body["allowed_uses"] == ["radio", "exhibition"]
    form = api.call("producer", "GET", consent["evidence"]["url"])
    assert form.status_code == 200 and form.data == scan
    with api.kho.transaction() as session:
        owners = {row.owner for row in session.execute(stored_objects())
                  if row.sha256 is not None}
    assert "consent" in owners
    assert api.call("commune", "GET", consent["evidence"]["url"]).status_code in (403, 404)
    # readers who may not edit it (the office here; a file-less draft is hidden from
    # commune staff) read what the product may be used for, not who consented
    seen = api.call("office", "GET", f"/products/{product['id']}").get_json()["consents"]
    assert seen == [{"id": consent["id"], "given_by": "", "uses": ["radio", "exhibition"],
                     "until": "2030-12-31", "note": "", "evidence": None}]


def test_a_consent_in_json_and_its_removal(api):
    product = api.create()
    path = f"/products/{product['id']}/consents"
    added = api.call("producer", "POST", path, json={"given_by": "Ông A", "uses": "website"})
    assert added.status_code == 201
    consent_id = added.get_json()["consents"][0]["id"]
    assert added.get_json()["allowed_uses"] == ["website"]
    assert api.call("producer", "DELETE", f"{path}/{consent_id}").status_code == 204
    again = api.call("producer", "GET", f"/products/{product['id']}").get_json()
    assert again["consents"] == [] and len(again["allowed_uses"]) == 5
    history = api.call("producer", "GET", f"/products/{product['id']}/history").get_json()
    assert [r["action"] for r in history["history"]][:2] == ["consent.remove", "consent.add"]


@pytest.mark.parametrize("body, field", [
    ({"given_by": "Ông A", "uses": ["radio", "tiktok"]}, "uses"),
    ({"given_by": "Ông A", "uses": []}, "uses"),
    ({"given_by": "", "uses": ["radio"]}, "given_by"),
    ({"given_by": "Ông A", "uses": ["radio"], "until": "31/02/2030"}, "until"),
    ({"given_by": "Ông A", "uses": ["radio"], "colour": "red"}, "colour"),
])
def test_a_bad_consent_is_a_422_naming_the_field(api, body, field):
    product = api.create()
    response = api.call("producer", "POST", f"/products/{product['id']}/consents", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_a_file_may_be_stricter_than_its_product_never_looser(api):
    product = api.create(access="internal")
    uploaded = api.call("producer", "POST", f"/products/{product['id']}/files",
                        data={"file": (__import__("io").BytesIO(png_bytes()), "anh.png")},
                        content_type="multipart/form-data")
    assert uploaded.status_code in (201, 202), uploaded.get_json()
    file_id = api.call("producer", "GET", f"/products/{product['id']}").get_json()["files"][0]["id"]
    path = f"/products/{product['id']}/files/{file_id}"
    looser = api.call("producer", "PATCH", path, json={"access_level": "public"})
    assert looser.status_code == 422 and "access_level" in looser.get_json()["fields"]
    closed = api.call("producer", "PATCH", path, json={"access_level": "closed"})
    assert closed.status_code == 200
    assert closed.get_json()["files"][0]["access_level"] == "closed"
    unknown = api.call("producer", "PATCH", path, json={"access_level": "secret"})
    assert unknown.status_code == 422


def test_two_admins_changing_a_level_at_once_one_wins_by_etag(api):
    product = api.create()
    path = f"/products/{product['id']}"
    etag = f'"{product["version"]}"'
    answers: list[int] = []

    def change(level: str) -> None:
        client = api.app.test_client()
        answers.append(client.patch(f"/api/v1{path}", json={"access": level}, headers={
            "Authorization": f"Bearer {api.tokens['admin']}", "If-Match": etag}).status_code)

    threads = [threading.Thread(target=change, args=(level,)) for level in ("closed", "internal")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers)[0] == 200 and sorted(answers)[1] in (409, 412)
    level = api.call("admin", "GET", path).get_json()["access"]["level"]
    assert level in ("closed", "internal")
    assert all(a < 500 for a in answers)
