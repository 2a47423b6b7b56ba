"""Uploads, processing results in the product JSON, downloads with HTTP ranges."""
from __future__ import annotations

import io

import pytest

from tests.stored_keys import stored_keys
from tests.unit.api.conftest import png_bytes, wav_bytes


def _upload(api, product_id, *files, role="producer"):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return api.call(role, "POST", f"/products/{product_id}/files", data=data,
                    content_type="multipart/form-data")


def _stored_originals(api):
    return list(stored_keys(api.kho.storage, "originals/"))


@pytest.fixture
def stored(api):
    """A product with one 5,000-byte text original, received without processing."""
    from app.services.files import intake
    from app.services.access.accounts import actor_by_name

    product = api.create(title="Bản tin Đăk Kôi")
    content = bytes(range(256)) * 19 + b"x" * 136
    got = intake.receive(api.kho, actor_by_name(api.kho, "producer"), product["id"],
                         io.BytesIO(content), "bản tin.bin", queue=False)
    return product["id"], got.file_id, content


def test_upload_png_and_wav_then_product_lists_their_renditions(api):
    product = api.create(title="Tranh và tiếng")
    response = _upload(api, product["id"], ("tranh.png", png_bytes()), ("tieng.wav", wav_bytes()))
    assert response.status_code == 201
    body = response.get_json()
    assert [f["filename"] for f in body["files"]] == ["tranh.png", "tieng.wav"]
    assert [f["media_type"] for f in body["files"]] == ["image/png", "audio/x-wav"]
    assert all(f["duplicate"] is None and len(f["sha256"]) == 64 for f in body["files"])
    files = api.call("commune", "GET", f"/products/{product['id']}").get_json()["files"]
    assert [f["status"] for f in files] == ["ready", "ready"], files
    image, sound = files
    assert "thumbnail" in {r["name"] for r in image["renditions"]}
    assert "broadcast" in {r["name"] for r in sound["renditions"]}
    for f in files:
        assert f["url"] == f"/api/v1/products/{product['id']}/files/{f['id']}/original"
        for rendition in f["renditions"]:
            assert rendition["url"].endswith(f"/files/{f['id']}/{rendition['name']}")
            assert rendition["size"] > 0
    thumbnail = api.call("commune", "GET", next(r["url"] for r in image["renditions"]
                                                if r["name"] == "thumbnail"))
    assert thumbnail.status_code == 200
    assert thumbnail.headers["Content-Type"].startswith("image/")
    mp3 = api.call("commune", "GET", next(r["url"] for r in sound["renditions"]
                                          if r["name"] == "broadcast"))
    assert mp3.status_code == 200
    assert f'filename="{product["id"]}-tranh-va-tieng-ban-phat-thanh.' in \
        mp3.headers["Content-Disposition"]
    assert len(mp3.get_data()) == next(r["size"] for r in sound["renditions"]
                                       if r["name"] == "broadcast")


def test_uploading_the_same_file_again_says_so(api):
    product = api.create()
    first = _upload(api, product["id"], ("a.png", png_bytes()))
    again = _upload(api, product["id"], ("b.png", png_bytes()))
    other = api.create(title="Khác")
    elsewhere = _upload(api, other["id"], ("c.png", png_bytes()))
    first_id = first.get_json()["files"][0]["file_id"]
    assert again.get_json()["files"][0]["duplicate"] == "same-product"
    assert again.get_json()["files"][0]["duplicate_of"] == first_id
    assert elsewhere.get_json()["files"][0]["duplicate"] == "stored-before"
    assert len(_stored_originals(api)) == 1


def test_commune_and_office_cannot_upload(api):
    product = api.create()
    for role in ("commune", "office"):
        response = _upload(api, product["id"], ("a.png", png_bytes()), role=role)
        assert response.status_code == 403
    assert _stored_originals(api) == []


