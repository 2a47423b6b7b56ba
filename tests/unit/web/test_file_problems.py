"""On the pages: a failed file's problem in the reader's language with what to do, the
tool's output folded below, Retry and Remove file (POST forms with CSRF) for producers
and admins only, "ready, with a warning", and what an upload says (a duplicate with a
link, a type that does not fit the product's kind, limits in human units)."""
from __future__ import annotations

import html
import io

from sqlalchemy import func, select

from tests.unit.web.media import png_bytes

PROBLEM_VI = "Tệp video bị cắt cụt — hãy tải lên lại bản gốc."


def _failed(kho_rt, actors, product_id: int, name: str = "phong-su.mp4",
            data: bytes = b"\x00\x00\x00\x18ftypmp42" + b"x" * 900) -> int:
    from app.services.processing import pipeline
    from app.services.files.intake import receive
    from archive.models import File

    got = receive(kho_rt, actors["producer"], product_id, io.BytesIO(data), name, queue=False)
    with kho_rt.transaction() as s:
        f = s.get(File, got.file_id)
        f.status, f.problem, f.problem_params = "failed", "video.truncated", {}
        f.error_detail = "probe: ffprobe failed: moov atom not found"
        pipeline.product_status(f.product)
    return got.file_id


def _ready(kho_rt, actors, product_id: int) -> int:
    from app.services.processing import pipeline
    from app.services.files.intake import receive
    from archive.models import File

    got = receive(kho_rt, actors["producer"], product_id, io.BytesIO(b"ID3" + b"r" * 700),
                  "ban-tin.mp3", queue=False)
    with kho_rt.transaction() as s:
        f = s.get(File, got.file_id)
        f.status = "ready"
        pipeline.product_status(f.product)
    return got.file_id


def _page(b, url: str) -> str:
    return html.unescape(b.get(url).get_data(as_text=True))


def test_the_producer_reads_the_problem_with_the_tool_output_and_its_answers(
        as_role, kho_rt, actors, product_id):
    """A video cut short fails again on a retry: no Thử lại, Thay tệp first instead."""
    fid = _failed(kho_rt, actors, product_id)
    page = _page(as_role("producer"), f"/products/{product_id}")
    assert PROBLEM_VI in page
    assert "moov atom not found" in page.split("<details class=\"tool-output\">", 1)[1]
    assert f"/products/{product_id}/files/{fid}/retry" not in page and "Thử lại" not in page
    assert f"/products/{product_id}/files/{fid}/replace" in page and "Thay tệp" in page
    assert f"/products/{product_id}/files/{fid}/remove" in page and "Gỡ tệp" in page
    english = _page(as_role("producer"), f"/products/{product_id}?lang=en")
    assert "The video file is cut short — upload the original file again." in english
    assert "Replace file" in english and "Remove file" in english


def test_a_problem_of_the_moment_is_offered_a_retry(as_role, kho_rt, actors, product_id):
    from archive.models import File

    fid = _failed(kho_rt, actors, product_id)
    with kho_rt.transaction() as s:
        s.get(File, fid).problem, s.get(File, fid).problem_params = "tool.timeout", \
            {"seconds": 600}
    page = _page(as_role("producer"), f"/products/{product_id}")
    assert "Việc xử lý kéo dài quá 600 giây nên đã bị dừng — hãy bấm Thử lại" in page
    assert f"/products/{product_id}/files/{fid}/retry" in page and "Thử lại" in page


def test_commune_staff_read_the_problem_but_get_no_buttons_and_no_tool_output(
        as_role, kho_rt, actors, product_id):
    _ready(kho_rt, actors, product_id)
    fid = _failed(kho_rt, actors, product_id)
    b = as_role("commune")
    page = _page(b, f"/products/{product_id}")
    assert PROBLEM_VI in page
    assert "moov atom" not in page and "/retry" not in page and "/remove" not in page
    token = b.token("/search")
    for action in ("retry", "remove"):
        response = b.client.post(f"/products/{product_id}/files/{fid}/{action}",
                                 data={"csrf_token": token})
        assert response.status_code == 403


