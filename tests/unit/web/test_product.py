"""The product page: metadata, previews, downloads with Range, hidden closed ones."""
from __future__ import annotations

import io

import pytest

from tests.unit.web.media import png_bytes, wav_file


@pytest.fixture
def audio_product(kho_rt, actors, product_id, tmp_path):
    """The product with a WAV original processed (broadcast MP3, low-band proxy)."""
    from app.services.files.intake import receive

    wav = wav_file(tmp_path / "tone.wav")
    with wav.open("rb") as stream:
        got = receive(kho_rt, actors["producer"], product_id, stream, "Bản tin.wav")
    return product_id, got.file_id


def test_product_page_shows_metadata_in_vietnamese_formats(as_role, product_id):
    page = as_role("office").get(f"/products/{product_id}").get_data(as_text=True)
    assert "Quyền trẻ em ở Kon Rẫy" in page
    assert "31/05/2024" in page              # dd/mm/yyyy
    assert "Phóng sự về quyền trẻ em" in page
    assert "Tiếng Việt" in page              # language label, not its code


def test_product_page_shows_history_of_creation_and_edits(as_role, kho_rt, actors,
                                                          product_id):
    from app.services.catalogue.products import update_product

    update_product(kho_rt, actors["producer"], product_id, {"title": "Tiêu đề mới"})
    page = as_role("office").get(f"/products/{product_id}").get_data(as_text=True)
    assert "Quyền trẻ em ở Kon Rẫy" in page and "Tiêu đề mới" in page
    assert "producer1" in page


def test_audio_product_has_player_and_broadcast_button(as_role, audio_product):
    product_id, file_id = audio_product
    page = as_role("commune").get(f"/products/{product_id}").get_data(as_text=True)
    assert "<audio controls" in page
    assert f'/products/{product_id}/files/{file_id}/broadcast?download=1' in page
    assert 'id="broadcast-mp3"' in page


def test_broadcast_mp3_downloads_with_a_safe_name(as_role, audio_product):
    product_id, file_id = audio_product
    response = as_role("commune").get(
        f"/products/{product_id}/files/{file_id}/broadcast?download=1")
    assert response.status_code == 200
    assert response.mimetype == "audio/mpeg"
    assert response.data[:3] == b"ID3" or response.data[0] == 0xFF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f'filename="{product_id}-quyen-tre-em-o-kon-ray-ban-phat-thanh.mp3"' in disposition


def test_media_route_honours_range_requests(as_role, audio_product):
    product_id, file_id = audio_product
    b = as_role("office")
    url = f"/products/{product_id}/files/{file_id}/original"
    whole = b.get(url)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Disposition"].startswith("inline")
    part = b.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(whole.data)}"
    assert part.data == whole.data[10:20]
    tail = b.get(url, headers={"Range": "bytes=-4"})
    assert tail.data == whole.data[-4:]
    beyond = b.get(url, headers={"Range": f"bytes={len(whole.data) + 5}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(whole.data)}"


def test_original_download_keeps_the_extension(as_role, audio_product):
    product_id, file_id = audio_product
    response = as_role("office").get(
        f"/products/{product_id}/files/{file_id}/original?download=1")
    assert f"{product_id}-quyen-tre-em-o-kon-ray.wav" in response.headers["Content-Disposition"]


def test_image_has_a_preview_and_thumbnail_in_search(as_role, kho_rt, actors, product_id):
    from app.services.files.intake import receive

    got = receive(kho_rt, actors["producer"], product_id, io.BytesIO(png_bytes()), "a.png")
    b = as_role("office")
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert f"/products/{product_id}/files/{got.file_id}/preview" in page
    results = b.get("/search?q=quyen").get_data(as_text=True)
    assert f"/products/{product_id}/files/{got.file_id}/thumbnail" in results
    thumb = b.get(f"/products/{product_id}/files/{got.file_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_missing_product_file_or_rendition_is_404(as_role, product_id):
    b = as_role("office")
    assert b.get("/products/9999").status_code == 404
    assert b.get(f"/products/{product_id}/files/1/original").status_code == 404
    assert b.get(f"/products/{product_id}/status.json").get_json()["files"] == []


def test_closed_product_is_hidden_from_commune_accounts(as_role, kho_rt, actors):
    from app.services.catalogue.products import create_product
    from tests.access_doors import set_access

    pid = create_product(kho_rt, actors["producer"], {"title": "Hồ sơ hạn chế"})
    set_access(kho_rt, pid, "closed")
    commune = as_role("commune")
    assert commune.get(f"/products/{pid}").status_code == 404
    assert commune.get(f"/products/{pid}/status.json").status_code == 404
    assert f'href="/products/{pid}"' not in commune.get("/search?q=han+che").get_data(as_text=True)
    office = as_role("office")
    assert office.get(f"/products/{pid}").status_code == 200
    assert f'href="/products/{pid}"' in office.get("/search?q=han+che").get_data(as_text=True)


def test_pdf_shows_its_first_page_and_extracted_text(as_role, kho_rt, actors, product_id,
                                                     tmp_path):
    from app.services.files.intake import receive
    from tests.unit.ingest.media_factory import text_pdf

    line = "Quyen tre em trang mot " + "ban tin phap luat " * 4
    pdf = text_pdf(tmp_path / "tai-lieu.pdf", [line, line.replace("mot", "hai")])
    with pdf.open("rb") as stream:
        got = receive(kho_rt, actors["producer"], product_id, stream, "tài liệu.pdf")
    page = as_role("commune").get(f"/products/{product_id}").get_data(as_text=True)
    assert f"/products/{product_id}/files/{got.file_id}/preview" in page
    assert "trang đầu" in page                 # the preview is labelled as the first page
    assert "Quyen tre em trang mot" in page    # extracted text shown
    assert '<pre tabindex="0" role="region" aria-label="Nội dung văn bản của ' in page
