"""One upload request loads its product once and checks ``file.upload`` once, however
many files it carries: the page's script (raw body) and the form without script
(multipart)."""
from __future__ import annotations

import io

import pytest

from tests.conftest import make_settings
from tests.unit.web.media import png_bytes, wav_file
from tests.upload_walk import watched


@pytest.fixture
def web_settings(tmp_path):
    """Jobs wait in the queue for a worker (as in production), not run in the request."""
    return make_settings(tmp_path / "instance", queue_url="")


def test_a_script_upload_loads_the_product_once(as_role, kho_rt, product_id, monkeypatch):
    b = as_role("producer")
    token = b.token("/search")
    with watched(kho_rt, monkeypatch) as walk:
        response = b.client.post(f"/products/{product_id}/files", data=png_bytes(),
                                 headers={"Content-Type": "application/octet-stream",
                                          "X-CSRFToken": token, "X-File-Name": "tranh.png"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["processing"] == "queued"
    assert len(walk.product_selects) == 1, walk.product_selects
    assert walk.upload_checks == 1


def test_a_form_with_two_files_loads_the_product_once(as_role, kho_rt, product_id,
                                                      monkeypatch, tmp_path):
    b = as_role("producer")
    token = b.token(f"/products/{product_id}/upload")
    sound = wav_file(tmp_path / "tieng.wav").read_bytes()
    with watched(kho_rt, monkeypatch) as walk:
        response = b.client.post(f"/products/{product_id}/files", data={
            "csrf_token": token, "files": [(io.BytesIO(png_bytes()), "tranh.png"),
                                           (io.BytesIO(sound), "tieng.wav")]},
            content_type="multipart/form-data")
    assert response.status_code == 302
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "tranh.png" in page and "tieng.wav" in page
    assert len(walk.product_selects) == 1, walk.product_selects
    assert walk.upload_checks == 1
