"""Caption and transcript tracks on the pages: uploaded like any file, shown in the
player and the transcript panel, downloaded by commune staff, corrected by producers."""
from __future__ import annotations

import pytest

from tests.unit.web.media import wav_file

VTT = """WEBVTT

00:00:00.200 --> 00:00:01.000
Xin chào bà con

00:00:01.000 --> 00:00:01.900
Tiêm chủng mở rộng cho trẻ em
""".encode()


@pytest.fixture
def spoken(as_role, product_id, tmp_path):
    """The product with a 2-second WAV and its transcript, both sent as the page's
    script sends files (raw body, X-File-Name)."""
    producer = as_role("producer")
    token = producer.token(f"/products/{product_id}/upload")
    headers = {"X-CSRFToken": token, "Accept": "application/json",
               "Content-Type": "application/octet-stream"}
    wav = wav_file(tmp_path / "ban-tin.wav").read_bytes()
    media = producer.client.post(f"/products/{product_id}/files", data=wav,
                                 headers={**headers, "X-File-Name": "ban-tin.wav"})
    assert media.status_code == 201
    track = producer.client.post(f"/products/{product_id}/files", data=VTT,
                                 headers={**headers, "X-File-Name": "ban-tin.vi.vtt"})
    assert track.status_code == 201, track.get_data(as_text=True)
    body = track.get_json()
    assert body["file_id"] == media.get_json()["file_id"]
    [notice] = [n for n in body["notices"] if n["code"] == "track"]
    assert "ban-tin.wav" in notice["text"] and "Tiếng Việt" in notice["text"]
    return product_id, body["file_id"], producer


def test_the_player_loads_the_track_and_the_panel_lists_its_lines(spoken, as_role):
    product_id, file_id, _ = spoken
    page = as_role("commune").get(f"/products/{product_id}").get_data(as_text=True)
    assert '<track kind="subtitles" srclang="vi"' in page
    assert f'src="/products/{product_id}/files/{file_id}/tracks/' in page
    assert 'data-role="transcript"' in page and "Tiêm chủng mở rộng cho trẻ em" in page
    assert f'href="/products/{product_id}?t=1&amp;file={file_id}#file-{file_id}"' in page
    assert 'data-seek="1.0"' in page
    assert "Tải bản ghi lời (WebVTT)" in page


def test_a_link_with_a_moment_seeks_the_player_without_script(spoken, as_role):
    product_id, file_id, _ = spoken
    page = as_role("commune").get(f"/products/{product_id}?t=1&file={file_id}") \
        .get_data(as_text=True)
    assert '/lowband#t=1.0"' in page or '/broadcast#t=1.0"' in page


def test_commune_staff_download_the_track(spoken, as_role):
    product_id, file_id, producer = spoken
    page = as_role("commune").get(f"/products/{product_id}").get_data(as_text=True)
    start = page.index('data-role="track-download"')
    href = page[page.rindex('href="', 0, start) + 6:page.index('"', page.rindex('href="', 0, start) + 6)]
    response = as_role("commune").get(href.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.mimetype == "text/vtt"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Xin chào bà con".encode() in response.data
    assert "track-edit" not in page             # commune staff do not edit tracks


def test_a_producer_corrects_and_removes_a_track(spoken, kho_rt, as_role):
    from app.services.catalogue.product_view import product_view
    from app.services.access.accounts import actor_by_name

    product_id, file_id, producer = spoken
    [track] = product_view(kho_rt, actor_by_name(kho_rt, "producer1"), product_id)["files"][0][
        "tracks"]
    url = f"/products/{product_id}/files/{file_id}/tracks/{track['id']}"
    done = producer.post(url, {"kind": "captions", "language": "bdq",
                               "machine_generated": "yes"},
                         token_from=f"/products/{product_id}")
    assert done.status_code == 302
    page = producer.get(f"/products/{product_id}").get_data(as_text=True)
    assert "Tiếng Ba Na (máy tạo)" in page
    assert producer.post(url + "/remove", token_from=f"/products/{product_id}") \
        .status_code == 302
    page = producer.get(f"/products/{product_id}").get_data(as_text=True)
    assert "<track" not in page and 'data-role="transcript"' not in page


def test_a_bad_caption_file_is_refused_with_its_lines(spoken, product_id):
    _, _, producer = spoken
    token = producer.token(f"/products/{product_id}/upload")
    bad = b"WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nsai\n\n00:75:00.000 --> 00:76:00.000\nx\n"
    response = producer.client.post(f"/products/{product_id}/files", data=bad, headers={
        "X-CSRFToken": token, "Accept": "application/json", "X-File-Name": "ban-tin.vtt",
        "Content-Type": "application/octet-stream"})
    assert response.status_code == 422
    message = response.get_json()["message"]
    assert "dòng 3" in message and "dòng 6" in message, message


def test_the_api_lists_tracks_under_the_file_and_serves_them(spoken, kho_rt, actors):
    from app.services.access.accounts import create_token

    product_id, file_id, _ = spoken
    client = spoken[2].client
    token = create_token(kho_rt, "commune1", "test")
    headers = {"Authorization": f"Bearer {token}"}
    data = client.get(f"/api/v1/products/{product_id}", headers=headers).get_json()
    [track] = data["files"][0]["tracks"]
    assert track["kind"] == "transcript" and track["language"] == "vie"
    text = client.get(track["url"], headers=headers)
    assert text.status_code == 200 and text.data.startswith(b"WEBVTT")


def test_a_search_hit_in_the_transcript_says_when_and_links_to_that_moment(spoken, as_role,
                                                                            kho_rt):
    from app.services.search import indexing

    product_id, file_id, _ = spoken
    indexing.flush(kho_rt)
    page = as_role("commune").get("/search?q=tiem+chung+mo+rong").get_data(as_text=True)
    assert 'data-role="cue-hit"' in page
    assert "Trong bản ghi lời, tại 00:01" in page
    assert f'href="/products/{product_id}?t=1&amp;file={file_id}#file-{file_id}"' in page
    assert "<mark>Tiêm</mark> <mark>chủng</mark>" in page
    assert 'data-role="transcript-filter"' in page and "Có bản ghi lời" in page
    filtered = as_role("commune").get("/search?has_captions=true").get_data(as_text=True)
    assert f"/products/{product_id}\"" not in filtered
