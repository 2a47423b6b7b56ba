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


def test_a_bahnar_text_gets_a_ba_na_suggestion_with_its_reason(as_role, kho_rt, actors,
                                                               product_id):
    """The language sits with the other suggestions, says why, and is confirmed like
    a theme: it then is the product's language."""
    import html
    import io

    from app.services.files.intake import receive

    text = ("Bơngai Bahnar oei tơ̆ tơring teh âu athei tơbăt tơdrong vei lăng bri 'long. "
            "Ƀok A Nhơn tơroi: inh păng bơ̆n rim năr năm jang tơ̆ mir, ưh kơ chă koh 'long "
            "lơ̆m bri.").encode("utf-8")
    receive(kho_rt, actors["producer"], product_id, io.BytesIO(text), "ban-tin.txt")
    producer = as_role("producer")
    page = html.unescape(producer.get(f"/products/{product_id}").get_data(as_text=True))
    item = re.search(r'<li class="suggestion" data-suggestion="language:bdq">(.*?)</li>',
                     page, flags=re.S).group(1)
    assert "Tiếng Ba Na" in item
    assert re.search(r"\(ngôn ngữ: có chữ ơ̆.* và các từ ‘.+’.* thường gặp trong tiếng Ba Na\)",
                     item), item
    status = producer.get(f"/products/{product_id}/status.json").get_json()
    [bdq] = [s for s in status["suggestions"] if s["kind"] == "language"]
    assert (bdq["label"], bdq["kind_label"]) == ("Tiếng Ba Na", "ngôn ngữ")
    assert bdq["reason"].endswith("thường gặp trong tiếng Ba Na")
    response = producer.post(f"/products/{product_id}/suggestions",
                             {"confirm": "language:bdq", "back": "product"},
                             token_from=f"/products/{product_id}", follow_redirects=True)
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r"<dt>Ngôn ngữ</dt><dd>[^<]*Tiếng Ba Na", page)
    assert 'data-suggestion="language:bdq"' not in page