def test_retry_and_remove_need_the_forms_csrf_token(as_role, kho_rt, actors, product_id):
    from archive.models import File

    fid = _failed(kho_rt, actors, product_id)
    b = as_role("producer")
    for action in ("retry", "remove"):
        assert b.client.post(f"/products/{product_id}/files/{fid}/{action}").status_code == 400
    with kho_rt.transaction() as s:
        assert s.get(File, fid).status == "failed"


def test_retry_from_the_product_page_sends_it_back_to_processing(
        as_role, kho_rt, actors, product_id):
    from archive.models import Event

    fid = _failed(kho_rt, actors, product_id)
    b = as_role("producer")
    response = b.post(f"/products/{product_id}/files/{fid}/retry", {"back": "product"},
                      token_from=f"/products/{product_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/products/{product_id}")
    page = _page(b, response.headers["Location"])
    assert "Đang xử lý lại phong-su.mp4." in page
    with kho_rt.transaction() as s:   # the immediate queue ran it again
        assert s.scalar(select(func.count(Event.id)).where(Event.action == "file.retry")) == 1
    again = b.post(f"/products/{product_id}/files/{fid}/retry", {"back": "upload"},
                   token_from=f"/products/{product_id}")
    assert again.headers["Location"].endswith(f"/products/{product_id}/upload")


def test_remove_file_takes_it_off_the_product_and_says_so(as_role, kho_rt, actors,
                                                          product_id):
    from archive.models import Event, File

    fid = _failed(kho_rt, actors, product_id)
    b = as_role("admin")
    page = _page(b, f"/products/{product_id}")
    assert "Gỡ phong-su.mp4 khỏi sản phẩm này? Lịch sử vẫn lưu lại việc này." in page
    response = b.post(f"/products/{product_id}/files/{fid}/remove", {},
                      token_from=f"/products/{product_id}")
    assert response.status_code == 302
    page = _page(b, response.headers["Location"])
    assert "Đã gỡ phong-su.mp4 khỏi sản phẩm; lịch sử vẫn lưu lại việc này." in page
    assert PROBLEM_VI not in page
    with kho_rt.transaction() as s:
        assert s.get(File, fid) is None
        assert s.scalar(select(func.count(Event.id)).where(Event.action == "file.remove")) == 1
    twice = b.post(f"/products/{product_id}/files/{fid}/remove", {},
                   token_from=f"/products/{product_id}")
    assert "có thể tệp đã được gỡ" in _page(b, twice.headers["Location"])


def test_a_failed_file_beside_a_ready_one_reads_ready_with_a_warning(
        as_role, kho_rt, actors, product_id):
    _ready(kho_rt, actors, product_id)
    _failed(kho_rt, actors, product_id)
    b = as_role("producer")
    page = _page(b, f"/products/{product_id}")
    assert "Sẵn sàng, có cảnh báo" in page and 'class="status ready warning"' in page
    status = b.get(f"/products/{product_id}/status.json").get_json()
    assert status["status"] == "ready" and status["warnings"] == 1
    assert status["status_label"] == "Sẵn sàng, có cảnh báo"
    assert PROBLEM_VI in [f["error"] for f in status["files"]]
    assert "Sẵn sàng, có cảnh báo" in _page(b, f"/products/{product_id}/upload")


# --- uploads -------------------------------------------------------------------------

def _send(b, product_id: int, data: bytes, name: str):
    return b.client.post(f"/products/{product_id}/files", data=data,
                         headers={"Content-Type": "application/octet-stream",
                                  "X-CSRFToken": b.token("/search"), "X-File-Name": name,
                                  "Accept": "application/json"})


def _second_product(kho_rt, actors, kind: str = "poster") -> int:
    from app.services.catalogue.products import create_product

    return create_product(kho_rt, actors["producer"], {"title": "Tranh cổ động",
                                                       "kind": kind})


