"""Access on the pages (issue 26): the form sets level, audience, embargo and protocol
note and shows them again; the product page says the level in Vietnamese words, the
embargo as dd/mm/yyyy, the protocol note to everyone who sees the product, and the
consents with their uses; editors record a consent with its scanned form and set a
file's own level."""
from __future__ import annotations

import html
import io
import re
from datetime import timedelta

from sqlalchemy import select

from app.services.common.clock import local_today
from tests.unit.web.conftest import first_code


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _form(kho_rt, commune_code, **extra):
    return {"title": "Lễ cúng lúa mới của người Xơ Đăng", "kind": first_code(kho_rt, "kinds"),
            "access_level": "restricted", "audience_units": [commune_code],
            "audience_roles": ["office"], "protocol_note": "Chỉ nghe trong làng.", **extra}


def test_the_form_sets_access_and_shows_it_again(as_role, kho_rt, commune_code):
    from archive.models import Product

    day = local_today(kho_rt.settings) + timedelta(days=40)
    b = as_role("producer")
    response = b.post("/products/new", _form(kho_rt, commune_code,
                                             embargo_until=day.strftime("%d/%m/%Y")),
                      token_from="/products/new")
    assert response.status_code == 302, _text(response)[:2000]
    with kho_rt.transaction() as s:
        p = s.scalars(select(Product)).one()
        pid = p.id
        assert (p.access_level, p.embargo_until) == ("restricted", day)
        assert [a.role for a in p.audience_roles] == ["office"]
    edit = _text(b.get(f"/products/{pid}/edit"))
    assert re.search(r'name="access_level" value="restricted" checked', edit)
    assert re.search(rf'name="audience_units" value="{commune_code}" checked', edit)
    assert re.search(r'name="audience_roles" value="office" checked', edit)
    assert f'value="{day.strftime("%d/%m/%Y")}"' in edit
    assert "Chỉ nghe trong làng." in edit
    page = _text(b.get(f"/products/{pid}"))
    assert "Hạn chế (theo đối tượng)" in page
    assert day.strftime("%d/%m/%Y") in page
    assert "Chỉ nghe trong làng." in page


def test_an_edit_saved_again_keeps_access_and_a_closed_level_reads_in_vietnamese(
        as_role, kho_rt, product_id):
    b = as_role("producer")
    response = b.post(f"/products/{product_id}/edit", {
        "title": "Phỏng vấn già làng", "access_level": "closed"},
        token_from=f"/products/{product_id}/edit")
    assert response.status_code == 302
    page = _text(b.get(f"/products/{product_id}"))
    assert "Không phổ biến (chỉ đơn vị quản lý)" in page
    assert "Mức độ tiếp cận: Công khai → Không phổ biến (chỉ đơn vị quản lý)" in page


def test_a_restricted_product_without_audience_is_refused_on_the_form(as_role, kho_rt,
                                                                      product_id):
    b = as_role("producer")
    response = b.post(f"/products/{product_id}/edit", {
        "title": "Phỏng vấn", "access_level": "restricted", "embargo_until": "01/01/2001"},
        token_from=f"/products/{product_id}/edit")
    assert response.status_code == 422
    page = _text(response)
    assert 'href="#f-access_level"' in page and 'href="#f-embargo_until"' in page
    assert 'aria-invalid="true" aria-describedby="e-embargo_until"' in page


def test_the_protocol_note_is_shown_to_commune_staff_who_see_the_product(
        as_role, kho_rt, actors, commune_code):
    from app.services.catalogue.products import create_product

    pid = create_product(kho_rt, actors["producer"], {
        "title": "Lễ cúng", "access": {"level": "restricted",
                                      "audience": {"units": [commune_code]}},
        "protocol_note": "Không phát lại trong mùa tang."})
    from tests.broadcast_copies import give_broadcast_copy

    give_broadcast_copy(kho_rt, pid)          # a draft without files is hidden from communes
    page = as_role("commune").get(f"/products/{pid}")
    assert page.status_code == 200
    assert "Không phát lại trong mùa tang." in _text(page)


def test_a_consent_with_its_scanned_form_is_recorded_listed_and_removed(as_role, kho_rt,
                                                                        product_id):
    from archive.activities import stored_objects

    b = as_role("producer")
    token = b.token(f"/products/{product_id}")
    response = b.client.post(f"/products/{product_id}/consents", data={
        "csrf_token": token, "given_by": "Già làng A Blưu", "uses": ["radio", "exhibition"],
        "until": "31/12/2030", "form": (io.BytesIO(b"%PDF-1.4 scanned form"), "phieu.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = _text(b.get(f"/products/{product_id}"))
    assert "Già làng A Blưu" in page and "Phát thanh, Triển lãm" in page
    assert "31/12/2030" in page and "phieu.pdf" in page
    with kho_rt.transaction() as s:
        assert "consent" in {row.owner for row in s.execute(stored_objects())
                             if row.sha256 is not None}
    form_url = re.search(r'href="(/products/\d+/consents/\d+/form)"', page).group(1)
    assert b.get(form_url).data == b"%PDF-1.4 scanned form"
    remove = re.search(r'action="(/products/\d+/consents/\d+/remove)"', page).group(1)
    assert b.post(remove, {}, token_from=f"/products/{product_id}").status_code == 302
    after = _text(b.get(f"/products/{product_id}"))
    assert 'data-role="consents"' not in after
    assert "đã gỡ sự đồng ý của Già làng A Blưu" in after
    allowed = after.split('data-role="allowed-uses"')[1].split("</dd>")[0]
    assert "Chỉ lưu trữ" in allowed and "Trang thông tin điện tử" in allowed


def test_a_consent_with_an_unknown_use_is_refused_in_vietnamese(as_role, product_id):
    b = as_role("producer")
    response = b.post(f"/products/{product_id}/consents",
                      {"given_by": "Ông A", "uses": ["tiktok"]},
                      token_from=f"/products/{product_id}")
    assert response.status_code == 302
    page = _text(b.get(f"/products/{product_id}"))
    assert "không có mục đích sử dụng: tiktok" in page
    assert 'data-role="consents"' not in page


def test_an_editor_closes_one_file_and_cannot_open_it_beyond_its_product(as_role, kho_rt,
                                                                          product_id):
    from app.services.catalogue.products import update_product
    from archive.models import File
    from tests.broadcast_copies import give_broadcast_copy

    give_broadcast_copy(kho_rt, product_id)
    with kho_rt.transaction() as s:
        file_id = s.scalars(select(File.id).where(File.product_id == product_id)).first()
    b = as_role("producer")
    url = f"/products/{product_id}/files/{file_id}/access"
    assert b.post(url, {"access_level": "closed"},
                  token_from=f"/products/{product_id}").status_code == 302
    page = _text(b.get(f"/products/{product_id}"))
    assert "Đã lưu mức tiếp cận của tệp: Không phổ biến (chỉ đơn vị quản lý)." in page
    assert re.search(r'<option value="closed" selected>', page)
    from app.services.access.accounts import actor_by_name

    update_product(kho_rt, actor_by_name(kho_rt, "admin1"), product_id, {"access": "closed"})
    b.post(url, {"access_level": "internal"}, token_from=f"/products/{product_id}")
    page = _text(b.get(f"/products/{product_id}"))
    assert "tệp không được có mức tiếp cận rộng hơn sản phẩm của nó" in page
