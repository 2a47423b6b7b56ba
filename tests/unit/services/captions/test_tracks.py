"""Caption files through the usual upload: attached as tracks of the matching audio or
video file, stored like originals, refused with their problems by line."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.services.access.actors import Actor
from app.services.captions import editing, naming, reading
from app.services.catalogue import products
from app.services.catalogue.product_view import product_view
from app.services.files.intake import receive
from archive.activities import stored_objects
from archive.errors import NotFound, ValidationError
from archive.models import Event
from archive.storage import original_key
from archive.tracks import CaptionTrack
from ingest.captions import CaptionProblems
from tests.unit.ingest import media_factory

PRODUCER = Actor(1, "sx", "producer")
COMMUNE = Actor(2, "xa", "commune")

VTT = """WEBVTT

00:00:00.500 --> 00:00:01.500
Xin chào bà con

00:00:02.000 --> 00:00:02.900
Quyền trẻ em được bảo vệ
""".encode()

SRT = """1
00:00:00,500 --> 00:00:01,500
Xin chào bà con

2
00:00:02,000 --> 00:00:02,900
Tiêm chủng mở rộng
""".encode()


@pytest.fixture(autouse=True)
def users(kho):
    from app.services.access import accounts

    accounts.add_user(kho, "sx", "producer", "12345678")


@pytest.fixture
def bulletin(kho, tmp_path):
    """A product with a 3-second spoken bulletin (processed: its length is known)."""
    pid = products.create_product(kho, PRODUCER, {"title": "Bản tin thời sự"})
    mp3 = media_factory.tone(tmp_path / "ban-tin.mp3", seconds=3, channels=1)
    got = receive(kho, PRODUCER, pid, io.BytesIO(mp3.read_bytes()), "ban-tin.mp3")
    return pid, got.file_id


def test_a_vtt_named_like_the_audio_becomes_its_transcript_track(kho, bulletin):
    pid, file_id = bulletin
    got = receive(kho, PRODUCER, pid, io.BytesIO(VTT), "ban-tin.vi.vtt")
    assert got.track is not None and got.file_id == file_id
    assert (got.track.kind, got.track.language, got.track.cues) == ("transcript", "vie", 2)
    view = product_view(kho, PRODUCER, pid)
    assert len(view["files"]) == 1                      # no file of its own
    [track] = view["files"][0]["tracks"]
    assert track["kind"] == "transcript" and track["language"] == "vie"
    assert track["machine_generated"] is False and track["cues"] == 2
    assert track["sha256"] == got.sha256
    # stored as an original: its key, the preservation engines walk it, an event says so
    assert kho.storage.exists(original_key(got.sha256))
    with kho.transaction() as s:
        owners = {(r.storage_key, r.owner) for r in s.execute(stored_objects())}
        assert (original_key(got.sha256), "track") in owners
        assert s.scalar(select(Event.action).where(Event.action == "track.add")) == "track.add"


def test_srt_is_converted_and_the_name_says_kind_and_machine(kho, bulletin):
    pid, file_id = bulletin
    got = receive(kho, PRODUCER, pid, io.BytesIO(SRT), "ban-tin.captions.auto.srt")
    assert (got.track.kind, got.track.machine_generated) == ("captions", True)
    text = reading.open_track(kho, COMMUNE, pid, file_id, got.track.track_id)
    assert text.body.startswith(b"WEBVTT") and "Tiêm chủng".encode() in text.body
    assert text.filename.endswith(".vtt")
    original = reading.open_track(kho, COMMUNE, pid, file_id, got.track.track_id, original=True)
    assert original.body == SRT


def test_the_same_caption_file_twice_is_one_track(kho, bulletin):
    pid, _ = bulletin
    receive(kho, PRODUCER, pid, io.BytesIO(VTT), "ban-tin.vtt")
    again = receive(kho, PRODUCER, pid, io.BytesIO(VTT), "ban-tin.vtt")
    assert again.duplicate == "same-product" and again.track.duplicate
    with kho.transaction() as s:
        assert len(s.scalars(select(CaptionTrack)).all()) == 1


def test_options_win_over_the_name_and_the_header(kho, bulletin):
    pid, _ = bulletin
    header = VTT.replace(b"WEBVTT\n", b"WEBVTT\nLanguage: bdq\nKind: captions\n", 1)
    got = receive_with(kho, pid, header, "ban-tin.vtt", naming.TrackOptions())
    assert (got.track.kind, got.track.language) == ("captions", "bdq")
    got = receive_with(kho, pid, VTT + b"\n", "ban-tin.vtt",
                       naming.parse_options("transcript", "sed", "có"))
    assert (got.track.kind, got.track.language, got.track.machine_generated) == \
        ("transcript", "sed", True)


def receive_with(kho, pid, data, name, options):
    from app.services.files import intake

    destination = intake.open_upload(kho, PRODUCER, pid)
    return intake.receive_into(kho, destination, io.BytesIO(data), name, track=options)


def test_cues_past_the_end_of_the_media_are_refused_by_line(kho, bulletin):
    pid, _ = bulletin
    late = VTT + b"\n00:00:09.000 --> 00:00:12.000\nqua ket thuc\n"
    with pytest.raises(CaptionProblems) as caught:
        receive(kho, PRODUCER, pid, io.BytesIO(late), "ban-tin.vtt")
    [problem] = caught.value.problems
    assert (problem.line, problem.code) == (9, "past_the_end")
    assert "line 9" in str(caught.value) and "00:00:12.000" in str(caught.value)


def test_bytes_no_converter_recognises_are_refused_naming_their_lines(kho, bulletin):
    pid, _ = bulletin
    garbled = b"WEBVTT\n\n00:00:00.500 --> 00:00:01.500\n\xff\xfe\xfd\x81\n"
    with pytest.raises(CaptionProblems) as caught:
        receive(kho, PRODUCER, pid, io.BytesIO(garbled), "ban-tin.vtt")
    assert [p.line for p in caught.value.problems] == [4]
    assert "UTF-8" in str(caught.value)


def test_a_caption_needs_an_audio_or_video_file(kho, tmp_path):
    pid = products.create_product(kho, PRODUCER, {"title": "Chỉ có ảnh"})
    with pytest.raises(ValidationError, match="no audio or video file"):
        receive(kho, PRODUCER, pid, io.BytesIO(VTT), "ban-tin.vtt")


def test_several_media_files_need_the_name(kho, bulletin, tmp_path):
    pid, file_id = bulletin
    other = media_factory.tone(tmp_path / "phong-su.mp3", seconds=2, channels=1)
    second = receive(kho, PRODUCER, pid, io.BytesIO(other.read_bytes()), "phong-su.mp3")
    with pytest.raises(ValidationError, match="not named like any audio or video file"):
        receive(kho, PRODUCER, pid, io.BytesIO(VTT), "khac.vtt")
    got = receive(kho, PRODUCER, pid, io.BytesIO(VTT), "Phong-Su.vie.vtt")
    assert got.file_id == second.file_id


def test_edit_and_remove_a_track(kho, bulletin):
    pid, file_id = bulletin
    got = receive(kho, PRODUCER, pid, io.BytesIO(VTT), "ban-tin.vtt")
    editing.edit_track(kho, PRODUCER, pid, file_id, got.track.track_id,
                      naming.parse_options("captions", "vi", "no"))
    [track] = product_view(kho, PRODUCER, pid)["files"][0]["tracks"]
    assert (track["kind"], track["language"]) == ("captions", "vie")
    with pytest.raises(ValidationError):
        editing.edit_track(kho, PRODUCER, pid, file_id, got.track.track_id,
                          naming.parse_options(language="klingon"))
    editing.remove_track(kho, PRODUCER, pid, file_id, got.track.track_id)
    assert product_view(kho, PRODUCER, pid)["files"][0]["tracks"] == []
    assert kho.storage.exists(original_key(got.sha256))      # the object stays
    with pytest.raises(NotFound):
        reading.open_track(kho, PRODUCER, pid, file_id, got.track.track_id)


def test_name_hints():
    known = {"vie", "bdq", "sed"}
    assert naming.name_hints("ban-tin.transcript.vi.auto.vtt", known) == \
        naming.NameHints("ban-tin", "transcript", "vie", True)
    assert naming.name_hints("ban.tin.bdq.srt", known) == naming.NameHints("ban.tin", None,
                                                                            "bdq", False)
    assert naming.name_hints("ban-tin.vtt", known).stem == "ban-tin"
