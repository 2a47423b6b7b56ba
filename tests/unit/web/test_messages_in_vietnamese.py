"""Vietnamese first on the pages: refusals and field problems are written in the
reader's language (Vietnamese by default, English on request)."""
from __future__ import annotations

import html
import re

from tests.unit.web.conftest import first_code


def _field_errors(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', page)]


def test_a_commune_account_is_told_in_vietnamese_what_it_may_not_do(as_role):
    b = as_role("commune")
    response = b.get("/products/new")
    assert response.status_code == 403
    page = html.unescape(response.get_data(as_text=True))
    assert "tài khoản cấp xã không được tạo sản phẩm" in page
    assert "may not" not in page and "product create" not in page


def test_the_refusal_reads_in_english_for_an_english_reader(as_role, product_id):
    b = as_role("commune")
    response = b.get(f"/products/{product_id}/upload?lang=en")
    assert response.status_code == 403
    page = html.unescape(response.get_data(as_text=True))
    assert "commune accounts may not upload files" in page
    assert "file upload" not in page


def test_product_form_field_problems_are_in_vietnamese(as_role, kho_rt):
    b = as_role("producer")
    response = b.post("/products/new", {"title": "Bản tin", "produced_on": "31/02/2024",
                                        "kind": first_code(kho_rt, "kinds"),
                                        "languages": "xyz"}, token_from="/products/new")
    assert response.status_code == 422
    errors = _field_errors(response.get_data(as_text=True))
    assert "31/02/2024 không phải là ngày có thật" in errors     # plain words, no quotes
    assert "mã không tồn tại: xyz" in errors
    assert not [e for e in errors if "unknown" in e or "not a date" in e]


def test_product_form_field_problems_in_english_on_request(as_role, kho_rt):
    b = as_role("producer")
    response = b.post("/products/new?lang=en", {"title": "", "languages": "xyz"},
                      token_from="/products/new")
    errors = _field_errors(response.get_data(as_text=True))
    assert "a title is required" in errors and "unknown code(s): xyz" in errors


def test_unknown_suggestions_are_refused_in_vietnamese(as_role, product_id):
    b = as_role("producer")
    page = html.unescape(b.post(f"/products/{product_id}/suggestions",
                                {"confirm": "theme:nope"},
                                token_from=f"/products/{product_id}").get_data(as_text=True))
    assert "mã nope không tồn tại" in page
    page = html.unescape(b.post(f"/products/{product_id}/suggestions",
                                {"confirm": "bogus:x"},
                                token_from=f"/products/{product_id}").get_data(as_text=True))
    assert "loại gợi ý bogus không tồn tại" in page
