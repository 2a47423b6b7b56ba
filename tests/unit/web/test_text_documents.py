"""A news article sent as .docx, .odt or .txt: identified, its text shown on the product
page and found by search, with and without diacritics."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.unit.ingest import document_factory as df

ARTICLE = ["Tuyên truyền Luật Người khuyết tật tại xã Kon Braih",
           "Hội người mù huyện đã tặng gậy dò đường cho bà con Xơ Đăng."]


def _upload(browser, product_id: int, name: str, data: bytes) -> dict:
    response = browser.client.post(
        f"/products/{product_id}/files", data=data,
        headers={"Content-Type": "application/octet-stream",
                 "X-CSRFToken": browser.token("/search"),
                 "X-File-Name": quote(name),
                 "Accept": "application/json"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _search_ids(browser, q: str) -> set[int]:
    html = browser.get("/search", query_string={"q": q}).get_data(as_text=True)
    return {int(n) for n in re.findall(r'href="/products/(\d+)"', html)}


@pytest.mark.parametrize("name, make", [
    ("bai-viet.docx", lambda p: df.docx(p, ARTICLE)),
    ("bai-viet.odt", lambda p: df.odt(p, ARTICLE)),
    ("bai-viet.txt", lambda p: (p.write_bytes("\n".join(ARTICLE).encode("utf-16")), p)[1]),
])
def test_an_uploaded_article_is_read_shown_and_found(as_role, product_id, tmp_path, name,
                                                     make):
    producer = as_role("producer")
    body = _upload(producer, product_id, name, make(tmp_path / name).read_bytes())
    status = producer.get(body["status_url"]).get_json()
    assert status["status"] == "ready", status
    assert body["media_type"] != "application/octet-stream"
    commune = as_role("commune")
    page = commune.get(f"/products/{product_id}").get_data(as_text=True)
    assert "Hội người mù huyện đã tặng gậy dò đường cho bà con Xơ Đăng." in page
    assert '<pre tabindex="0" role="region"' in page    # under "Extracted text", reachable
    assert product_id in _search_ids(commune, "gậy dò đường")
    assert product_id in _search_ids(commune, "gay do duong")


def test_a_hostile_document_fails_naming_the_file(as_role, kho_rt, product_id, tmp_path):
    from archive.models import File

    producer = as_role("producer")
    hostile = df.docx(tmp_path / "x.docx", [], body=df.billion_laughs()).read_bytes()
    body = _upload(producer, product_id, "Bài cười.docx", hostile)
    status = producer.get(body["status_url"]).get_json()
    assert status["files"][0]["status"] == "failed"
    assert status["files"][0]["error"] == ("Văn bản bị hỏng hoặc không đúng loại như tên tệp — "
                                           "hãy lưu lại (thành .docx, .odt hoặc .txt) rồi tải lên.")
    with kho_rt.transaction() as session:      # the details below the sentence
        detail = session.get(File, status["files"][0]["id"]).error_detail
    assert "Bài cười.docx was refused: word/document.xml declares a document type" in detail