def test_upload_without_a_file_field_is_422_naming_file(api):
    product = api.create()
    response = api.call("producer", "POST", f"/products/{product['id']}/files",
                        data={"other": "x"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["fields"]


def test_upload_to_a_missing_product_is_404(api):
    assert _upload(api, 999, ("a.png", png_bytes())).status_code == 404


def test_upload_over_the_limit_is_413_and_nothing_is_stored(small_limit_api):
    api = small_limit_api
    product = api.create()
    response = _upload(api, product["id"], ("big.wav", wav_bytes(seconds=2)))
    body = response.get_json()
    assert response.status_code == 413
    assert body["error"] == "too_large"
    assert "at most 2 kB per file" in body["message"]     # human units, not bytes
    assert _stored_originals(api) == []
    assert api.call("producer", "GET", f"/products/{product['id']}").get_json()["files"] == []


def test_a_file_just_over_the_limit_inside_the_slack_is_still_refused(small_limit_api):
    api = small_limit_api
    product = api.create()
    response = _upload(api, product["id"], ("a.bin", b"z" * 2001))
    assert response.status_code == 413
    assert _stored_originals(api) == []


def test_download_the_original_whole_with_a_safe_name(api, stored):
    product_id, file_id, content = stored
    response = api.call("commune", "GET", f"/products/{product_id}/files/{file_id}/original")
    assert response.status_code == 200
    assert response.get_data() == content
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(len(content))
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{product_id}-ban-tin-dak-koi.bin"'


@pytest.mark.parametrize("header, start, end", [
    ("bytes=0-99", 0, 99), ("bytes=4990-", 4990, 4999), ("bytes=-10", 4990, 4999),
    ("bytes=1000-1999", 1000, 1999), ("bytes=4000-9999", 4000, 4999)])
def test_range_requests_answer_206_with_exact_bytes(api, stored, header, start, end):
    product_id, file_id, content = stored
    response = api.call("commune", "GET", f"/products/{product_id}/files/{file_id}/original",
                        headers={"Range": header})
    assert response.status_code == 206
    assert response.get_data() == content[start:end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/5000"
    assert response.headers["Content-Length"] == str(end - start + 1)


def test_range_outside_the_file_is_416(api, stored):
    product_id, file_id, _ = stored
    response = api.call("commune", "GET", f"/products/{product_id}/files/{file_id}/original",
                        headers={"Range": "bytes=5000-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */5000"
    assert response.get_json()["error"] == "range_not_satisfiable"


def test_missing_rendition_or_foreign_file_is_404(api, stored):
    product_id, file_id, _ = stored
    other = api.create(title="Khác")
    for path in (f"/products/{product_id}/files/{file_id}/proxy",
                 f"/products/{other['id']}/files/{file_id}/original",
                 f"/products/{product_id}/files/999/original"):
        response = api.call("admin", "GET", path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found"


def test_closed_product_files_are_404_for_commune(api, stored):
    from tests.access_doors import set_access

    product_id, file_id, _ = stored
    set_access(api.kho, product_id, "closed")
    path = f"/products/{product_id}/files/{file_id}/original"
    assert api.call("commune", "GET", path).status_code == 404
    assert api.call("office", "GET", path).status_code == 200


def test_s3_storage_redirects_to_a_presigned_url(api, stored):
    product_id, file_id, _ = stored
    local = api.kho.storage

    class PresigningStorage:
        """The local store, but offering direct URLs the way S3 does."""

        def __getattr__(self, name):
            return getattr(local, name)

        def presigned_url(self, key, *, filename=None, content_type=None, expires=None):
            return f"https://objects.example/{key}?name={filename}"

    api.kho.__dict__["storage"] = PresigningStorage()
    response = api.call("commune", "GET", f"/products/{product_id}/files/{file_id}/original")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://objects.example/originals/")
    assert response.headers["Location"].endswith(f"name={product_id}-ban-tin-dak-koi.bin")


def test_a_corrupt_file_is_kept_with_a_failed_status_and_a_reason(api):
    product = api.create(title="Video hỏng")
    broken = b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100
    response = _upload(api, product["id"], ("hong.mp4", broken))
    assert response.status_code == 201
    body = response.get_json()["product"]
    assert body["status"] == "failed"
    assert body["files"][0]["status"] == "failed"
    assert body["files"][0]["error"]
    original = api.call("producer", "GET", body["files"][0]["url"])
    assert original.status_code == 200 and original.get_data() == broken


def test_head_gives_the_headers_without_the_bytes(api, stored):
    product_id, file_id, _ = stored
    response = api.call("commune", "HEAD", f"/products/{product_id}/files/{file_id}/original")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "5000"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.get_data() == b""


def test_a_chunked_upload_growing_past_the_limit_is_413(small_limit_api):
    """No Content-Length: the limit is enforced while the body is read."""
    api = small_limit_api
    product = api.create()
    boundary = "kho-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + b"z" * 200_000 + f"\r\n--{boundary}--\r\n".encode()
    response = api.call("producer", "POST", f"/products/{product['id']}/files",
                        input_stream=io.BytesIO(body),
                        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                 "Transfer-Encoding": "chunked"},
                        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert _stored_originals(api) == []


def test_one_bad_file_does_not_sink_the_others(api):
    product = api.create()
    response = _upload(api, product["id"], ("rong.png", b""), ("tranh.png", png_bytes()))
    assert response.status_code == 201
    empty, good = response.get_json()["files"]
    assert empty["error"] == "invalid" and "rong.png" in empty["message"]
    assert good["file_id"] and good["media_type"] == "image/png"
    only_bad = _upload(api, product["id"], ("rong.png", b""))
    assert only_bad.status_code == 422
    assert "rong.png" in only_bad.get_json()["fields"]


def test_the_upload_answer_gives_the_name_the_catalogue_keeps(api):
    import unicodedata

    product = api.create()
    nfd = unicodedata.normalize("NFD", "../../áp phích.png")
    body = _upload(api, product["id"], (nfd, png_bytes())).get_json()
    assert body["files"][0]["filename"] == "áp phích.png"      # NFC, no folders
    listed = api.call("producer", "GET", f"/products/{product['id']}").get_json()["files"]
    assert listed[0]["original_filename"] == body["files"][0]["filename"]


def test_a_missing_object_is_404_without_server_paths_or_keys(api, stored):
    product_id, file_id, _ = stored
    key = next(iter(_stored_originals(api)))
    (api.kho.settings.objects_dir / key).unlink()
    response = api.call("commune", "GET", f"/products/{product_id}/files/{file_id}/original")
    body = response.get_json()
    assert response.status_code == 404 and body["error"] == "not_found"
    shown = str(body)
    assert str(api.kho.settings.instance) not in shown and key not in shown
    assert "/" not in body["message"] and "missing" in body["message"]


def test_storage_that_refuses_writes_is_503_without_server_paths(api, monkeypatch):
    from archive.errors import StorageError

    def refuse(*args, **kwargs):
        raise StorageError(f"cannot write 'originals/ab' in storage folder "
                           f"{api.kho.settings.objects_dir}: No space left on device",
                           field="key")

    monkeypatch.setattr(type(api.kho.storage), "put_file", refuse)
    product = api.create(title="Phóng sự")
    response = _upload(api, product["id"], ("a.png", png_bytes()))
    body = response.get_json()
    assert response.status_code == 503, body
    assert str(api.kho.settings.instance) not in str(body) and "originals/" not in str(body)
    vi = api.call("producer", "POST", f"/products/{product['id']}/files",
                  data={"file": [(io.BytesIO(png_bytes()), "a.png")]},
                  content_type="multipart/form-data", headers={"Accept-Language": "vi"})
    assert "kho lưu trữ" in vi.get_json()["message"].lower()


def test_a_windows_path_sent_as_the_file_name_keeps_a_readable_name(api):
    product = api.create(title="Áp phích")
    body = (b'--B\r\nContent-Disposition: form-data; name="file"; '
            b'filename="..\\..\\windows\\win.ini"\r\n'
            b'Content-Type: application/octet-stream\r\n\r\n' + png_bytes() + b'\r\n--B--\r\n')
    response = api.client.post(f"/api/v1/products/{product['id']}/files", data=body, headers={
        "Authorization": "Bearer " + api.tokens["producer"],
        "Content-Type": "multipart/form-data; boundary=B"})
    assert response.status_code == 201
    assert response.get_json()["files"][0]["filename"] == "win.ini"


@pytest.fixture
def api_with_worker_queue(tmp_path, initialised_template):
    """The API with jobs waiting in the queue for a worker (as in production), so a
    request's database work is its own, not the processing job's."""
    from tests.conftest import make_settings, start_from_template
    from tests.unit.api.conftest import build_api

    settings = make_settings(tmp_path / "instance", queue_url="")
    start_from_template(initialised_template, settings)
    yield from build_api(settings)


def test_an_upload_of_two_files_loads_the_product_once(api_with_worker_queue, monkeypatch):
    from tests.upload_walk import watched

    api = api_with_worker_queue
    product = api.create(title="Tranh và tiếng")
    with watched(api.kho, monkeypatch) as walk:
        response = _upload(api, product["id"], ("tranh.png", png_bytes()),
                           ("tieng.wav", wav_bytes()))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [f["processing"] for f in body["files"]] == ["queued", "queued"]
    assert len(body["product"]["files"]) == 2
    # one load for the walk (checked before the body is read, both files recorded
    # against it), one read of the product view the answer carries after the upload
    assert len(walk.product_selects) == 2, walk.product_selects
    assert walk.upload_checks == 1
