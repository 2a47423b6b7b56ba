"""The yearly contribution pages (issue 21, part 3), in Vietnamese: a commune office sees
what it owes on its dashboard, files its 2026 part; the province office finds it in its
checklist, returns it once with a reason; the commune resubmits; the province accepts.
"""
from __future__ import annotations

import pytest

from tests.unit.web.conftest import PASSWORD, Browser

COMMUNE = "xa-dak-koi-2025"
PROVINCE_BODY = "so-vhttdl-quang-ngai-2025"
PAGE = f"/contributions/{COMMUNE}/2026"


@pytest.fixture
def offices(app, kho_rt):
    """Signed-in browsers of a commune office and the province's Sở VHTTDL office."""
    from app.services.access.accounts import add_user, set_locale, actor_by_name

    signed = {}
    for name, unit in (("vh-xa", COMMUNE), ("vh-so", PROVINCE_BODY)):
        add_user(kho_rt, name, "office", PASSWORD, unit=unit)
        set_locale(kho_rt, actor_by_name(kho_rt, name), "vi")
        b = Browser(app.test_client())
        assert b.login(name).status_code == 302
        signed[name] = b
    return signed


def test_the_story_of_a_2026_contribution(offices):
    xa, so = offices["vh-xa"], offices["vh-so"]
    dash = xa.get("/dashboard").get_data(as_text=True)
    assert "Báo cáo đơn vị cần gửi" in dash and PAGE in dash

    own = xa.get("/contributions")          # a commune collects nothing: what it owes
    assert own.status_code == 200 and PAGE in own.get_data(as_text=True)
    form = xa.get(PAGE).get_data(as_text=True)
    assert "Lưu nháp" in form and "Gửi báo cáo" in form
    sent = xa.post(PAGE, {"results": "Tổ chức 3 hội nghị.\r\n\r\nPhát 12 bản tin.",
                          "difficulties": "Thiếu loa.", "proposals": "Cấp loa.",
                          "product_ids": "", "activity_ids": "", "action": "submit"},
                   token_from=PAGE)
    assert sent.status_code == 302
    shown = xa.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Đã gửi cơ quan tổng hợp." in shown and "Tổ chức 3 hội nghị." in shown

    board = so.get("/contributions?year=2026").get_data(as_text=True)
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi" in board
    assert "1/3 đơn vị đã gửi báo cáo" in board and "Chưa gửi báo cáo" in board

    review = f"{PAGE}/review"
    empty = so.post(review, {"action": "return", "reason": " "}, token_from=PAGE)
    assert empty.status_code == 422 and "hãy nêu lý do trả lại báo cáo" in \
        empty.get_data(as_text=True)
    back = so.post(review, {"action": "return", "reason": "Bổ sung số liệu tháng 10."},
                   token_from=PAGE)
    assert back.status_code == 302
    returned = xa.get(PAGE).get_data(as_text=True)
    assert "Bổ sung số liệu tháng 10." in returned and "Lưu nháp" in returned
    again = xa.post(PAGE, {"results": "Tổ chức 4 hội nghị.", "difficulties": "",
                           "proposals": "", "product_ids": "", "activity_ids": "",
                           "action": "submit"}, token_from=PAGE)
    assert again.status_code == 302
    done = so.post(review, {"action": "accept"}, token_from=PAGE)
    assert done.status_code == 302
    final = so.get(PAGE).get_data(as_text=True)
    assert "Đã chấp nhận" in final and "Tổ chức 4 hội nghị." in final
    assert "Bổ sung số liệu tháng 10." in final          # the history keeps the reason
    late = xa.post(PAGE, {"results": "sửa", "action": "submit"}, token_from="/dashboard")
    assert late.status_code == 409 and "đã được chấp nhận" in late.get_data(as_text=True)
    assert f'href="{PAGE}"' not in xa.get("/dashboard").get_data(as_text=True)  # owes no more


def test_bad_input_is_shown_beside_the_form_with_the_text_kept(offices):
    xa = offices["vh-xa"]
    bad = xa.post(PAGE, {"results": "Kết quả giữ lại", "product_ids": "12a",
                         "action": "save"}, token_from=PAGE)
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Sản phẩm liên quan: không phải số: 12a" in body
    assert "Kết quả giữ lại" in body
    outside = xa.get("/contributions/xa-dak-koi-2025/2031")
    assert outside.status_code == 422


def test_another_communes_contribution_is_forbidden(offices):
    assert offices["vh-xa"].get("/contributions/xa-kon-braih-2025/2026").status_code == 403
    assert offices["vh-xa"].post("/contributions/xa-kon-braih-2025/2026",
                                 {"results": "x", "action": "save"},
                                 token_from=PAGE).status_code == 403


def test_admins_see_a_checklist_and_producers_none(as_role):
    page = as_role("admin").get("/contributions?year=2026")
    assert page.status_code == 200
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi" in page.get_data(as_text=True)
    assert as_role("producer").get("/contributions").status_code == 403


def test_the_province_office_can_look_back_at_the_district_years(offices):
    so = offices["vh-so"]
    gone = so.get("/contributions?year=2024")        # the Sở began on 1/7/2025
    body = gone.get_data(as_text=True)
    assert gone.status_code == 422 and "25/11/2024" in body
    assert 'value="phong-vhtt-kon-ray"' in body       # offered the body of that year
    then = so.get("/contributions?year=2024&unit=phong-vhtt-kon-ray").get_data(as_text=True)
    assert "Thị trấn Đăk Rve" in then and "0/18 đơn vị đã gửi báo cáo" in then
