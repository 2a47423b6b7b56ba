"""Attendance over the API: import (422 with the QC lines, nothing written), the list for
office and admin tokens only, merge, staff counts; the OpenAPI document names them."""
from __future__ import annotations

from tests.unit.services.activities.people_data import INFO, LISTS, training, write_csv


def _activity(api) -> int:
    day, rows = LISTS["A"]
    data = training(day, rows)
    response = api.call("office", "POST", "/activities", json=data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_import_list_and_privacy(api, tmp_path):
    aid = _activity(api)
    _day, rows = LISTS["A"]
    bad = write_csv(tmp_path / "bad.csv", [["", *rows[0][1:]], rows[1], rows[2]]).read_bytes()
    answer = api.call("office", "POST", f"/activities/{aid}/attendance?filename=bad.csv",
                      data=bad, headers={"Accept-Language": "vi",
                                         "Content-Type": "application/octet-stream"})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["imported"] is False
    assert body["problems"][0] == {"row": 2, "column": "Họ và tên",
                                   "message": "Dòng 2, cột Họ và tên: tên trống"}
    good = write_csv(tmp_path / "good.csv", rows).read_bytes()
    answer = api.call("office", "POST", f"/activities/{aid}/attendance?filename=good.csv",
                      data=good, headers={"Content-Type": "application/octet-stream"})
    assert answer.status_code == 200 and answer.get_json()["added"] == 3
    listed = api.call("admin", "GET", f"/activities/{aid}/attendance").get_json()["people"]
    assert [p["name"] for p in listed] == ["Nguyễn Văn An", "Y Hoa", "Trần Thị Bình"]
    for role in ("producer", "commune"):
        denied = api.call(role, "GET", f"/activities/{aid}/attendance")
        assert denied.status_code in (403, 404) and "Nguyễn" not in denied.get_data(as_text=True)
        assert api.call(role, "GET", "/people").status_code == 403
    assert api.call("producer", "POST", f"/activities/{aid}/attendance", data=good,
                    headers={"Content-Type": "application/octet-stream"}).status_code == 403


def test_merge_staff_and_figures(api, tmp_path):
    aid = _activity(api)
    _day, rows = LISTS["A"]
    api.call("office", "POST", f"/activities/{aid}/attendance", data=write_csv(
        tmp_path / "a.csv", rows).read_bytes(), headers={"Content-Type": "text/csv"})
    people = {p["name"]: p["id"] for p in api.call("office", "GET", "/people").get_json()["people"]}
    merged = api.call("office", "POST", "/people/merge", json={
        "keep": people["Y Hoa"], "merge": [people["Trần Thị Bình"]]})
    assert merged.status_code == 200 and merged.get_json()["attendances_moved"] == 0
    saved = api.call("office", "PUT", "/people/staff", json={
        "unit": "xa-dak-koi", "year": 2025, "target_group": INFO, "staff": 2})
    assert saved.status_code == 200
    staff = api.call("office", "GET", "/people/staff?year=2025").get_json()["staff"]
    assert staff == [{"unit": "xa-dak-koi", "unit_label": "Xã Đăk Kôi", "target_group": INFO,
                      "label_vi": "Cán bộ, công chức làm công tác quản lý thông tin, truyền thông",
                      "staff": 2}]
    figures = api.call("office", "GET", "/people/figures?year=2025").get_json()["people"]
    assert figures["trained"] == 2        # three listed, two after the merge
    assert api.call("office", "GET", "/people/figures?year=2025&colour=red").status_code == 422


def test_the_document_names_the_people_paths(api):
    doc = api.call(None, "GET", "/openapi.json").get_json()
    for path in ("/activities/{activity_id}/attendance", "/people", "/people/merge",
                 "/people/{person_id}/split", "/people/figures", "/people/staff",
                 "/people/spokespersons"):
        assert path in doc["paths"], path
    stats = doc["components"]["schemas"]["Stats"]["properties"]
    assert stats["people"] == {"$ref": "#/components/schemas/PeopleBlock"}
