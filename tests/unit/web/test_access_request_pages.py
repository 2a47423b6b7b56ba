"""Access requests in pages, in Vietnamese: a commune's staff meets the 403 page of a
ritual restricted to another commune, asks with a reason, the office grants it from
its queue with a date, and the staff is told in the page header and on "Yêu cầu truy
cập của tôi"; a refusal shows the office's reason; a bad form comes back with the
problem named."""
from __future__ import annotations

from datetime import timedelta

from app.services.common.clock import local_today
from tests.unit.services.access.test_requests import make_product
from tests.unit.web.conftest import csrf_of


def _ritual(kho_rt, commune_code) -> int:
    other = "xa-kon-braih-2025" if commune_code != "xa-kon-braih-2025" else "xa-dak-koi-2025"
    return make_product(kho_rt, "Lễ cúng lúa mới của người Xơ Đăng", "restricted",
                        audience=(other,))


def _ask(staff, ritual: int, reason: str):
    page = staff.get(f"/products/{ritual}")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Đề nghị được tiếp cận" in html and "Lễ cúng lúa mới" in html
    return staff.client.post(f"/products/{ritual}/access-requests",
                             data={"csrf_token": csrf_of(html), "reason": reason})


def test_ask_grant_and_the_requester_is_told_in_vietnamese(kho_rt, commune_code, as_role):
    ritual = _ritual(kho_rt, commune_code)
    staff, office = as_role("commune"), as_role("office")
    sent = _ask(staff, ritual, "Phát lại trong chuyên mục văn hóa dân tộc")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/access-requests")
    mine = staff.get("/access-requests").get_data(as_text=True)
    assert "Yêu cầu truy cập của tôi" in mine and "Đang chờ đơn vị quản lý quyết định" in mine
    waiting = staff.get(f"/products/{ritual}").get_data(as_text=True)   # no second form
    assert "Đề nghị của bạn đang chờ đơn vị quản lý sản phẩm quyết định." in waiting
    assert 'name="reason"' not in waiting
    queue = office.get("/access-requests/queue").get_data(as_text=True)
    assert "Yêu cầu truy cập cần quyết định" in queue
    assert 'aria-label="1 đang chờ">(1)</span>' in queue           # the menu counts it
    assert "Phát lại trong chuyên mục văn hóa dân tộc" in queue and 'type="date"' in queue
    until = local_today(kho_rt.settings) + timedelta(days=10)
    request_id = int(queue.split('id="request-')[1].split('"')[0])
    done = office.client.post(f"/access-requests/{request_id}/grant", data={
        "csrf_token": csrf_of(queue), "grant_until": until.isoformat(), "version": "1"},
        follow_redirects=True)
    assert "Đã cho phép" in done.get_data(as_text=True)
    header = staff.get("/search").get_data(as_text=True)
    assert "Yêu cầu truy cập của bạn có 1 câu trả lời mới." in header
    mine = staff.get("/access-requests").get_data(as_text=True)
    assert f"Đã cho phép đến hết ngày {until.strftime('%d/%m/%Y')}" in mine
    assert "câu trả lời mới" not in staff.get("/search").get_data(as_text=True)  # read once
    assert staff.get(f"/products/{ritual}").status_code == 200
    history = office.get(f"/products/{ritual}").get_data(as_text=True)   # audited
    assert f"cho phép theo đề nghị tiếp cận số {request_id} đến hết ngày" in history
    assert "đề nghị được tiếp cận (đề nghị số" in history


def test_a_refusal_shows_the_office_reason(kho_rt, commune_code, as_role):
    ritual = _ritual(kho_rt, commune_code)
    staff, admin = as_role("commune"), as_role("admin")
    _ask(staff, ritual, "Cần cho buổi sinh hoạt cộng đồng")
    queue = admin.get("/access-requests/queue").get_data(as_text=True)
    request_id = int(queue.split('id="request-')[1].split('"')[0])
    empty = admin.client.post(f"/access-requests/{request_id}/refuse", data={
        "csrf_token": csrf_of(queue), "reason": " "}, follow_redirects=True)
    assert "cần ghi lý do" in empty.get_data(as_text=True)
    admin.client.post(f"/access-requests/{request_id}/refuse", data={
        "csrf_token": csrf_of(queue), "reason": "Cộng đồng chỉ cho nghe tại xã"})
    mine = staff.get("/access-requests").get_data(as_text=True)
    assert "Bị từ chối" in mine and "Cộng đồng chỉ cho nghe tại xã" in mine
    assert staff.get(f"/products/{ritual}").status_code == 403


def test_a_request_without_reason_is_refused_and_commune_has_no_queue(kho_rt, commune_code,
                                                                      as_role):
    ritual = _ritual(kho_rt, commune_code)
    staff = as_role("commune")
    back = _ask(staff, ritual, "")
    assert back.status_code == 302
    page = staff.get(back.headers["Location"]).get_data(as_text=True)
    assert "cần ghi lý do" in page
    assert staff.get("/access-requests/queue").status_code == 403
    menu = staff.get("/search").get_data(as_text=True)
    # the header names "my requests" once there is one (on a phone each link is a row)
    assert "Yêu cầu truy cập của tôi" not in menu and "/access-requests/queue" not in menu
    _ask(staff, ritual, "Xin nghe để phát lại")
    menu = staff.get("/search").get_data(as_text=True)
    assert "Yêu cầu truy cập của tôi" in menu and "/access-requests/queue" not in menu


def test_the_requester_withdraws_a_pending_request(kho_rt, commune_code, as_role):
    ritual = _ritual(kho_rt, commune_code)
    staff = as_role("commune")
    _ask(staff, ritual, "Xin nghe")
    mine = staff.get("/access-requests").get_data(as_text=True)
    request_id = int(mine.split('id="request-')[1].split('"')[0])
    done = staff.client.post(f"/access-requests/{request_id}/withdraw", data={
        "csrf_token": csrf_of(mine), "version": "1"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Đã rút đề nghị của bạn." in html and "Đã rút" in html
