"""Issue 13, producers' metadata form and admins' pages as a user meets them: errors
naming the field, typed values kept, a safe default role, a token revoked only after
asking, counting flags and new units from the vocabulary pages, and a delete page that
says why an aired product stays."""
from __future__ import annotations

import html
import re
from datetime import date

from tests.unit.web.conftest import PASSWORD, first_code


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _summary(page: str) -> list[str]:
    found = re.search(r'class="flash error error-summary".*?<ul>(.*?)</ul>', page, re.S)
    assert found, "no error summary"
    return [re.sub(r"<[^>]+>", "", li).strip()
            for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


# --- the metadata form ---------------------------------------------------------------

def test_a_date_error_names_the_field_in_plain_words_and_keeps_what_was_typed(as_role, kho_rt):
    b = as_role("producer")
    language = first_code(kho_rt, "languages")
    response = b.post("/products/new", {
        "title": "Bản tin tháng hai", "kind": first_code(kho_rt, "kinds"),
        "produced_on": "31/02/2025", "languages": [language], "tags": "trẻ em; quyền",
        "access_level": "closed"}, token_from="/products/new")
    assert response.status_code == 422
    page = _text(response)
    assert _summary(page) == ["Ngày sản xuất: 31/02/2025 không phải là ngày có thật"]
    assert "'" not in _summary(page)[0] and "ValueError" not in page
    assert 'value="Bản tin tháng hai"' in page and 'value="31/02/2025"' in page
    assert f'value="{language}" checked' in page and 'value="trẻ em; quyền"' in page
    assert re.search(r'name="access_level" value="closed" checked', page)
    assert 'aria-invalid="true" aria-describedby="e-produced_on"' in page


def test_a_future_date_is_refused_naming_the_production_date(as_role, kho_rt):
    b = as_role("producer")
    response = b.post("/products/new", {"title": "Sắp làm", "kind": first_code(kho_rt, "kinds"),
                                        "produced_on": f"01/01/{date.today().year + 1}"},
                      token_from="/products/new")
    assert _summary(_text(response)) == ["Ngày sản xuất: Ngày sản xuất không được sau hôm nay"]


def test_every_error_of_the_edit_form_names_its_field(as_role, product_id):
    b = as_role("producer")
    response = b.post(f"/products/{product_id}/edit", {
        "title": "", "produced_on": "mùa thu", "languages": ["xyz"]},
        token_from=f"/products/{product_id}/edit")
    assert response.status_code == 422
    lines = _summary(_text(response))
    assert {line.split(":")[0] for line in lines} == {"Tiêu đề", "Ngày sản xuất", "Ngôn ngữ"}
    assert "Ngày sản xuất: mùa thu không phải là ngày; hãy viết theo dạng ngày/tháng/năm, " \
           "ví dụ 31/12/2024" in lines


def test_pickers_are_checkbox_rows_and_merged_communes_fold_away(as_role):
    page = _text(as_role("producer").get("/products/new"))
    languages = re.search(r'<fieldset id="f-languages".*?</fieldset>', page, re.S).group(0)
    assert languages.count('<label class="pick">') >= 10    # one tappable row per language
    communes = re.search(r'<fieldset id="f-communes".*?</fieldset>', page, re.S).group(0)
    current, _, old = communes.partition('<details class="older"')
    assert "Xã Kon Braih" in current and "Xã Tân Lập" not in current
    assert "Xã Tân Lập" in old and "Đã sáp nhập hoặc giải thể năm 2025" in old


def test_a_picked_merged_lead_unit_is_saved_as_its_successor(as_role, product_id, kho_rt):
    from app.services.catalogue.product_view import product_view
    from app.services.access.accounts import actor_by_name

    b = as_role("producer")
    page = _text(b.post(f"/products/{product_id}/edit", {
        "title": "Quyền trẻ em ở Kon Rẫy", "kind": first_code(kho_rt, "kinds"),
        "lead_unit": "so-tttt-kon-tum", "produced_on": "01/09/2025"},
        token_from=f"/products/{product_id}/edit", follow_redirects=True))
    view = product_view(kho_rt, actor_by_name(kho_rt, "producer1"), product_id)
    assert view["lead_unit"]["code"] == "so-vhttdl-quang-ngai-2025"
    assert ("Đơn vị chủ trì Sở Thông tin và Truyền thông tỉnh Kon Tum không còn vào ngày sản "
            "xuất; đã lưu đơn vị kế thừa Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi.") in page


# --- deleting an aired product -------------------------------------------------------

def _aired(kho_rt, product_id: int, times: int) -> None:
    from archive.models import Broadcast, Unit
    from sqlalchemy import select

    with kho_rt.transaction() as s:
        commune = s.scalar(select(Unit).where(Unit.code == "xa-dak-rve-2025"))
        for day in range(times):
            s.add(Broadcast(product_id=product_id, commune=commune,
                            aired_on=date(2025, 9, 1 + day)))


def test_the_delete_page_says_why_an_aired_product_cannot_be_deleted(as_role, kho_rt,
                                                                     product_id):
    _aired(kho_rt, product_id, 3)
    b = as_role("admin")
    page = _text(b.get(f"/products/{product_id}/delete"))
    assert ("Sản phẩm này đã được ghi nhận phát 3 lần, không thể xoá vì các lượt phát được "
            "tính trong báo cáo năm") in page
    assert "Có, xoá" not in page and 'name="confirm"' not in page
    response = b.post(f"/products/{product_id}/delete", {"confirm": "yes"},
                      token_from=f"/products/{product_id}")
    assert response.status_code == 409
    assert "đã được ghi nhận phát 3 lần" in _text(response) and "Lỗi 409" not in _text(response)
    assert b.get(f"/products/{product_id}").status_code == 200


def test_a_product_never_aired_is_deleted_after_confirmation(as_role, product_id):
    b = as_role("admin")
    assert 'name="confirm" value="yes"' in _text(b.get(f"/products/{product_id}/delete"))
    response = b.post(f"/products/{product_id}/delete", {"confirm": "yes"},
                      token_from=f"/products/{product_id}/delete")
    assert response.status_code == 302
    assert b.get(f"/products/{product_id}").status_code == 404


# --- users ---------------------------------------------------------------------------

def test_the_add_user_form_starts_at_the_least_privileged_role(as_role):
    page = _text(as_role("admin").get("/admin/users"))
    form = re.search(r'<form[^>]*id="add-user".*?</form>', page, re.S).group(0)
    assert re.search(r'<option value="commune" selected>', form)
    assert not re.search(r'<option value="admin" selected>', form)


def test_a_refused_new_user_keeps_the_values_and_names_the_field(as_role):
    b = as_role("admin")
    response = b.post("/admin/users", {"username": "ha.nguyen", "display_name": "Nguyễn Thu Hà",
                                       "role": "commune", "commune": "",
                                       "password": PASSWORD}, token_from="/admin/users")
    assert response.status_code == 422
    page = _text(response)
    assert _summary(page) == ["Đơn vị: tài khoản cấp xã cần gắn với một xã"]
    assert "--commune" not in page and "CODE" not in page
    form = re.search(r'<form[^>]*id="add-user".*?</form>', page, re.S).group(0)
    assert 'value="ha.nguyen"' in form and 'value="Nguyễn Thu Hà"' in form
    assert re.search(r'<option value="commune" selected>', form)
    assert PASSWORD not in page                            # never a password


def test_a_taken_user_name_is_named_as_the_user_name_field(as_role, users):
    page = _text(as_role("admin").post("/admin/users", {
        "username": users["office"], "role": "office", "password": PASSWORD},
        token_from="/admin/users"))
    assert _summary(page) == [f"Tên đăng nhập: người dùng {users['office']} đã tồn tại"]


# --- tokens --------------------------------------------------------------------------

def test_revoking_a_token_asks_first(as_role, kho_rt, users):
    from app.services.access.accounts import actor_for_token, create_token
    from archive.errors import AuthenticationRequired

    token = create_token(kho_rt, users["producer"], "máy quét")
    b = as_role("admin")
    listing = _text(b.get("/admin/tokens"))
    link = re.search(r'<a class="button danger" href="(/admin/tokens/(\d+)/revoke)"', listing)
    assert link, "the list links to a confirmation, it does not revoke at once"
    question = _text(b.get(link.group(1)))
    assert "Thu hồi mã API này?" in question and "máy quét" in question
    assert actor_for_token(kho_rt, token).username == users["producer"]   # asking changed nothing
    b.post(link.group(1), {}, token_from="/admin/tokens")                 # no confirm: asks again
    assert actor_for_token(kho_rt, token).username == users["producer"]
    response = b.post(link.group(1), {"confirm": "yes"}, token_from=link.group(1))
    assert response.status_code == 302
    try:
        actor_for_token(kho_rt, token)
        raise AssertionError("revoked token still works")
    except AuthenticationRequired:
        pass
    assert "Mã này đã bị thu hồi." in _text(b.get(link.group(1)))


# --- vocabularies --------------------------------------------------------------------

def test_a_new_language_and_a_channel_get_their_counting_flags(as_role, kho_rt):
    from app.services.catalogue.vocabularies import list_vocabulary

    b = as_role("admin")
    page = _text(b.get("/admin/vocabularies/language"))
    assert "Tiếng dân tộc thiểu số (tính vào chỉ tiêu tiếng dân tộc)" in page
    b.post("/admin/vocabularies/language", {"action": "add", "code": "gie-trieng",
                                            "label_vi": "Tiếng Giẻ Triêng",
                                            "ethnic_minority": "on"},
           token_from="/admin/vocabularies/language")
    flags = {e.code: e.flags for e in list_vocabulary(kho_rt, "languages")}
    assert flags["gie-trieng"]["ethnic_minority"] is True
    channel = list_vocabulary(kho_rt, "channels")[0]
    b.post("/admin/vocabularies/channel", {"code": channel.code, "label_vi": channel.label_vi,
                                           "label_en": channel.label_en, "active": "on",
                                           "digital_platform": "on"},
           token_from="/admin/vocabularies/channel")
    assert next(e for e in list_vocabulary(kho_rt, "channels")
                if e.code == channel.code).flags["digital_platform"] is True
    assert "Tiếng Giẻ Triêng" in _text(b.get("/products/new"))


def test_a_refused_term_keeps_the_values_and_names_the_code_field(as_role):
    b = as_role("admin")
    response = b.post("/admin/vocabularies/language", {
        "action": "add", "code": "Giẻ Triêng", "label_vi": "Tiếng Giẻ Triêng",
        "ethnic_minority": "on"}, token_from="/admin/vocabularies/language")
    assert response.status_code == 422
    page = _text(response)
    assert _summary(page)[0].startswith("Mã: ")
    assert 'value="Giẻ Triêng"' in page and 'value="Tiếng Giẻ Triêng"' in page
    assert re.search(r'name="ethnic_minority" checked> Tiếng dân tộc', page.split('id="add-term"')[1])


def test_the_code_patterns_are_valid_with_the_v_flag(as_role):
    """Chromium compiles ``pattern`` with the ``v`` flag, where a bare ``-`` in a class
    is a syntax error (the browser test checks the console too)."""
    b = as_role("admin")
    for url in ("/admin/vocabularies/theme", "/admin/units"):
        for pattern in re.findall(r'pattern="([^"]+)"', b.get(url).get_data(as_text=True)):
            classes = re.findall(r"\[([^\]]*)\]", pattern)
            assert all(not re.search(r"(?<!\\)-$", c) for c in classes), (url, pattern)


def test_an_admin_adds_a_unit_and_a_refused_one_keeps_its_values(as_role, kho_rt):
    from app.services.catalogue.vocabularies import list_vocabulary

    b = as_role("admin")
    response = b.post("/admin/units", {"action": "add", "code": "xa-moi-2026", "name": "Xã Mới",
                                       "level": "commune", "gso_code": "23500",
                                       "parent": "tinh-quang-ngai-2025",
                                       "valid_from": "01/01/2026"}, token_from="/admin/units")
    assert response.status_code == 302
    unit = next(e for e in list_vocabulary(kho_rt, "communes") if e.code == "xa-moi-2026")
    assert unit.flags["gso_code"] == "23500" and unit.flags["level"] == "commune"
    refused = b.post("/admin/units", {"action": "add", "code": "xa-khac", "name": "Xã Khác",
                                      "level": "commune", "valid_from": "31/02/2026"},
                     token_from="/admin/units")
    assert refused.status_code == 422
    page = _text(refused)
    assert _summary(page) == ["Hiệu lực từ: 31/02/2026 không phải là ngày có thật"]
    assert 'value="xa-khac"' in page and 'value="Xã Khác"' in page


def test_a_refused_unit_row_keeps_what_was_typed_and_names_the_field(as_role):
    b = as_role("admin")
    response = b.post("/admin/units", {"code": "xa-tan-lap", "name": "Xã Tân Lập",
                                       "valid_from": "", "valid_to": "31/06/2025",
                                       "successor": "xa-kon-braih-2025"},
                      token_from="/admin/units")
    assert response.status_code == 422
    page = _text(response)
    row = re.search(r'<tr id="unit-xa-tan-lap".*?</tr>', page, re.S).group(0)
    assert "Hiệu lực đến: 31/06/2025 không phải là ngày có thật" in row
    assert 'value="31/06/2025"' in row
    # back to the row: the focus goes to its message (autofocus: no #fragment needed)
    assert re.search(r'<p class="field-error" role="alert" id="e-unit-xa-tan-lap" '
                     r'tabindex="-1" autofocus', row)


def test_a_refused_term_row_keeps_what_was_typed(as_role, kho_rt):
    from app.services.catalogue.vocabularies import list_vocabulary

    channel = list_vocabulary(kho_rt, "channels")[0]
    b = as_role("admin")
    response = b.post("/admin/vocabularies/channel", {"code": channel.code, "label_vi": "",
                                                      "label_en": "Typed", "active": "on",
                                                      "digital_platform": "on"},
                      token_from="/admin/vocabularies/channel")
    assert response.status_code == 422
    row = re.search(rf'<tr id="term-{channel.code}".*?</tr>', _text(response), re.S).group(0)
    assert "Nhãn tiếng Việt: " in row and 'value="Typed"' in row
    assert re.search(r'name="digital_platform" checked', row)


def test_only_admins_reach_the_new_admin_steps(as_role, kho_rt, users):
    from app.services.access.accounts import create_token

    create_token(kho_rt, users["producer"], "")
    for role in ("producer", "office", "commune"):
        b = as_role(role)
        assert b.get("/admin/tokens/1/revoke").status_code == 403, role
        assert b.post("/admin/tokens/1/revoke", {"confirm": "yes"},
                      token_from="/search").status_code == 403, role
        assert b.post("/admin/units", {"action": "add", "code": "xa-x", "name": "Xã X",
                                       "level": "commune"},
                      token_from="/search").status_code == 403, role
