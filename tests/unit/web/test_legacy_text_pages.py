"""A Word document typed in TCVN3 (.VnTime) sent through the upload page: its text is
shown in Unicode, search finds it by "Cộng hòa", and the product's history says, in
Vietnamese, that it was converted from TCVN3."""
from __future__ import annotations

import re
from urllib.parse import quote

from tests.unit.ingest import document_factory as df

TCVN3 = ["Céng hoµ x· héi chñ nghÜa ViÖt Nam", "§éc lËp - Tù do - H¹nh phóc",
         "Tµi liÖu tuyªn truyÒn phßng, chèng b¹o lùc gia ®×nh"]


def test_a_tcvn3_docx_reads_in_unicode_and_its_history_says_so(as_role, product_id,
                                                                tmp_path):
    producer = as_role("producer")
    answer = producer.client.post(
        f"/products/{product_id}/files", data=df.docx(tmp_path / "cv.docx", TCVN3).read_bytes(),
        headers={"Content-Type": "application/octet-stream",
                 "X-CSRFToken": producer.token("/search"), "X-File-Name": quote("công văn.docx"),
                 "Accept": "application/json"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert producer.get(answer.get_json()["status_url"]).get_json()["status"] == "ready"
    page = producer.get(f"/products/{product_id}").get_data(as_text=True)
    assert "Cộng hoà xã hội chủ nghĩa Việt Nam" in page and "Céng hoµ" not in page
    assert "Văn bản được gõ bằng TCVN3 (ABC, .VnTime), một bảng mã cũ: đã chuyển sang " \
           "Unicode để tìm kiếm được (tệp gốc giữ nguyên)" in page
    commune = as_role("commune")
    html = commune.get("/search", query_string={"q": "Cộng hòa"}).get_data(as_text=True)
    assert str(product_id) in re.findall(r'href="/products/(\d+)"', html)
