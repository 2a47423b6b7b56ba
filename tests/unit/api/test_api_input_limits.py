"""Input at the edges: the upload limit is per file, ids beyond 64 bits are not found,
JSON text with lone surrogates is refused naming the field."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.unit.api.conftest import build_api, png_bytes, wav_bytes

LIMIT = 200_000


@pytest.fixture
def limited_api(tmp_path: Path):
    """An instance whose per-file upload limit is 200,000 bytes."""
    yield from build_api(make_settings(tmp_path / "limited", max_upload_bytes=LIMIT))


def _upload(api, product_id, *files):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return api.call("producer", "POST", f"/products/{product_id}/files", data=data,
                    content_type="multipart/form-data")


def _files_of(api, product_id):
    return api.call("producer", "GET", f"/products/{product_id}").get_json()["files"]


def test_two_files_each_under_the_limit_are_both_stored(limited_api):
    api = limited_api
    product = api.create()
    response = _upload(api, product["id"], ("r1.bin", b"a" * 150_000),
                       ("r2.bin", b"b" * 150_000))
    assert response.status_code == 201, response.get_json()
    assert [f["filename"] for f in response.get_json()["files"]] == ["r1.bin", "r2.bin"]
    files = _files_of(api, product["id"])
    assert sorted((f["original_filename"], f["size"]) for f in files) == \
        [("r1.bin", 150_000), ("r2.bin", 150_000)]


def test_an_oversized_file_is_refused_by_name_and_the_small_one_is_kept(limited_api):
    api = limited_api
    product = api.create()
    big = wav_bytes(seconds=20)          # 320 kB of audio
    assert len(big) > LIMIT
    response = _upload(api, product["id"], ("phong-su.wav", big), ("poster.png", png_bytes()))
    assert response.status_code == 201
    refused, kept = response.get_json()["files"]
    assert refused["error"] == "too_large"
    assert "phong-su.wav" in refused["message"] and "195.3 kB" in refused["message"]
    assert kept["media_type"] == "image/png" and kept["file_id"]
    assert [f["original_filename"] for f in _files_of(api, product["id"])] == ["poster.png"]


def test_when_every_file_is_too_large_the_413_names_each(limited_api):
    api = limited_api
    product = api.create()
    response = _upload(api, product["id"], ("a.bin", b"a" * 200_001),
                       ("b.bin", b"b" * 250_000))
    body = response.get_json()
    assert response.status_code == 413
    assert body["error"] == "too_large" and "a.bin" in body["message"]
    assert set(body["fields"]) == {"a.bin", "b.bin"}
    assert _files_of(api, product["id"]) == []


def test_vietnamese_client_reads_the_per_file_refusal_in_vietnamese(limited_api):
    api = limited_api
    product = api.create()
    response = api.call("producer", "POST", f"/products/{product['id']}/files",
                        data={"file": [(io.BytesIO(b"a" * 200_001), "lon.bin")]},
                        content_type="multipart/form-data",
                        headers={"Accept-Language": "vi"})
    message = response.get_json()["message"]
    assert response.status_code == 413
    assert "lon.bin" in message and "tối đa 195,3 kB" in message and "large" not in message


def test_a_body_above_the_request_cap_is_refused_unread(limited_api):
    """The whole request stays capped (several files at the per-file limit), so a
    client cannot stream unbounded data; it answers JSON and says how to split."""
    from app.services.files.intake import REQUEST_FILES, request_limit

    api = limited_api
    product = api.create()
    cap = request_limit(api.kho.settings)
    assert cap >= REQUEST_FILES * LIMIT
    response = api.call("producer", "POST", f"/products/{product['id']}/files",
                        data=b"x" * (cap + 1),
                        headers={"Content-Type": "multipart/form-data; boundary=x"})
    body = response.get_json()
    assert response.status_code == 413
    assert body["error"] == "too_large"
    assert "at most 1.6 MB in one upload" in body["message"]     # human units
    assert "up to 195.3 kB each" in body["message"] and str(cap) not in body["message"]
    assert _files_of(api, product["id"]) == []


@pytest.mark.parametrize("path", [
    "/products/99999999999999999999",
    "/products/9223372036854775808",
    "/products/9223372036854775808/files/1/original",
    "/products/9223372036854775808/history",
    "/products/9223372036854775808/broadcasts",
])
def test_ids_too_large_for_any_database_are_404_like_a_missing_product(api, path):
    response = api.call("admin", "GET", path)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_writes_to_a_huge_product_id_are_404(api):
    huge = "/products/99999999999999999999"
    assert api.call("admin", "PATCH", huge, json={"title": "x"}).status_code == 404
    assert api.call("admin", "DELETE", huge).status_code == 404
    assert _upload(api, huge.rsplit("/", 1)[1], ("a.png", png_bytes())).status_code == 404


@pytest.mark.parametrize("method, path, body, field", [
    ("POST", "/products", '{"title": "Quy\\ud800n", "kind": "radio-feature"}', "title"),
    ("POST", "/products", '{"title": "Ok", "tags": ["a", "\\udc00"]}', "tags"),
    ("PATCH", "/products/{id}", '{"description": "\\ud83d tail"}', "description"),
    ("POST", "/products/{id}/broadcasts", '{"aired_on": "2025-03-02", "note": "\\udfff"}',
     "note"),
])
def test_json_text_with_a_lone_surrogate_is_422_naming_the_field(api, method, path, body,
                                                                 field):
    product = api.create(title="Gốc")
    response = api.call("commune" if "broadcasts" in path else "producer", method,
                        path.format(id=product["id"]), data=body,
                        content_type="application/json")
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["error"] == "invalid" and field in payload["fields"]
    assert field in payload["message"]
    unchanged = api.call("producer", "GET", f"/products/{product['id']}").get_json()
    assert unchanged["title"] == "Gốc" and unchanged["description"] == ""


def test_a_surrogate_pair_is_ordinary_text(api):
    """An escaped pair (an emoji) is valid JSON text and is kept."""
    response = api.call("producer", "POST", "/products",
                        data='{"title": "Loa \\ud83d\\udce2 xã"}',
                        content_type="application/json")
    assert response.status_code == 201
    assert response.get_json()["title"] == "Loa \U0001F4E2 xã"


@pytest.mark.parametrize("field, limit", [("description", 20_000), ("rights_note", 2_000),
                                          ("kind", 200), ("plan_task", 200),
                                          ("lead_unit", 200), ("produced_on", 40)])
def test_every_text_field_of_a_product_is_bounded_and_the_document_says_so(api, field, limit):
    from app.api.openapi import document

    schema = document()["components"]["schemas"]["ProductInput"]["properties"][field]
    assert schema["anyOf"][0]["maxLength"] == limit
    product = api.create()
    response = api.call("producer", "PATCH", f"/products/{product['id']}",
                        json={field: "a" * (limit + 1)})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {field: f"at most {limit} characters"}


def test_a_forty_megabyte_description_is_refused_naming_the_field(api):
    response = api.call("producer", "POST", "/products",
                        json={"title": "Bản tin", "description": "x" * 40_000_000})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"description": "at most 20000 characters"}


@pytest.mark.parametrize("field", ["themes", "communes", "tags"])
def test_list_fields_are_bounded_in_count_and_length(api, field):
    from app.api.openapi import document

    count, chars = (50, 100) if field == "tags" else (100, 200)
    schema = document()["components"]["schemas"]["ProductInput"]["properties"][field]
    listed = schema["anyOf"][0]["oneOf"][0]
    assert (listed["maxItems"], listed["items"]["maxLength"]) == (count, chars)
    product = api.create()
    many = [f"y{i}" for i in range(count + 1)]
    for value in (many, ["x" * (chars + 1)], ";".join(many)):
        response = api.call("producer", "PATCH", f"/products/{product['id']}",
                            json={field: value})
        assert response.status_code == 422, response.get_json()
        assert list(response.get_json()["fields"]) == [field]
