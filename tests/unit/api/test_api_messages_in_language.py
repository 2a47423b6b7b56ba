"""The API answers in the language the client asks for (Accept-Language): the message
and every field message, numbers written the language's way."""
from __future__ import annotations

import io

VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}
BAD = {"title": "", "produced_on": "31/02/2024", "languages": ["xyz"], "colour": "red"}


def test_field_messages_are_vietnamese_for_a_vietnamese_client(api):
    response = api.call("producer", "POST", "/products", json=BAD, headers=VI)
    assert response.status_code == 422
    body = response.get_json()
    assert body["fields"] == {"colour": "trường không hợp lệ", "title": "cần nhập tiêu đề",
                              "produced_on": "31/02/2024 không phải là ngày có thật",
                              "languages": "mã không tồn tại: xyz"}
    assert body["message"].startswith("thông tin sản phẩm không hợp lệ: ")
    assert "title: cần nhập tiêu đề" in body["message"]
    assert "required" not in body["message"] and "unknown" not in body["message"]


def test_field_messages_are_english_for_an_english_client(api):
    body = api.call("producer", "POST", "/products", json=BAD, headers=EN).get_json()
    assert body["fields"]["title"] == "a title is required"
    assert body["fields"]["languages"] == "unknown code(s): xyz"
    assert body["message"].startswith("invalid product metadata: ")


def test_a_refused_action_is_named_in_words_in_the_clients_language(api):
    vi = api.call("commune", "POST", "/products", json={"title": "x"}, headers=VI)
    assert vi.status_code == 403
    assert vi.get_json()["message"] == "tài khoản cấp xã không được tạo sản phẩm"
    en = api.call("commune", "POST", "/products", json={"title": "x"}, headers=EN)
    assert en.get_json()["message"] == "commune accounts may not create products"


def test_upload_limit_is_written_in_human_units_in_each_language(tmp_path):
    from tests.conftest import make_settings
    from tests.unit.api.conftest import build_api

    runtime = build_api(make_settings(tmp_path / "limit", max_upload_bytes=200_000))
    api = next(runtime)
    try:
        product = api.create()

        def refuse(headers):
            response = api.call("producer", "POST", f"/products/{product['id']}/files",
                                data={"file": [(io.BytesIO(b"a" * 200_001), "chunked.wav")]},
                                content_type="multipart/form-data", headers=headers)
            assert response.status_code == 413, response.get_json()
            return response.get_json()

        vi = refuse(VI)
        assert "chunked.wav quá lớn: tối đa 195,3 kB mỗi tệp" in vi["message"]
        assert "195,3 kB" in vi["fields"]["chunked.wav"] and "200" not in str(vi)
        en = refuse(EN)
        assert "chunked.wav is too large: at most 195.3 kB per file" in en["message"]
        assert "195.3 kB" in en["fields"]["chunked.wav"]
    finally:
        next(runtime, None)