def test_a_duplicate_is_said_plainly_with_a_link_to_where_it_is(as_role, kho_rt, actors,
                                                                 product_id):
    b = as_role("producer")
    data = png_bytes(text="trùng")
    other = _second_product(kho_rt, actors)
    assert _send(b, other, data, "poster.png").status_code == 201
    body = _send(b, product_id, data, "ban-sao.png").get_json()
    duplicate = next(n for n in body["notices"] if n["code"] == "duplicate")
    assert duplicate["text"].startswith(f"Tệp này đã có trong kho: sản phẩm #{other}.")
    assert duplicate["link"] == f"sản phẩm #{other}"
    assert duplicate["url"].endswith(f"/products/{other}")
    assert body["duplicate_product"] == other
    again = _send(b, product_id, data, "ban-sao-2.png").get_json()
    assert [n["text"] for n in again["notices"] if n["code"] == "duplicate"] == \
        ["Tệp này đã có trong sản phẩm này: không thêm lại."]


def test_a_duplicate_sent_without_script_links_to_the_product_in_the_message(
        as_role, kho_rt, actors, product_id):
    b = as_role("producer")
    data = png_bytes(text="form")
    other = _second_product(kho_rt, actors)
    _send(b, other, data, "a.png")
    response = b.client.post(f"/products/{product_id}/files", data={
        "csrf_token": b.token(f"/products/{product_id}/upload"),
        "files": [(io.BytesIO(data), "b.png")]}, content_type="multipart/form-data")
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert f'Tệp này đã có trong kho: <a href="/products/{other}">sản phẩm #{other}</a>.' \
        in page


def test_a_file_that_does_not_fit_the_kind_is_kept_with_a_warning(as_role, kho_rt, actors):
    b = as_role("producer")
    poster = _second_product(kho_rt, actors, "poster")
    response = _send(b, poster, b"ID3" + b"m" * 3000, "nhac-nen.mp3")
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind_mismatch"] is True and body["file_id"]
    warning = next(n["text"] for n in body["notices"] if n["code"] == "kind_mismatch")
    assert warning.startswith("Tệp này thuộc loại Âm thanh, không hợp với loại sản phẩm "
                              "“Tranh cổ động” (thường gồm: Hình ảnh, PDF).")
    fits = _send(b, poster, png_bytes(text="vừa"), "tranh.png").get_json()
    assert fits["kind_mismatch"] is False
    assert not [n for n in fits["notices"] if n["code"] == "kind_mismatch"]


def test_upload_limits_read_in_human_units(as_role, product_id):
    page = _page(as_role("producer"), f"/products/{product_id}/upload")
    assert "tối đa 4 GB mỗi tệp" in page
    assert 'data-too-large="{name} quá lớn: tối đa 4 GB mỗi tệp"' in page
    visible = page.replace('data-max-bytes="4294967296"', "")
    assert "4294967296" not in visible and "4.294.967.296" not in visible
    assert "at most 4 GB per file" in _page(as_role("producer"),
                                            f"/products/{product_id}/upload?lang=en")


def test_the_drag_and_drop_hint_is_apart_from_the_touch_hint(as_role, product_id):
    page = _page(as_role("producer"), f"/products/{product_id}/upload")
    assert '<span class="drop-hint">Kéo thả tệp vào đây, hoặc chọn tệp:</span>' in page
    assert '<span class="touch-hint">Chọn tệp cần thêm:</span>' in page


def test_a_radio_features_script_fits_its_kind(as_role, kho_rt, actors):
    """A radio feature arrives with its script as a text document: no warning."""
    b = as_role("producer")
    feature = _second_product(kho_rt, actors, "radio-feature")
    script = "Kịch bản: Bản tin quyền trẻ em, phát sáng thứ hai.\n".encode("utf-8") * 20
    body = _send(b, feature, script, "kich-ban.txt").get_json()
    assert body["kind_mismatch"] is False and body["file_id"]
