"""Subtitle streams inside a video become its caption tracks at processing time, and
cues accepted before the media's length was known are checked once it is."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.catalogue.product_view import product_view
from app.services.files.intake import receive
from app.services.processing import pipeline
from app.services.search import indexing
from archive.models import Event, File
from archive.storage import original_key
from tests.unit.ingest import media_factory

PRODUCER = Actor(1, "sx", "producer")

SRT = """1
00:00:00,500 --> 00:00:01,500
Già làng kể chuyện

2
00:00:01,600 --> 00:00:02,500
nhà rông Kon Klor
""".encode()


@pytest.fixture(autouse=True)
def users(kho):
    from app.services.access import accounts

    accounts.add_user(kho, "sx", "producer", "12345678")


def subtitled_video(folder):
    video = media_factory.video(folder / "plain.mp4", seconds=3)
    (folder / "sub.srt").write_bytes(SRT)
    target = folder / "le-hoi.mp4"
    media_factory.ffmpeg("-i", str(video), "-i", str(folder / "sub.srt"), "-map", "0",
                         "-map", "1", "-c", "copy", "-c:s", "mov_text",
                         "-metadata:s:s:0", "language=vie", str(target))
    return target


def test_a_subtitle_stream_becomes_a_captions_track_once(kho, tmp_path):
    pid = products.create_product(kho, PRODUCER, {"title": "Lễ hội"})
    video = subtitled_video(tmp_path)
    got = receive(kho, PRODUCER, pid, io.BytesIO(video.read_bytes()), "le-hoi.mp4")
    [f] = product_view(kho, PRODUCER, pid)["files"]
    assert f["status"] == "ready"
    assert "subtitles-0" not in {r["name"] for r in f["renditions"]}
    [track] = f["tracks"]
    assert (track["kind"], track["language"], track["source"], track["cues"]) == \
        ("captions", "vie", "embedded", 2)
    assert kho.storage.exists(original_key(track["sha256"]))
    # processed again (a retry): no second track
    with kho.transaction() as s:
        s.get(File, got.file_id).status = "failed"
    pipeline.retry(kho, [got.file_id])
    assert len(product_view(kho, PRODUCER, pid)["files"][0]["tracks"]) == 1
    with kho.transaction() as s:
        assert s.scalar(select(Event.action).where(Event.action == "track.extract"))
    indexing.flush(kho)
    from app.services.search import queries

    [hit] = queries.search(kho, PRODUCER, {"q": "nha rong"}).hits
    assert hit.id == pid and hit.cue.start_s == 1.6 and hit.cue.kind == "captions"


def test_cues_past_the_end_found_after_processing_are_noted_by_line(kho, tmp_path):
    pid = products.create_product(kho, PRODUCER, {"title": "Bản tin"})
    mp3 = media_factory.tone(tmp_path / "ban-tin.mp3", seconds=2, channels=1)
    got = receive(kho, PRODUCER, pid, io.BytesIO(mp3.read_bytes()), "ban-tin.mp3",
                  queue=False)                               # not processed: length unknown
    late = b"WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nmot\n\n00:00:05.000 --> 00:00:06.000\nhai\n"
    receive(kho, PRODUCER, pid, io.BytesIO(late), "ban-tin.vtt")   # accepted for now
    assert pipeline.process_file(kho, got.file_id) == "ready"
    [track] = product_view(kho, PRODUCER, pid)["files"][0]["tracks"]
    [problem] = track["problems"]
    assert (problem["line"], problem["code"]) == (6, "past_the_end")
    assert "00:00:06.000" in problem["message"]
