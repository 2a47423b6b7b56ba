"""Captions and transcripts as a person meets them, at 360 and 1280 px: a spoken bulletin
is found by a word said in it, the hit says when ("tại 00:04") and opens the product
with its player at that moment; the transcript panel's lines seek the player and the
line being said is marked; a video shows its captions track by default."""
from __future__ import annotations

import io

import pytest

from app.services.access.accounts import actor_by_name
from app.services.catalogue import products
from app.services.files.intake import receive
from app.services.search import indexing
from tests.browser.conftest import screenshot, wait_true
from tests.unit.ingest import media_factory

pytestmark = pytest.mark.browser

TRANSCRIPT = """WEBVTT

00:00:00.300 --> 00:00:01.800
Kính thưa bà con xã Đăk Kôi

00:00:02.000 --> 00:00:03.800
Hôm nay nói về tiêm chủng mở rộng

00:00:04.000 --> 00:00:05.800
Trẻ em được uống vắc-xin bại liệt miễn phí
""".encode()

CAPTIONS = """WEBVTT

00:00:00.500 --> 00:00:02.500
Lễ hội cồng chiêng ở làng Kon Klor

00:00:03.000 --> 00:00:05.500
Già làng kể chuyện nhà rông
""".encode()


@pytest.fixture(scope="module")
def spoken(site, tmp_path_factory):
    """A spoken bulletin (MP3) with its transcript, and a video with its captions, both
    uploaded through intake like any file; the index flushed."""
    folder = tmp_path_factory.mktemp("media")
    producer = actor_by_name(site.kho, "producer1")
    bulletin = products.create_product(site.kho, producer, {"title": "Bản tin y tế tuần này"})
    mp3 = media_factory.tone(folder / "ban-tin-y-te.mp3", seconds=6, channels=1)
    audio = receive(site.kho, producer, bulletin, io.BytesIO(mp3.read_bytes()),
                    "ban-tin-y-te.mp3")
    receive(site.kho, producer, bulletin, io.BytesIO(TRANSCRIPT), "ban-tin-y-te.vi.vtt")
    film = products.create_product(site.kho, producer, {"title": "Phóng sự văn hoá"})
    mp4 = media_factory.video(folder / "le-hoi.mp4", seconds=6)
    video = receive(site.kho, producer, film, io.BytesIO(mp4.read_bytes()), "le-hoi.mp4")
    receive(site.kho, producer, film, io.BytesIO(CAPTIONS), "le-hoi.captions.vi.vtt")
    indexing.flush(site.kho)
    return {"bulletin": bulletin, "audio": audio.file_id, "film": film,
            "video": video.file_id}


def _current_time(page, file_id: int) -> float:
    return page.evaluate(f"document.querySelector('[data-file=\"{file_id}\"]').currentTime")


def _wait_time_near(page, file_id: int, seconds: float) -> None:
    wait_true(
        page, f"Math.abs(document.querySelector('audio[data-file=\"{file_id}\"],"
        f" video[data-file=\"{file_id}\"]').currentTime - {seconds}) < 0.6")


@pytest.mark.parametrize("width", [360, 1280])
def test_a_word_said_in_the_bulletin_finds_it_and_the_hit_seeks_the_player(
        site, sign_in, spoken, width):
    page = sign_in("xa1", width=width)
    page.goto(f"{site.url}/search?q=v%E1%BA%AFc-xin+b%E1%BA%A1i+li%E1%BB%87t")
    hit = page.locator('[data-role="cue-hit"]')
    assert hit.count() == 1
    assert "Trong bản ghi lời, tại 00:04" in hit.inner_text()
    assert "vắc" in hit.locator("mark").first.inner_text()
    screenshot(page, f"caption-search-hit-{width}")
    hit.locator("a").click()
    page.wait_for_url(f"**/products/{spoken['bulletin']}?t=4&file={spoken['audio']}*")
    _wait_time_near(page, spoken["audio"], 4.0)
    panel = page.locator('[data-role="transcript"]')
    assert panel.is_visible()
    said = panel.locator("a[aria-current]")
    said.wait_for()
    assert "vắc-xin bại liệt" in said.inner_text()
    screenshot(page, f"bulletin-at-the-moment-{width}")


@pytest.mark.parametrize("width", [360, 1280])
def test_transcript_lines_seek_the_player_and_commune_staff_download_it(
        site, sign_in, spoken, width):
    page = sign_in("xa1", width=width)
    page.goto(f"{site.url}/products/{spoken['bulletin']}")
    line = page.locator('[data-role="transcript"] a', has_text="tiêm chủng mở rộng")
    line.click()
    _wait_time_near(page, spoken["audio"], 2.0)
    assert page.url.endswith(f"/products/{spoken['bulletin']}")      # seeked in place
    link = page.locator('[data-role="track-download"]')
    assert link.inner_text().strip() == "Tải bản ghi lời (WebVTT)"
    with page.expect_download() as got:
        link.click()
    path = got.value.path()
    assert "Hôm nay nói về tiêm chủng mở rộng" in open(path, encoding="utf-8").read()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_video_shows_its_captions_track_by_default(site, sign_in, spoken, width):
    page = sign_in("xa1", width=width)
    page.goto(f"{site.url}/products/{spoken['film']}")
    video = page.locator(f'video[data-file="{spoken["video"]}"]')
    assert video.is_visible()
    wait_true(
        page, f"(() => {{ const v = document.querySelector('video[data-file=\"{spoken['video']}\"]');"
        " const t = v.textTracks[0]; return t && t.mode === 'showing' && t.cues"
        " && t.cues.length === 2; })()")
    tracks = page.evaluate(
        f"Array.from(document.querySelector('video[data-file=\"{spoken['video']}\"]')"
        ".textTracks).map(t => [t.kind, t.language, t.label])")
    assert tracks == [["captions", "vi", "Tiếng Việt"]]
    first = page.locator('[data-role="transcript"] a').first
    assert "cồng chiêng" in first.inner_text()     # a video's captions read as a transcript
    screenshot(page, f"video-captions-{width}")
