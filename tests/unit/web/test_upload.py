"""Creating a product with the metadata form and adding files (script and no-script)."""
from __future__ import annotations

from tests.unit.web.conftest import first_code
from tests.unit.web.media import png_bytes, wav_file


def test_upload_pages_are_for_producers_and_admins_only(as_role, product_id):
    for role in ("commune", "office"):
        b = as_role(role)
        assert b.get("/products/new").status_code == 403
        assert b.get(f"/products/{product_id}/upload").status_code == 403
        token = b.token("/search")
        response = b.client.post(f"/products/{product_id}/files", data=png_bytes(),
                                 headers={"Content-Type": "application/octet-stream",
                                          "X-CSRFToken": token, "X-File-Name": "a.png"})
        assert response.status_code == 403
        response = b.post("/products/new", {"title": "Không được"}, token_from="/search")
        assert response.status_code == 403


def test_new_product_form_shows_vocabulary_pickers(as_role):
    page = as_role("producer").get("/products/new").get_data(as_text=True)
    for name in ("kind", "languages", "themes", "conventions", "plan_task", "lead_unit",
                 "cooperating_units", "communes", "channels"):
        assert f'name="{name}"' in page
    assert "Tiếng Việt" in page  # a language label, not only codes


def test_create_product_then_land_on_the_file_page(as_role, kho_rt):
    b = as_role("producer")
    response = b.post("/products/new", {
        "title": "Bình đẳng giới", "kind": first_code(kho_rt, "kinds"),
        "themes": first_code(kho_rt, "themes"), "produced_on": "01/06/2024"},
        token_from="/products/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/upload")
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bình đẳng giới" in page and 'type="file"' in page


def test_invalid_metadata_keeps_the_input_and_names_the_field(as_role):
    b = as_role("producer")
    response = b.post("/products/new", {"title": "Giữ lại tiêu đề", "produced_on": "32/13/2024"},
                      token_from="/products/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Giữ lại tiêu đề"' in page and "32/13/2024" in page
    assert "field-error" in page


def test_script_upload_sends_raw_body_and_answers_json(as_role, product_id):
    b = as_role("producer")
    response = b.client.post(f"/products/{product_id}/files", data=png_bytes(),
                             headers={"Content-Type": "application/octet-stream",
                                      "X-CSRFToken": b.token("/search"),
                                      "X-File-Name": "%C3%81p%20ph%C3%ADch.png",
                                      "Accept": "application/json"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "Áp phích.png" and body["media_type"] == "image/png"
    status = b.get(body["status_url"]).get_json()
    assert status["files"][0]["name"] == "Áp phích.png"
    assert status["status"] == "ready" and status["done"] is True


def test_upload_needs_the_csrf_header(as_role, product_id):
    b = as_role("producer")
    response = b.client.post(f"/products/{product_id}/files", data=png_bytes(),
                             headers={"Content-Type": "application/octet-stream",
                                      "X-File-Name": "a.png"})
    assert response.status_code == 400


def test_multipart_upload_without_script_takes_several_files(as_role, product_id, tmp_path):
    import io

    b = as_role("producer")
    wav = wav_file(tmp_path / "ban tin.wav").read_bytes()
    response = b.client.post(f"/products/{product_id}/files", data={
        "csrf_token": b.token(f"/products/{product_id}/upload"),
        "files": [(io.BytesIO(png_bytes()), "poster.png"), (io.BytesIO(wav), "bản tin.wav")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "poster.png" in page and "bản tin.wav" in page
    product = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'id="broadcast-mp3"' in product  # processing made the broadcast MP3


def test_duplicate_upload_is_reported(as_role, product_id):
    b = as_role("producer")
    headers = {"Content-Type": "application/octet-stream", "X-CSRFToken": b.token("/search"),
               "X-File-Name": "a.png", "Accept": "application/json"}
    data = png_bytes(text="same")
    first = b.client.post(f"/products/{product_id}/files", data=data, headers=headers)
    second = b.client.post(f"/products/{product_id}/files", data=data, headers=headers)
    assert first.get_json()["duplicate"] == ""
    assert second.get_json()["duplicate"] == "same-product"


def test_big_multipart_files_are_buffered_in_the_spool_folder(as_role, product_id, tmp_path,
                                                              monkeypatch):
    # The system temp folder may be small (or RAM); an upload of up to 4 GiB must not
    # depend on it. Make it unusable and upload a file above Werkzeug's 500 kB buffer.
    import io
    import tempfile

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    b = as_role("producer")
    boundary, body = encode_multipart({
        "csrf_token": b.token(f"/products/{product_id}/upload"),
        "files": FileStorage(io.BytesIO(b"\0" * (700 * 1024)), "tài liệu lớn.bin")})
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    response = b.client.post(f"/products/{product_id}/files", data=body,
                             content_type=f"multipart/form-data; boundary={boundary}")
    monkeypatch.undo()
    assert response.status_code == 302
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "tài liệu lớn.bin" in page


def test_a_name_with_windows_folders_reads_as_the_file_name_only(as_role, product_id):
    import io

    b = as_role("producer")
    raw = b.client.post(f"/products/{product_id}/files", data=png_bytes(text="win"),
                        headers={"Content-Type": "application/octet-stream",
                                 "X-CSRFToken": b.token("/search"),
                                 "X-File-Name": "..%5C..%5Cwindows%5Cwin.ini",
                                 "Accept": "application/json"})
    assert raw.status_code == 201 and raw.get_json()["name"] == "win.ini"
    form = b.client.post(f"/products/{product_id}/files", data={
        "csrf_token": b.token(f"/products/{product_id}/upload"),
        "files": [(io.BytesIO(png_bytes(text="other")), "..\\..\\Tài liệu\\áp phích.png")]},
        content_type="multipart/form-data")
    page = b.get(form.headers["Location"]).get_data(as_text=True)
    import re
    shown = " ".join(re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', page))
    assert "áp phích.png" in shown and "Tài liệu" not in shown and "\\" not in shown, shown
