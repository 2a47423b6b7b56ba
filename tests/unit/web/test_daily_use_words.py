"""Issue 24, point 8: things said in words. File types ("Âm thanh WAV", not
``audio/x-wav``), the preservation page without setting names and commands outside
its "Dành cho kỹ thuật viên" fold, vocabulary addresses as the CLI names them
(``/admin/vocabularies/themes``), a disabled account told so (only with its right
password), and the message after a save naming the thing and what changed."""
from __future__ import annotations

import html
import re

from tests.unit.web.conftest import PASSWORD, Browser


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash ok" role="status">(.*?)</p>', page, re.S)
    assert found, "no message after saving"
    return found.group(1)


# --- file types ----------------------------------------------------------------------

def test_file_types_are_said_in_words(app):
    from app.web.media_types import media_type_words

    with app.test_request_context("/"):
        assert [media_type_words(t) for t in (
            "image/jpeg", "audio/mpeg", "video/mp4", "application/pdf", "audio/x-wav",
            "video/quicktime", "text/plain", "image/x-xcf", "application/octet-stream",
            None)] == ["Ảnh JPEG", "Âm thanh MP3", "Video MP4", "Tài liệu PDF",
                       "Âm thanh WAV", "Video MOV", "Văn bản thuần", "Ảnh XCF",
                       "Loại tệp không rõ", "Loại tệp không rõ"]
        assert media_type_words("application/vnd.openxmlformats-officedocument."
                                "wordprocessingml.document") == "Tài liệu Word"
    with app.test_request_context("/?lang=en"):
        assert media_type_words("image/jpeg") == "JPEG image"
        assert media_type_words("audio/mpeg") == "MP3 audio"


def test_the_product_page_says_the_file_type_and_keeps_the_mime_type_for_technicians(
        as_role, kho_rt, actors, product_id):
    import io

    from app.services.files.intake import receive
    from tests.unit.web.media import png_bytes

    receive(kho_rt, actors["producer"], product_id, io.BytesIO(png_bytes()), "anh.png")
    commune = _text(as_role("commune").get(f"/products/{product_id}"))
    assert "Loại tệp: Ảnh PNG" in re.sub(r"<[^>]+>", "", commune)
    assert "image/png" not in commune
    producer = _text(as_role("producer").get(f"/products/{product_id}"))
    folded = re.search(r'<details class="technical">.*?</details>', producer, re.S).group(0)
    assert "image/png" in folded                              # the raw type, folded
    assert "Ảnh JPEG (image/jpeg)" in folded                  # the preview, in words too
    outside = producer.replace(folded, "")
    assert "image/png" not in outside and "image/jpeg" not in outside


# --- preservation --------------------------------------------------------------------

def test_the_preservation_page_speaks_vietnamese_and_folds_the_commands(as_role):
    page = _text(as_role("admin").get("/admin/preservation/"))
    fold = re.search(r'<details class="technicians">.*?</details>', page, re.S).group(0)
    outside = page.replace(fold, "")
    assert "replica_storage" not in outside and "kho fixity" not in outside
    assert "SHA-256" not in outside
    assert "Chưa có bản sao thứ hai: mỗi tệp gốc chỉ được lưu ở một nơi." in outside
    assert "<summary>Dành cho kỹ thuật viên</summary>" in fold
    assert "<code>kho fixity --repair</code>" in fold and "replica_storage" in fold


# --- vocabulary addresses ------------------------------------------------------------

def test_vocabulary_addresses_are_the_names_the_cli_uses(as_role):
    b = as_role("admin")
    themes = b.get("/admin/vocabularies/themes")
    assert themes.status_code == 200 and "<h1>Chủ đề</h1>" in _text(themes)
    assert 'action="/admin/vocabularies/themes"' in _text(themes)
    listing = _text(b.get("/admin/vocabularies"))
    assert 'href="/admin/vocabularies/themes"' in listing
    assert 'href="/admin/vocabularies/plan_tasks"' in listing
    assert 'href="/admin/vocabularies/theme"' not in listing
    assert b.get("/admin/vocabularies/theme").status_code == 200        # older links
    assert b.get("/admin/vocabularies/plan-tasks").status_code == 200
    assert b.get("/admin/vocabularies/units").headers["Location"] == "/admin/units"
    assert b.get("/admin/vocabularies/communes").headers["Location"] == \
        "/admin/units?level=commune"
    assert b.get("/admin/vocabularies/khong-co").status_code == 404
    assert as_role("producer").get("/admin/vocabularies/themes").status_code == 403


