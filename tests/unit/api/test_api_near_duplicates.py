"""Near-duplicates in the API: the upload answer and the product's JSON name the other
product's id; PUT …/near-duplicates/{other_file_id} records "same" or "different"."""
from __future__ import annotations

import io

import pytest

from tests.unit.ingest import likeness_media as made


@pytest.fixture(scope="module")
def posters(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("posters")
    first = made.poster(41, layout=0)
    return {"poster": made.save(first, folder / "a.jpg").read_bytes(),
            "rescan": made.save(made.rescan(first, 9, -1.0), folder / "b.jpg").read_bytes()}


def _upload(api, product_id, name, content, role="producer"):
    response = api.call(role, "POST", f"/products/{product_id}/files",
                        data={"file": [(io.BytesIO(content), name)]},
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_upload_answer_and_product_json_name_the_first_product(api, posters):
    first = api.create(title="Tranh gốc")
    got = _upload(api, first["id"], "goc.jpg", posters["poster"])
    assert got["files"][0]["near_duplicates"] == []
    first_file = got["files"][0]["file_id"]
    second = api.create(title="Tranh quét lại")
    body = _upload(api, second["id"], "quet.jpg", posters["rescan"])
    flags = body["files"][0]["near_duplicates"]
    assert [(f["product_id"], f["file_id"], f["kind"], f["answer"]) for f in flags] == [
        (first["id"], first_file, "image", None)]
    assert 0 < flags[0]["distance"] <= 0.25 and flags[0]["title"] == "Tranh gốc"
    assert body["product"]["files"][0]["near_duplicates"] == flags
    shown = api.call("commune", "GET", f"/products/{first['id']}").get_json()
    assert [(f["product_id"], f["file_id"]) for f in shown["files"][0]["near_duplicates"]] == [
        (second["id"], body["files"][0]["file_id"])]


def test_the_answer_is_recorded_and_checked(api, posters):
    first = api.create(title="Tranh gốc")
    first_file = _upload(api, first["id"], "goc.jpg", posters["poster"])["files"][0]["file_id"]
    second = api.create(title="Tranh quét lại")
    second_file = _upload(api, second["id"], "quet.jpg",
                          posters["rescan"])["files"][0]["file_id"]
    url = f"/products/{second['id']}/files/{second_file}/near-duplicates/{first_file}"
    answered = api.call("producer", "PUT", url, json={"answer": "same"})
    assert answered.status_code == 200
    flag = answered.get_json()["near_duplicates"][0]
    assert (flag["product_id"], flag["answer"], flag["answered_by"]) == (first["id"], "same",
                                                                         "producer")
    product = api.call("office", "GET", f"/products/{first['id']}").get_json()
    assert product["files"][0]["near_duplicates"][0]["answer"] == "same"
    assert api.call("office", "PUT", url, json={"answer": "same"}).status_code == 403
    bad = api.call("producer", "PUT", url, json={"answer": "có lẽ"},
                   headers={"Accept-Language": "vi"})
    assert bad.status_code == 422 and bad.get_json()["fields"] == {
        "answer": "hãy trả lời bằng same or different"}
    assert api.call("producer", "PUT", url, json=["same"]).status_code == 422
    missing = f"/products/{second['id']}/files/{second_file}/near-duplicates/{second_file}"
    assert api.call("producer", "PUT", missing, json={"answer": "same"}).status_code == 404
    wrong = f"/products/{first['id']}/files/{second_file}/near-duplicates/{first_file}"
    assert api.call("producer", "PUT", wrong, json={"answer": "same"}).status_code == 404


def test_the_openapi_document_describes_the_flags_and_the_answer(api):
    document = api.call(None, "GET", "/openapi.json").get_json()
    path = document["paths"]["/products/{product_id}/files/{file_id}/near-duplicates/"
                             "{other_file_id}"]
    assert path["put"]["operationId"] == "answerNearDuplicate"
    schemas = document["components"]["schemas"]
    assert set(schemas["NearDuplicate"]["required"]) == {"product_id", "file_id", "kind",
                                                         "distance", "answer"}
    assert schemas["File"]["properties"]["near_duplicates"]["items"] == {
        "$ref": "#/components/schemas/NearDuplicate"}
    assert "near_duplicates" in schemas["UploadResult"]["properties"]
