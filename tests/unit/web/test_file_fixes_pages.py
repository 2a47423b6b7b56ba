"""Producers fixing files, on the pages: an upload whose name says one type and whose
content is another is told what it really is, at once (script and form); the product
page says so too and offers the original as what it is; "Thay tệp" replaces a file
(page and form without script) and the history says "đã thay tệp X bằng Y"; a removed
file keeps its name in the history; commune staff read no integrity checks, others
find them folded, in words rather than event codes; the upload page's "done" link is
the one the script disables while files are sent."""
from __future__ import annotations

import html
import io
import json
import re
from datetime import datetime

from tests.unit.web.media import png_bytes

NOT_A_PICTURE = "Ghi chú phỏng vấn bà con thôn Kon Bỉ.\n".encode() * 30
MISMATCH_VI = ("Tên tệp có đuôi .jpg, tức là ảnh JPEG, nhưng nội dung thật là văn bản "
               "thuần. Kho lưu tệp này dưới dạng văn bản thuần.")


def _page(b, url: str) -> str:
    return html.unescape(b.get(url).get_data(as_text=True))


def _text(page: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _send(b, product_id: int, data: bytes, name: str) -> dict:
    response = b.client.post(f"/products/{product_id}/files", data=data, headers={
        "Content-Type": "application/octet-stream", "X-CSRFToken": b.token("/search"),
        "X-File-Name": name, "Accept": "application/json"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _failed(kho_rt, actors, product_id: int, name: str = "phong-su.mp4") -> int:
    from app.services.files.intake import receive
    from app.services.processing import pipeline
    from archive.models import File

    got = receive(kho_rt, actors["producer"], product_id,
                  io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + b"x" * 900), name, queue=False)
    with kho_rt.transaction() as s:
        f = s.get(File, got.file_id)
        f.status, f.problem, f.problem_params = "failed", "video.truncated", {}
        pipeline.product_status(f.product)
    return got.file_id


# --- what the content really is --------------------------------------------------------

def test_a_text_file_named_jpg_is_told_at_once_with_a_way_to_replace_it(as_role,
                                                                        product_id):
    b = as_role("producer")
    got = _send(b, product_id, NOT_A_PICTURE, "anh-bia.jpg")
    notice = next(n for n in got["notices"] if n["code"] == "type_mismatch")
    assert notice["text"] == (MISMATCH_VI + " Nếu đây không phải tệp bạn định gửi, "
                              "hãy thay tệp.")
    assert notice["link"] == "thay tệp" and notice["link"] in notice["text"]
    assert notice["url"].endswith(
        f"/products/{product_id}/files/{got['file_id']}/replace?back=upload")
    english = b.client.post(f"/products/{product_id}/files?lang=en", data=NOT_A_PICTURE
                            + b"!", headers={"Content-Type": "application/octet-stream",
                                             "X-CSRFToken": b.token("/search"),
                                             "X-File-Name": "cover.jpg",
                                             "Accept": "application/json"}).get_json()
    said = next(n for n in english["notices"] if n["code"] == "type_mismatch")["text"]
    assert said.startswith("The name ends in .jpg, which means JPEG image, but the "
                           "content is really plain text.")


def test_a_png_named_jpg_works_and_is_only_noted(as_role, product_id):
    got = _send(as_role("producer"), product_id, png_bytes(), "poster.jpg")
    codes = [n["code"] for n in got["notices"]]
    assert "type_mismatch" not in codes and "type_note" in codes
    note = next(n for n in got["notices"] if n["code"] == "type_note")["text"]
    assert "ảnh PNG" in note and "không cần làm gì" in note


def test_without_script_the_warning_is_flashed(as_role, product_id):
    b = as_role("producer")
    response = b.client.post(f"/products/{product_id}/files", data={
        "csrf_token": b.token(f"/products/{product_id}/upload"),
        "files": [(io.BytesIO(NOT_A_PICTURE), "anh-bia.jpg")]},
        content_type="multipart/form-data")
    page = _page(b, response.headers["Location"])
    assert MISMATCH_VI in _text(page)
    assert re.search(r'class="flash warning"[^>]*>[^<]*Tên tệp có đuôi \.jpg', page)


def test_the_product_page_says_what_was_found_and_offers_it_as_what_it_is(
        as_role, product_id):
    b = as_role("producer")
    got = _send(b, product_id, NOT_A_PICTURE, "anh-bia.jpg")
    page = _page(b, f"/products/{product_id}")
    section = re.search(r'<section class="files">.*?</section>', page, re.S).group(0)
    files = _text(re.sub(r'<details class="technical">.*?</details>', "", section, flags=re.S))
    assert MISMATCH_VI in files and "hãy thay tệp" in files
    assert "không khớp" not in files and "image/jpeg" not in files     # words, not types
    assert "Bản gốc TXT" in files and "Bản gốc JPG" not in files
    assert f'download="{product_id}-' in page and '.txt"' in page
    assert f"/products/{product_id}/files/{got['file_id']}/replace" in page
    commune = _text(_page(as_role("commune"), f"/products/{product_id}"))
    assert MISMATCH_VI in commune and "/replace" not in commune and "Thay tệp" not in commune


# --- replacing -------------------------------------------------------------------------

def test_replace_page_says_what_is_wrong_and_replaces_without_script(
        as_role, kho_rt, actors, product_id, tmp_path):
    from archive.models import File
    from tests.unit.web.media import wav_file

    fid = _failed(kho_rt, actors, product_id)
    b = as_role("producer")
    form = _page(b, f"/products/{product_id}/files/{fid}/replace")
    assert "Thay phong-su.mp4" in form
    assert "Tệp video bị cắt cụt — hãy tải lên lại bản gốc." in form
    assert 'enctype="multipart/form-data"' in form and 'type="file" name="file"' in form
    wav = wav_file(tmp_path / "ban-tin.wav").read_bytes()
    response = b.client.post(f"/products/{product_id}/files/{fid}/replace", data={
        "csrf_token": b.token(f"/products/{product_id}/files/{fid}/replace"),
        "file": (io.BytesIO(wav), "phong-su đầy đủ.wav")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/products/{product_id}")
    page = _page(b, response.headers["Location"])
    assert "Đã thay phong-su.mp4 bằng phong-su đầy đủ.wav." in page
    with kho_rt.transaction() as s:
        assert s.get(File, fid) is None
    history = _text(re.search(r'<section class="history">.*?</section>', page, re.S).group(0))
    assert "producer1 đã thay tệp phong-su.mp4 bằng phong-su đầy đủ.wav" in history
    assert "đã tải lên tệp phong-su.mp4" in history                 # the old line, named
    assert "đã tải lên tệp phong-su đầy đủ.wav" not in history      # said by the replacement
    assert "tệp tệp" not in history and "một tệp không còn" not in history


def test_replacing_without_choosing_a_file_asks_for_one(as_role, kho_rt, actors, product_id):
    fid = _failed(kho_rt, actors, product_id)
    b = as_role("producer")
    url = f"/products/{product_id}/files/{fid}/replace"
    response = b.client.post(url, data={"csrf_token": b.token(url)},
                             content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Hãy chọn tệp mới." in html.unescape(response.get_data(as_text=True))


def test_commune_and_office_accounts_cannot_replace(as_role, kho_rt, actors, product_id):
    fid = _failed(kho_rt, actors, product_id)
    for role in ("commune", "office"):
        assert as_role(role).get(
            f"/products/{product_id}/files/{fid}/replace").status_code == 403


def test_a_file_already_gone_sends_back_to_the_product_saying_so(as_role, product_id):
    b = as_role("producer")
    response = b.get(f"/products/{product_id}/files/99999/replace")
    assert response.status_code == 302
    assert "có thể tệp đã được gỡ" in _page(b, response.headers["Location"])


# --- the history -----------------------------------------------------------------------

def test_a_removed_file_keeps_its_name_in_the_history(as_role, kho_rt, actors, product_id):
    fid = _failed(kho_rt, actors, product_id, "hong.mp4")
    b = as_role("producer")
    b.post(f"/products/{product_id}/files/{fid}/remove", {},
           token_from=f"/products/{product_id}")
    history = _text(re.search(r'<section class="history">.*?</section>',
                              _page(b, f"/products/{product_id}"), re.S).group(0))
    assert "producer1 đã gỡ tệp hong.mp4" in history
    assert "producer1 đã tải lên tệp hong.mp4" in history
    assert "tệp tệp" not in history and "không còn trong sản phẩm" not in history


def test_a_file_no_record_names_is_numbered_not_doubled(app):
    from app.web.history import history_entries

    rows = [{"type": "event", "action": "file.receive", "outcome": "ok", "file_id": 12,
             "at": datetime(2025, 8, 20, 6, 30), "user_name": "Lê Văn Tư", "detail": ""}]
    with app.test_request_context("/"):
        said = str(history_entries(rows, {})[0]["sentence"])
    assert said == "Lê Văn Tư đã tải lên tệp số 12, không còn trong sản phẩm này"


def test_integrity_checks_are_not_for_commune_staff_and_folded_in_words_for_others(
        as_role, kho_rt, actors, product_id):
    from app.services.files.intake import receive
    from app.services.preservation import fixity

    receive(kho_rt, actors["producer"], product_id, io.BytesIO(png_bytes()), "poster.png")
    fixity.run(kho_rt, fixity.select_targets(kho_rt, product_id=product_id))
    checked = "Đã kiểm tra: bản lưu của tệp poster.png còn nguyên vẹn"
    commune = _page(as_role("commune"), f"/products/{product_id}")
    history = re.search(r'<section class="history">.*?</section>', commune, re.S).group(0)
    assert checked not in commune and "Xử lý và kiểm tra tự động" not in commune
    assert "đã tải lên tệp poster.png" in _text(history)
    for role in ("producer", "office"):
        page = _page(as_role(role), f"/products/{product_id}")
        history = re.search(r'<section class="history">.*?</section>', page, re.S).group(0)
        main, folded = history.split("<details", 1)
        assert checked not in main and checked in folded
        assert "Xử lý và kiểm tra tự động của Kho (" in folded
        for code in ("fixity.check", "file.receive", " · ok", "sha256="):
            assert code not in history, code


def test_a_retry_reads_in_words_in_the_folded_part(app):
    from app.web.history import history_entries

    rows = [{"type": "event", "action": "file.retry", "outcome": "ok", "file_id": 7,
             "at": datetime(2025, 8, 20, 6, 30), "user_name": "Nguyễn Thu Hà",
             "detail": "problem was video.truncated", "tool": "kho"}]
    with app.test_request_context("/"):
        entry = history_entries(rows, {7: "phong-su.mp4"})[0]
    assert entry["folded"] and entry["technical"] == ""
    assert str(entry["sentence"]) == "Nguyễn Thu Hà đã yêu cầu xử lý lại tệp phong-su.mp4"


def test_a_replacement_in_english(app):
    from app.web.history import history_entries

    detail = json.dumps({"filename": "cut.mp4", "replaced_by": 9, "new_filename": "whole.mp4"})
    rows = [{"type": "event", "action": "file.replace", "outcome": "ok", "file_id": 3,
             "at": datetime(2025, 8, 20, 6, 30), "user_name": "Hà", "detail": detail},
            {"type": "event", "action": "file.receive", "outcome": "ok", "file_id": 9,
             "at": datetime(2025, 8, 20, 6, 30), "user_name": "Hà", "detail": ""}]
    with app.test_request_context("/?lang=en"):
        entries = history_entries(rows, {9: "whole.mp4"})
    assert str(entries[0]["sentence"]) == "Hà replaced the file cut.mp4 with whole.mp4"
    assert entries[1]["sentence"] is None and not entries[0]["folded"]


# --- the upload page -------------------------------------------------------------------

def test_the_done_link_is_the_one_the_script_holds_while_files_are_sent(as_role,
                                                                        product_id):
    page = _page(as_role("producer"), f"/products/{product_id}/upload")
    assert re.search(r'<a class="button" data-role="upload-done" href="/products/'
                     rf'{product_id}">Xong: xem sản phẩm</a>', page)
    wait = re.search(r'<span class="hint" data-role="upload-wait"[^>]*hidden>([^<]+)<', page)
    assert wait and "hãy ở lại trang này" in wait.group(1)


def test_content_kho_does_not_recognise_is_said_so(app):
    from app.web.technical import type_mismatch

    file = {"type_mismatch": True, "media_type": "application/octet-stream",
            "declared_type": "video/mp4", "original_filename": "phong-su.mp4"}
    with app.test_request_context("/"):
        said = type_mismatch(file)
    assert said == {"text": "Tên tệp có đuôi .mp4, tức là video MP4, nhưng Kho không nhận "
                            "ra nội dung của tệp. Kho vẫn giữ nguyên tệp.",
                    "same_kind": False}
