"""The edit form refuses a save based on an old version and shows what is there now."""
from __future__ import annotations

import re

from app.services.catalogue.products import update_product


def test_a_stale_save_is_refused_with_the_current_values(as_role, kho_rt, actors, product_id):
    browser = as_role("producer")
    form = browser.get(f"/products/{product_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    update_product(kho_rt, actors["admin"], product_id, {"title": "Tên do người khác lưu"})
    response = browser.post(f"/products/{product_id}/edit",
                            {"title": "Tên của tôi", "version": version},
                            token_from=f"/products/{product_id}/edit")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Người khác đã lưu sản phẩm này" in page
    assert "Tên do người khác lưu" in page and "Tên của tôi" not in page
    assert re.search(r'name="version" value="(\d+)"', page).group(1) == str(int(version) + 1)
    again = browser.post(f"/products/{product_id}/edit",
                         {"title": "Tên của tôi", "version": str(int(version) + 1)},
                         token_from=f"/products/{product_id}/edit")
    assert again.status_code == 302
