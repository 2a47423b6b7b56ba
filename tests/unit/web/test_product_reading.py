"""The product page as commune radio staff and producers read it: history in plain
sentences with labels and full names, technical details folded (and absent for commune
accounts), technical facts in human form, description paragraphs (escaped), download
labels in both languages, and the page-by-page PDF reader."""
from __future__ import annotations

import html
import io
import re

import pytest

from tests.unit.web.conftest import first_code
from tests.unit.web.media import png_bytes, wav_file


def _text(response) -> str:
    """The page's visible text, tags removed, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section class="{name}".*?</section>', page, re.S)
    assert found, f"no {name} section"
    return found.group(0)


def _named(kho_rt, username: str, display_name: str) -> None:
    from archive.models import User

    with kho_rt.transaction() as session:
        session.query(User).filter(User.username == username).one().display_name = display_name


def _language(kho_rt, label_part: str):
    from app.services.catalogue.vocabularies import list_vocabulary

    return next(e for e in list_vocabulary(kho_rt, "languages") if label_part in e.label("vi"))


@pytest.fixture
def audio_product(kho_rt, actors, product_id, tmp_path):
    from app.services.files.intake import receive

    wav = wav_file(tmp_path / "tone.wav", seconds=2.0)
    with wav.open("rb") as stream:
        got = receive(kho_rt, actors["producer"], product_id, stream, "Bản tin.wav")
    return product_id, got.file_id


@pytest.fixture
def pdf_product(kho_rt, actors, tmp_path):
    """A product with a 3-page PDF (text layer) processed."""
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product
    from tests.unit.ingest.media_factory import text_pdf

    pid = create_product(kho_rt, actors["producer"], {"title": "Tài liệu pháp luật"})
    pdf = text_pdf(tmp_path / "luat.pdf", [f"Trang so {n} ban tin phap luat xa" for n in (1, 2, 3)])
    with pdf.open("rb") as stream:
        got = receive(kho_rt, actors["producer"], pid, stream, "Luật trẻ em.pdf")
    return pid, got.file_id


# --- history -------------------------------------------------------------------------

def test_an_edit_reads_as_a_sentence_with_the_editors_name_and_labels(
        as_role, kho_rt, actors, users, product_id):
    from app.services.catalogue.products import update_product

    _named(kho_rt, users["producer"], "Nguyễn Thu Hà")
    viet = _language(kho_rt, "Việt")
    sedang = _language(kho_rt, "Xơ Đăng")
    update_product(kho_rt, actors["producer"], product_id,
                   {"languages": [viet.code, sedang.code]})
    text = _text(as_role("office").get(f"/products/{product_id}"))
    assert (f"Nguyễn Thu Hà đã sửa: Ngôn ngữ: {viet.label('vi')} → "
            f"{viet.label('vi')}, {sedang.label('vi')}") in text
    assert "Nguyễn Thu Hà đã tạo sản phẩm" in text
    assert sedang.code not in text.split("Lịch sử", 1)[1]        # labels, never codes
    assert "languages" not in text


def test_units_and_dates_in_an_edit_are_named_not_coded(as_role, kho_rt, actors, product_id):
    from app.services.catalogue.products import update_product
    from app.services.catalogue.vocabularies import list_vocabulary

    unit = list_vocabulary(kho_rt, "units")[0]
    update_product(kho_rt, actors["producer"], product_id,
                   {"lead_unit": unit.code, "produced_on": "01/06/2024"})
    text = _text(as_role("office").get(f"/products/{product_id}"))
    assert f"Đơn vị chủ trì: (trống) → {unit.label('vi')}" in text
    assert "Ngày sản xuất: 31/05/2024 → 01/06/2024" in text


def test_history_in_english_when_the_page_is_english(as_role, kho_rt, actors, users,
                                                    product_id):
    from app.services.catalogue.products import update_product

    _named(kho_rt, users["producer"], "Nguyễn Thu Hà")
    update_product(kho_rt, actors["producer"], product_id, {"title": "Bản tin mới"})
    text = _text(as_role("office").get(f"/products/{product_id}?lang=en"))
    assert "Nguyễn Thu Hà edited: Title: Quyền trẻ em ở Kon Rẫy → Bản tin mới" in text
    assert "Nguyễn Thu Hà created the product" in text


def test_processing_events_say_what_happened(as_role, audio_product):
    product_id, _ = audio_product
    page = as_role("producer").get(f"/products/{product_id}")
    history = _section(page.get_data(as_text=True), "history")
    text = _text(page)
    assert "Đã tạo bản MP3 phát thanh" in text
    assert "Đã tạo bản MP3 nghe trên web" in text
    assert "producer1 đã tải lên tệp Bản tin.wav" in text     # no full name: the login
    visible = history.split("<details", 1)[0]
    assert "ffmpeg" not in visible and "<code>" not in visible and " ok" not in visible
    assert "ffmpeg" in history                                # tools folded below
    english = _text(as_role("producer").get(f"/products/{product_id}?lang=en"))
    assert "Made the broadcast MP3" in english and "Made the web preview MP3" in english
    assert "producer1 uploaded the file Bản tin.wav" in english


def test_a_failed_step_is_said_plainly(as_role, kho_rt, actors, product_id):
    from archive.models import Event

    with kho_rt.transaction() as session:
        session.add(Event(product_id=product_id, action="broadcast", tool="ffmpeg",
                          tool_version="7.1", outcome="failed", detail="Invalid data found"))
    text = _text(as_role("producer").get(f"/products/{product_id}"))
    assert "Không tạo được bản MP3 phát thanh" in text


# --- technical details ------------------------------------------------------------

def test_commune_accounts_see_no_sha256_tools_or_mime_types(as_role, kho_rt, audio_product):
    from archive.models import File

    product_id, file_id = audio_product
    with kho_rt.transaction() as session:
        sha = session.get(File, file_id).sha256
    commune = as_role("commune").get(f"/products/{product_id}").get_data(as_text=True)
    assert "SHA-256" not in commune and sha[:16] not in commune
    assert "Chi tiết kỹ thuật" not in commune
    assert "audio/" not in commune and "ffmpeg" not in commune and "ffprobe" not in commune
    producer = as_role("producer").get(f"/products/{product_id}").get_data(as_text=True)
    folded = re.findall(r"<details class=\"technical\">.*?</details>", producer, re.S)
    assert any(sha in block for block in folded)              # whole digest, folded
    assert any("audio/" in block for block in folded)
    assert "Chi tiết kỹ thuật" in producer
    outside = re.sub(r"<details class=\"technical\">.*?</details>", "", producer, flags=re.S)
    assert sha[:16] not in outside


def test_audio_facts_in_human_form(as_role, audio_product):
    product_id, _ = audio_product
    files = _text_of(as_role("commune").get(f"/products/{product_id}"), "files")
    assert "Thời lượng: 2 giây" in files
    assert "Âm thanh: PCM 16 bit, 22,05 kHz, đơn kênh (mono)" in files
    english = _text_of(as_role("commune").get(f"/products/{product_id}?lang=en"), "files")
    assert "Duration: 2 s" in english and "Sound: PCM 16 bit, 22.05 kHz, mono" in english


def _text_of(response, section: str) -> str:
    part = _section(response.get_data(as_text=True), section)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split())


def test_durations_read_in_minutes_and_seconds(app):
    from app.web.formatting import duration

    with app.test_request_context("/"):
        assert duration(245.4) == "4 phút 05 giây"
        assert duration(3725) == "1 giờ 02 phút 05 giây"
        assert duration(0.4) == "1 giây"
    with app.test_request_context("/?lang=en"):
        assert duration(245.4) == "4 min 05 s"


def test_video_image_and_pdf_facts(app):
    from app.web.technical import file_facts

    video = {"category": "video", "technical": {
        "duration_s": 65.0, "video": {"codec": "h264", "width": 1920, "height": 1080,
                                      "display_width": 1920, "display_height": 1080,
                                      "fps": 25.0},
        "audio": {"codec": "aac", "sample_rate_hz": 48000, "channels": 2}}}
    image = {"category": "image", "technical": {"width": 3000, "height": 2000,
                                                "dpi": [300.0, 300.0]}}
    pdf = {"category": "pdf", "technical": {"pages": 12, "page_width_mm": 210.0,
                                            "page_height_mm": 297.0}}
    with app.test_request_context("/"):
        assert file_facts(video) == [("Thời lượng", "1 phút 05 giây"),
                                     ("Khung hình", "1920 × 1080"),
                                     ("Video", "H.264, 25 hình/giây"),
                                     ("Âm thanh", "AAC, 48 kHz, stereo")]
        assert file_facts(image) == [("Khung hình", "3000 × 2000 px"),
                                     ("Độ phân giải", "300 dpi")]
        assert file_facts(pdf) == [("Số trang", "12"), ("Khổ trang", "A4 (210 × 297 mm)")]
        assert file_facts({"category": "text", "technical": {
            "format": "docx", "pages": 3, "words": 1234}}) == [("Số trang", "3"),
                                                               ("Số từ", "1.234")]


# --- description -------------------------------------------------------------------

def test_description_keeps_paragraphs_and_line_breaks_and_stays_escaped(
        as_role, kho_rt, actors, product_id):
    from app.services.catalogue.products import update_product

    update_product(kho_rt, actors["producer"], product_id, {
        "description": "Đoạn một, dòng một\nDòng hai\n\nĐoạn hai <script>alert(1)</script>"})
    page = as_role("office").get(f"/products/{product_id}").get_data(as_text=True)
    block = re.search(r'<div class="description">(.*?)</div>', page, re.S).group(1)
    assert block == ("<p>Đoạn một, dòng một<br>\nDòng hai</p>"
                     "<p>Đoạn hai &lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert "<script>alert(1)" not in page


# --- downloads ---------------------------------------------------------------------

def test_download_labels_in_vietnamese_and_english_and_no_waveform_download(
        as_role, audio_product):
    product_id, file_id = audio_product
    b = as_role("commune")
    files = _section(b.get(f"/products/{product_id}").get_data(as_text=True), "files")
    labels = [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", m).split()))
              for m in re.findall(r"<a class=\"button\" href=[^>]*>(.*?)</a>", files, re.S)]
    assert [re.sub(r" \(.*\)$", "", t) for t in labels] == [
        "Bản gốc WAV", "MP3 phát thanh", "MP3 nghe trên web"]
    assert all(re.search(r"\(\d+(,\d)? (B|kB|MB)\)$", t) for t in labels)
    assert "/waveform?download=1" not in files
    english = _section(b.get(f"/products/{product_id}?lang=en").get_data(as_text=True), "files")
    assert ">Broadcast MP3 <small>" in english and ">Web preview MP3 <small>" in english
    assert ">Original WAV <small>" in english
    assert ">broadcast" not in english and ">lowband" not in english
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert f"/products/{product_id}/files/{file_id}/waveform\"" in page   # still a picture


def test_image_downloads_are_labelled(as_role, kho_rt, actors, product_id):
    from app.services.files.intake import receive

    receive(kho_rt, actors["producer"], product_id, io.BytesIO(png_bytes()), "poster.png")
    files = _text_of(as_role("office").get(f"/products/{product_id}?lang=en"), "files")
    assert "Original PNG" in files and "Preview image" in files
    assert "Thumbnail" not in files.split("Technical details")[0]


# --- display names -----------------------------------------------------------------

def test_header_and_created_by_show_full_names(as_role, kho_rt, users, product_id):
    _named(kho_rt, users["producer"], "Nguyễn Thu Hà")
    _named(kho_rt, users["office"], "Trần Văn Nam")
    page = as_role("office").get(f"/products/{product_id}").get_data(as_text=True)
    assert re.search(r'<span class="user">Trần Văn Nam \(', page)
    metadata = _text_of(as_role("office").get(f"/products/{product_id}"), "metadata")
    assert "Nguyễn Thu Hà" in metadata and "producer1" not in metadata
    no_name = as_role("admin").get("/search").get_data(as_text=True)
    assert re.search(r'<span class="user">admin1 \(', no_name)     # login when no name


def test_the_header_name_comes_with_the_signed_in_account(as_role, kho_rt, users):
    from app.services.access.accounts import actor_by_name

    _named(kho_rt, users["office"], "Trần Văn Nam")
    actor = actor_by_name(kho_rt, users["office"])
    assert (actor.display_name, actor.name) == ("Trần Văn Nam", "Trần Văn Nam")
    office = as_role("office")
    assert re.search(r'<span class="user">Trần Văn Nam \(',
                     office.get("/search").get_data(as_text=True))
    _named(kho_rt, users["office"], "Trần Thị Nam")           # renamed by an admin
    assert re.search(r'<span class="user">Trần Thị Nam \(',      # the next page says so
                     office.get("/search").get_data(as_text=True))
    _named(kho_rt, users["office"], "  ")
    assert actor_by_name(kho_rt, users["office"]).name == users["office"]


# --- PDF page by page --------------------------------------------------------------

def test_pdf_is_read_page_by_page(as_role, pdf_product):
    pid, fid = pdf_product
    b = as_role("commune")
    product = b.get(f"/products/{pid}").get_data(as_text=True)
    assert f'href="/products/{pid}/files/{fid}/pages/1"' in product
    assert "Số trang: 3" in _text_of(b.get(f"/products/{pid}"), "files")
    first = b.get(f"/products/{pid}/files/{fid}/pages/1")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Trang 1/3" in _text(first)
    assert f'href="/products/{pid}/files/{fid}/pages/2"' in page
    assert f'/pages/0"' not in page and 'rel="prev"' not in page
    middle = b.get(f"/products/{pid}/files/{fid}/pages/2").get_data(as_text=True)
    assert 'rel="prev"' in middle and 'rel="next"' in middle
    last = b.get(f"/products/{pid}/files/{fid}/pages/3")
    assert "Trang 3/3" in _text(last) and 'rel="next"' not in last.get_data(as_text=True)


def test_pdf_page_image_is_a_1000_px_jpeg_kept_in_storage(as_role, kho_rt, pdf_product):
    from PIL import Image

    from archive.models import File

    pid, fid = pdf_product
    b = as_role("commune")
    response = b.get(f"/products/{pid}/files/{fid}/pages/2/image")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(response.data))
    assert picture.format == "JPEG" and picture.width == 1000
    assert abs(picture.height - 1000 * 792 / 612) <= 1          # Letter page, upright
    with kho_rt.transaction() as session:
        sha = session.get(File, fid).sha256
    key = f"derivatives/{sha[:2]}/{sha[2:4]}/{sha}/page-2-w1000.jpg"
    assert kho_rt.storage.exists(key)
    assert b.get(f"/products/{pid}/files/{fid}/pages/2/image").data == response.data
    with kho_rt.transaction() as session:                      # a cache, not a rendition
        assert [d.name for d in session.get(File, fid).derivatives if "page" in d.name] == []


def test_pdf_pages_that_do_not_exist_are_404_with_a_clear_message(as_role, pdf_product):
    pid, fid = pdf_product
    b = as_role("commune")
    for bad in ("0", "4", "999999999"):
        response = b.get(f"/products/{pid}/files/{fid}/pages/{bad}")
        assert response.status_code == 404
        assert f"không có trang {bad}: tệp PDF này có các trang từ 1 đến 3" in _text(response)
        assert f'href="/products/{pid}/files/{fid}/pages/1"' in response.get_data(as_text=True)
    word = b.get(f"/products/{pid}/files/{fid}/pages/hai")
    assert word.status_code == 404 and "hai không phải là số trang" in _text(word)
    assert b.get(f"/products/{pid}/files/{fid}/pages/4/image").status_code == 404
    assert b.get(f"/products/{pid}/files/{fid}/pages/-1/image").status_code == 404
    english = b.get(f"/products/{pid}/files/{fid}/pages/4?lang=en")
    assert "there is no page 4: this PDF has pages 1 to 3" in _text(english)


def test_pdf_pages_follow_the_products_permissions(as_role, kho_rt, actors, pdf_product,
                                                   audio_product):
    from tests.access_doors import set_access

    pid, fid = pdf_product
    set_access(kho_rt, pid, "closed")
    commune = as_role("commune")
    assert commune.get(f"/products/{pid}/files/{fid}/pages/1").status_code == 404
    assert commune.get(f"/products/{pid}/files/{fid}/pages/1/image").status_code == 404
    office = as_role("office")
    assert office.get(f"/products/{pid}/files/{fid}/pages/1").status_code == 200
    assert office.get(f"/products/{pid}/files/{fid}/pages/1/image").status_code == 200
    signed_out = as_role("office").client.application.test_client()
    assert signed_out.get(f"/products/{pid}/files/{fid}/pages/1").status_code in (302, 303)
    audio_pid, audio_fid = audio_product                      # not a PDF
    assert office.get(f"/products/{audio_pid}/files/{audio_fid}/pages/1").status_code == 404
    assert office.get(f"/products/{audio_pid}/files/{fid}/pages/1").status_code == 404


def test_broadcast_retry_and_confirmed_suggestion_sentences(app, kho_rt, commune_code):
    from datetime import datetime

    from app.services.catalogue.vocabularies import list_vocabulary
    from app.web.history import history_entries

    commune = next(e for e in list_vocabulary(kho_rt, "communes") if e.code == commune_code)
    theme = list_vocabulary(kho_rt, "themes")[0]
    at = datetime(2025, 8, 20, 6, 30)
    rows = [
        {"type": "event", "action": "broadcast.log", "outcome": "ok", "at": at,
         "detail": f"aired on 2025-08-20 by {commune_code}", "user_name": "Lê Văn Tư"},
        {"type": "event", "action": "broadcast.withdraw", "outcome": "ok", "at": at,
         "detail": f"log #3 withdrawn: aired on 2025-08-20 by {commune_code}",
         "user_name": "Lê Văn Tư"},
        {"type": "event", "action": "file.retry", "outcome": "ok", "at": at, "file_id": 7,
         "detail": "problem was video.truncated", "user_name": "Nguyễn Thu Hà"},
        {"type": "event", "action": "ocr", "outcome": "skipped", "at": at, "file_id": 7,
         "tool": "tesseract", "tool_version": "5.3", "detail": "PDF has a text layer"},
        {"type": "change", "action": "update", "at": at, "user_name": "Nguyễn Thu Hà",
         "changes": {"themes": [None, f"+{theme.code} (confirmed)"]}},
    ]
    with app.test_request_context("/"):
        entries = history_entries(rows, {7: "phong-su.mp4"})
        said = [str(e["sentence"]) if e["sentence"] else None for e in entries]
    assert said[0] == f"Lê Văn Tư đã ghi nhận {commune.label('vi')} phát sóng ngày 20/08/2025"
    assert said[1] == (f"Lê Văn Tư đã rút lại ghi nhận {commune.label('vi')} "
                       "phát sóng ngày 20/08/2025")
    assert said[2] == "Nguyễn Thu Hà đã yêu cầu xử lý lại tệp phong-su.mp4"
    assert said[3] is None                                     # nothing to do: not said
    assert "tesseract 5.3" in entries[3]["technical"]          # …but kept for producers
    assert said[4] == (f"Nguyễn Thu Hà đã sửa: Chủ đề: thêm {theme.label('vi')} "
                       "(gợi ý đã được xác nhận)")


def test_a_dismissed_suggestion_reads_as_a_sentence_with_its_label(
        as_role, kho_rt, actors, users, product_id):
    from app.services.catalogue import suggestions
    from app.services.catalogue.vocabularies import list_vocabulary

    _named(kho_rt, users["producer"], "Nguyễn Thu Hà")
    crc = next(e for e in list_vocabulary(kho_rt, "conventions") if e.code == "CRC")
    assert suggestions.dismiss(kho_rt, actors["producer"], product_id, "convention", "CRC")
    text = _text_of(as_role("office").get(f"/products/{product_id}"), "history")
    assert f"Nguyễn Thu Hà đã bỏ qua gợi ý Công ước: {crc.label('vi')}" in text
    assert "dismissed" not in text and "-CRC" not in text and "(trống)" not in text
    english = _text_of(as_role("office").get(f"/products/{product_id}?lang=en"), "history")
    assert (f"Nguyễn Thu Hà dismissed the suggestion Conventions: {crc.label('en')}"
            in english)


def test_a_dismissal_without_a_known_person_and_beside_other_changes(app, kho_rt):
    from datetime import datetime

    from app.services.catalogue.vocabularies import list_vocabulary
    from app.web.history import history_entries

    theme = list_vocabulary(kho_rt, "themes")[0]
    at = datetime(2025, 8, 20, 6, 30)
    rows = [{"type": "change", "action": "update", "at": at,
             "changes": {"conventions": [None, "-CEDAW (dismissed)"]}},
            {"type": "change", "action": "update", "at": at, "user_name": "Lê Văn Tư",
             "changes": {"themes": [None, f"-{theme.code} (dismissed)"],
                         "title": ["Cũ", "Mới"]}}]
    with app.test_request_context("/"):
        said = [str(e["sentence"]) for e in history_entries(rows, {})]
    assert said[0] == ("Đã bỏ qua gợi ý Công ước: Công ước về xóa bỏ mọi hình thức "
                       "phân biệt đối xử với phụ nữ")
    assert said[1] == (f"Lê Văn Tư đã sửa: Chủ đề: bỏ qua gợi ý {theme.label('vi')}; "
                       "Tiêu đề: Cũ → Mới")


def test_typed_values_in_sentences_are_escaped(app):
    from datetime import datetime

    from app.web.history import history_entries

    rows = [{"type": "change", "action": "update", "at": datetime(2025, 1, 1),
             "user_name": "<b>Hà</b>", "changes": {"title": ["a", "<script>x</script>"]}}]
    with app.test_request_context("/"):
        sentence = str(history_entries(rows, {})[0]["sentence"])
    assert "<script>" not in sentence and "&lt;script&gt;" in sentence
    assert "&lt;b&gt;Hà&lt;/b&gt;" in sentence
