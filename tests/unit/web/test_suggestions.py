"""The product page offers each suggestion with a Dismiss button; a dismissed one is
gone from the page and stays gone."""
from __future__ import annotations

import re

from tests.unit.ingest import document_factory as df


def test_dismissing_a_suggestion_on_the_product_page(as_role, kho_rt, actors, product_id,
                                                     tmp_path):
    from app.services.files.intake import receive

    path = df.docx(tmp_path / "a.docx", ["Bảo vệ trẻ em và bình đẳng giới ở Kon Rẫy.",
                                         "Phụ nữ và trẻ em gái được học nghề."])
    with path.open("rb") as stream:
        receive(kho_rt, actors["producer"], product_id, stream, "bài.docx")
    producer = as_role("producer")
    page = producer.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'value="convention:CEDAW"' in page
    form = re.search(r'<form method="post" id="dismiss-suggestion-\d+" action="([^"]+)"', page)
    response = producer.post(form.group(1), {"dismiss": "convention:CEDAW", "back": "product"},
                             token_from=f"/products/{product_id}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Đã bỏ qua gợi ý" in page and "sẽ không xuất hiện lại" in page
    assert 'value="convention:CEDAW"' not in page
    assert 'value="convention:CRC"' in page               # the others stay


def test_commune_staff_cannot_dismiss(as_role, product_id):
    commune = as_role("commune")
    response = commune.post(f"/products/{product_id}/suggestions/dismiss",
                            {"dismiss": "convention:CRC"}, token_from="/search")
    assert response.status_code == 403