def test_saving_a_term_names_it_and_what_changed(as_role, kho_rt):
    from app.services.catalogue.vocabularies import list_vocabulary

    b = as_role("admin")
    channel = list_vocabulary(kho_rt, "channels")[0]
    response = b.post("/admin/vocabularies/channels", {
        "code": channel.code, "label_vi": "Loa xã mới", "label_en": channel.label_en,
        "digital_platform": "on" if not channel.flags["digital_platform"] else ""},
        token_from="/admin/vocabularies/channels")
    assert response.headers["Location"] == f"/admin/vocabularies/channels#term-{channel.code}"
    assert _flash(_text(b.get("/admin/vocabularies/channels"))) == (
        "Đã lưu mục «Loa xã mới»: đổi nhãn tiếng Việt, đánh dấu nền tảng số; "
        "không còn để chọn trong các biểu mẫu.")
    b.post("/admin/vocabularies/themes", {"action": "add", "code": "nguoi-cao-tuoi",
                                          "label_vi": "Người cao tuổi"},
           token_from="/admin/vocabularies/themes")
    assert _flash(_text(b.get("/admin/vocabularies/themes"))) == "Đã thêm mục «Người cao tuổi»."


def test_saving_a_unit_names_it_and_what_changed(as_role):
    b = as_role("admin")
    b.post("/admin/units", {"action": "add", "code": "xa-moi-360", "name": "Xã Mới",
                            "level": "commune", "valid_from": "01/07/2025"},
           token_from="/admin/units")
    assert _flash(_text(b.get("/admin/units"))) == "Đã thêm đơn vị «Xã Mới»."
    b.post("/admin/units", {"code": "xa-moi-360", "name": "Xã Mới Đăk Kôi",
                            "valid_from": "02/07/2025", "valid_to": "", "successor": ""},
           token_from="/admin/units")
    assert _flash(_text(b.get("/admin/units"))) == \
        "Đã lưu đơn vị «Xã Mới Đăk Kôi»: đổi tên, ngày hiệu lực."
    b.post("/admin/units", {"code": "xa-moi-360", "name": "Xã Mới Đăk Kôi",
                            "valid_from": "02/07/2025", "valid_to": "", "successor": ""},
           token_from="/admin/units")
    assert _flash(_text(b.get("/admin/units"))) == \
        "Đơn vị «Xã Mới Đăk Kôi»: không có gì thay đổi."


def test_saving_an_account_names_it_and_what_changed(as_role, kho_rt, users, actors):
    from sqlalchemy import update

    from archive.models import User

    with kho_rt.transaction() as session:
        session.execute(update(User).where(User.username == users["office"])
                        .values(display_name="Trần Văn Nam"))
    b = as_role("admin")
    uid = actors["office"].user_id
    b.post(f"/admin/users/{uid}", {"role": "producer", "unit": ""}, token_from="/admin/users")
    assert _flash(_text(b.get("/admin/users"))) == (
        "Đã lưu tài khoản «Trần Văn Nam» (office1): vai trò mới: biên tập; "
        "ngừng sử dụng, đã đăng xuất khỏi mọi thiết bị.")


# --- sign-in -------------------------------------------------------------------------

def test_a_disabled_account_is_told_so_once_its_password_is_right(app, as_role, users,
                                                                  actors):
    from app.services.access.account_admin import update_user

    update_user(app.extensions["kho"], actors["admin"], actors["office"].user_id, active=False)
    wrong = Browser(app.test_client()).login(users["office"], "not-the-password")
    assert wrong.status_code == 401 and "sai tên đăng nhập hoặc mật khẩu" in _text(wrong)
    assert "ngừng sử dụng" not in _text(wrong)
    right = Browser(app.test_client()).login(users["office"], PASSWORD)
    assert right.status_code == 401
    page = _text(right)
    assert "tài khoản này đã bị ngừng sử dụng; hãy nhờ người quản trị Kho cho dùng lại" in page
    assert 'data-role="error-summary"' in page and 'href="#f-username"' in page
