"""Upload -> store -> process -> record, through the service layer on embedded defaults."""
from __future__ import annotations

import io
from datetime import timedelta
import random

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.services.access import accounts
from app.services.instance import jobs
from app.services.processing import pipeline
from app.services.catalogue import products
from app.services.access.actors import Actor
from app.services.files.intake import receive
from archive.base import utcnow
from archive.errors import PermissionDenied, TooLarge, ValidationError
from tests.stored_keys import stored_keys
from archive.models import Derivative, Event, File, Product
from tests.conftest import make_settings
from tests.unit.ingest import media_factory

PRODUCER = Actor(1, "sx", "producer")


@pytest.fixture
def product_id(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    return products.create_product(kho, PRODUCER, {"title": "Tranh cổ động quyền trẻ em",
                                                   "kind": "poster"})


def png_bytes(size=(600, 400), colour="red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def test_image_upload_becomes_ready_with_derivatives_and_events(kho, product_id):
    got = receive(kho, PRODUCER, product_id, io.BytesIO(png_bytes()), "Tra\u0301nh.png")
    assert got.media_type == "image/png" and not got.type_mismatch and got.duplicate == ""
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        assert f.status == "ready", f.error
        assert f.original_filename == "Tránh.png"                  # NFC in the catalogue
        assert f.storage_key == f"originals/{f.sha256[:2]}/{f.sha256[2:4]}/{f.sha256}"
        assert {d.name for d in f.derivatives} >= {"thumbnail", "preview"}
        assert f.technical.get("width") == 600
        assert s.get(Product, product_id).status == "ready"
        actions = {e.action for e in s.scalars(select(Event).where(Event.file_id == f.id))}
        assert "file.receive" in actions and len(actions) >= 3
    assert kho.storage.exists(f.storage_key)
    for d in f.derivatives:
        assert kho.storage.size(d.storage_key) == d.size


def test_same_content_is_stored_once_and_said_so(kho, product_id):
    data = png_bytes(colour="blue")
    first = receive(kho, PRODUCER, product_id, io.BytesIO(data), "a.png")
    again = receive(kho, PRODUCER, product_id, io.BytesIO(data), "b.png")
    assert again.duplicate == "same-product" and again.file_id == first.file_id
    other = products.create_product(kho, PRODUCER, {"title": "Ảnh khác"})
    linked = receive(kho, PRODUCER, other, io.BytesIO(data), "c.png")
    assert linked.duplicate == "stored-before" and linked.duplicate_of == first.file_id
    assert len(list(stored_keys(kho.storage, "originals/"))) == 1


def test_mislabelled_file_is_identified_by_content_and_flagged(kho, product_id):
    got = receive(kho, PRODUCER, product_id, io.BytesIO(png_bytes()), "poster.mp3")
    assert got.media_type == "image/png" and got.type_mismatch is True
    with kho.transaction() as s:
        assert s.get(File, got.file_id).status == "ready"


def test_corrupt_video_fails_keeps_original_and_can_be_retried(kho, product_id):
    # the same junk every run: some random bytes pass for a stream with no picture,
    # which fails with another (also clear) message
    junk = random.Random(1079).randbytes(50_000)
    got = receive(kho, PRODUCER, product_id, io.BytesIO(junk), "phong-su.mp4")
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        assert f.status == "failed" and f.problem in ("video.unreadable", "video.no_picture")
        assert "Invalid data" in f.error_detail or "no picture" in f.error_detail
        assert "phong-su.mp4" in f.error_detail                  # the user's name for it
        assert str(kho.settings.instance) not in f.error + f.error_detail  # no server paths
        assert s.get(Product, product_id).status == "failed"     # its only file
    assert kho.storage.exists(f.storage_key)                    # the original is kept
    assert pipeline.retry(kho) == [got.file_id]
    with kho.transaction() as s:
        assert s.get(File, got.file_id).attempts == 2


def test_too_large_upload_is_refused_while_streaming_and_nothing_is_kept(tmp_path):
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    kho = Kho(make_settings(tmp_path / "i", max_upload_bytes=1000))
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Lớn"})
    with pytest.raises(TooLarge) as err:
        receive(kho, PRODUCER, pid, io.BytesIO(b"x" * 5000), "lớn.bin")
    assert "lớn.bin" in str(err.value) and "1,000" in str(err.value)
    assert list(stored_keys(kho.storage)) == []
    assert list(kho.settings.spool_dir.iterdir()) == []
    with pytest.raises(ValidationError):
        receive(kho, PRODUCER, pid, io.BytesIO(b""), "rỗng.txt")


def test_commune_staff_cannot_upload(kho, product_id):
    with pytest.raises(PermissionDenied):
        receive(kho, Actor(9, "xa", "commune"), product_id, io.BytesIO(b"data"), "x.bin")


def test_interrupted_processing_is_recovered_without_duplicates(kho, product_id, tmp_path):
    wav = media_factory.tone(tmp_path / "tin.wav", seconds=2)
    with wav.open("rb") as fh:
        got = receive(kho, PRODUCER, product_id, fh, "tin.wav")
    with kho.transaction() as s:    # as if a worker were mid-way, renewing its claim
        f = s.get(File, got.file_id)
        assert f.status == "ready"
        f.status, f.claimed_by = "processing", "other-host:1:abc"
        f.lease_expires_at = utcnow() + timedelta(seconds=30)
    assert jobs.recover_unfinished(kho) == 0          # a live claim is not taken
    assert pipeline.retry(kho, [got.file_id]) == []
    with kho.transaction() as s:    # ... then it died: its lease runs out
        s.get(File, got.file_id).lease_expires_at = utcnow() - timedelta(seconds=1)
    assert jobs.recover_unfinished(kho) == 1
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        assert f.status == "ready"
        names = [d.name for d in s.scalars(select(Derivative).where(Derivative.file_id == f.id))]
        assert sorted(names) == sorted(set(names)) and "broadcast" in names
        assert s.scalar(select(func.count(File.id))) == 1


def test_a_storage_failure_while_processing_fails_the_file_without_server_paths(
        kho, product_id, monkeypatch):
    from archive.errors import StorageError

    got = receive(kho, PRODUCER, product_id, io.BytesIO(png_bytes()), "áp phích.png",
                  queue=False)

    def refuse(*args, **kwargs):
        raise StorageError(f"cannot write 'derivatives/ab' in storage folder "
                           f"{kho.settings.objects_dir}: No space left on device", field="key")

    monkeypatch.setattr(type(kho.storage), "put_file", refuse)
    assert pipeline.process_file(kho, got.file_id) == "failed"
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        shown = f.error + f.error_detail + " ".join(
            e.detail for e in s.scalars(select(Event).where(Event.file_id == f.id)))
    assert f.status == "failed" and f.problem == "storage.unavailable" and "storage" in f.error
    assert str(kho.settings.instance) not in shown and "derivatives/" not in shown


def test_a_spool_that_cannot_hold_a_work_folder_fails_the_file_instead_of_sticking(
        kho, product_id, monkeypatch):
    got = receive(kho, PRODUCER, product_id, io.BytesIO(png_bytes()), "áp phích.png",
                  queue=False)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(kho.settings.spool_dir / "work-1-1"))

    monkeypatch.setattr(pipeline, "_workdir", full)
    assert pipeline.process_file(kho, got.file_id) == "failed"
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        assert f.status == "failed" and f.problem == "server.disk_full"
        assert "No space left on device" in f.error_detail
        assert str(kho.settings.instance) not in f.error + f.error_detail
    assert pipeline.retry(kho) == [got.file_id]          # and can be retried


def test_a_decompression_bomb_is_named_by_its_file_name_not_its_checksum(kho, product_id,
                                                                         tmp_path):
    bomb = media_factory.png_header_only(tmp_path / "bomb.png", 30_000, 30_000)
    got = receive(kho, PRODUCER, product_id, io.BytesIO(bomb.read_bytes()),
                  "áp phích khổ lớn.png")
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        assert f.status == "failed" and f.problem == "image.bomb"
        assert f.problem_params["limit"] == kho.settings.image_max_pixels
        assert "decompression bomb" in f.error_detail
        assert "áp phích khổ lớn.png" in f.error_detail
        assert f.sha256 not in f.error + f.error_detail + str(f.problem_params)
