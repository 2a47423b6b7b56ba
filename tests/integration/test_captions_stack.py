"""Captions and transcripts on PostgreSQL + S3, end to end: a spoken bulletin and its
caption file uploaded through the pages, stored in S3 like an original, found by a word
said in it, and the hit opens the product with the player (its sound streamed from S3)
at that moment; the track itself is served by Kho, checked by fixity, carried by a bag.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.services.access.accounts import add_user
from app.services.instance.setup import init_instance
from app.services.preservation import fixity
from app.services.search import indexing
from archive.storage import original_key
from archive.tracks import CaptionTrack
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD
from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.ingest import media_factory

pytestmark = pytest.mark.integration

CAPTIONS = """WEBVTT

00:00:00.300 --> 00:00:01.800
Kính thưa bà con thôn Kon Skôi

00:00:02.000 --> 00:00:03.800
Mùa mưa phòng chống sốt xuất huyết

00:00:04.000 --> 00:00:05.800
Mỗi tuần diệt lăng quăng quanh nhà
""".encode()


@pytest.fixture
def stack(tmp_path, migrated_pg_url, s3_endpoint):
    """Kho on PostgreSQL + S3 served by waitress on a free loopback port."""
    from waitress import create_server

    from app import create_app

    bucket = new_s3_storage(s3_endpoint).bucket
    settings = make_settings(tmp_path / "instance", database_url=migrated_pg_url, storage="s3",
                             s3_bucket=bucket, s3_endpoint_url=s3_endpoint,
                             s3_region="us-east-1", s3_addressing_style="path")
    app = create_app(settings)
    kho = app.extensions["kho"]
    init_instance(kho)
    add_user(kho, "sx", "producer", PASSWORD)
    add_user(kho, "xa", "office", PASSWORD)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", app, kho
    finally:
        server.close()
        thread.join(timeout=10)
        kho.close()


def _sign_in(client, username: str) -> str:
    from tests.unit.web.conftest import csrf_of

    token = csrf_of(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    return csrf_of(client.get("/products/new").get_data(as_text=True))


def test_a_spoken_bulletin_is_found_by_a_word_said_in_it_and_the_hit_seeks_the_player(
        stack, tmp_path):
    from playwright.sync_api import sync_playwright

    url, app, kho = stack
    client = app.test_client()
    token = _sign_in(client, "sx")
    created = client.post("/products/new", data={"title": "Bản tin y tế thôn Kon Skôi",
                                                  "csrf_token": token})
    product_id = int(created.headers["Location"].rstrip("/").split("/")[-2])
    headers = {"X-CSRFToken": token, "Accept": "application/json",
               "Content-Type": "application/octet-stream"}
    mp3 = media_factory.tone(tmp_path / "ban-tin.mp3", seconds=6, channels=1).read_bytes()
    media = client.post(f"/products/{product_id}/files", data=mp3,
                        headers={**headers, "X-File-Name": "ban-tin.mp3"})
    assert media.status_code == 201, media.get_data(as_text=True)
    file_id = media.get_json()["file_id"]
    sent = client.post(f"/products/{product_id}/files", data=CAPTIONS,
                       headers={**headers, "X-File-Name": "ban-tin.vi.vtt"})
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert sent.get_json()["file_id"] == file_id
    indexing.flush(kho)

    with kho.transaction() as s:
        track = s.scalar(select(CaptionTrack))
        key, track_id = track.storage_key, track.id
    assert key == original_key(track.sha256)
    assert kho.storage.local_path(key) is None and kho.storage.exists(key)    # in S3
    report = fixity.run(kho, fixity.select_targets(kho))
    assert report.objects == 2 and not report.faulty

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            for width in (360, 1280):
                context = browser.new_context(viewport={"width": width, "height": 900},
                                              locale="vi-VN", accept_downloads=True)
                page = context.new_page()
                page.set_default_timeout(30_000)
                page.goto(f"{url}/login")
                page.fill('input[name="username"]', "xa")
                page.fill('input[name="password"]', PASSWORD)
                page.click('button[type="submit"]')
                page.wait_for_url("**/search")
                page.goto(f"{url}/search?q=l%C4%83ng+qu%C4%83ng")
                hit = page.locator('[data-role="cue-hit"]')
                assert "Trong bản ghi lời, tại 00:04" in hit.inner_text()
                hit.locator("a").click()
                page.wait_for_url(f"**/products/{product_id}?t=4&file={file_id}*")
                page.wait_for_function(
                    f"Math.abs(document.querySelector('audio[data-file=\"{file_id}\"]')"
                    ".currentTime - 4) < 0.6")
                marked = page.locator('[data-role="transcript"] a[aria-current]')
                marked.wait_for()
                assert "lăng quăng" in marked.inner_text()
                vtt = page.request.get(
                    f"{url}/products/{product_id}/files/{file_id}/tracks/{track_id}.vtt")
                assert vtt.status == 200 and "Kon Skôi" in vtt.text()
                context.close()
        finally:
            browser.close()
