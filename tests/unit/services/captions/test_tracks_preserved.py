"""Tracks are preserved like originals: fixity checks them, the replica holds them, the
catalogue backup carries their rows, and a bag carries them to another instance, where
their words are found again."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.catalogue.product_view import product_view
from app.services.exports import packages
from app.services.files.intake import receive
from app.services.imports import catalogue_import
from app.services.instance.setup import init_instance
from app.services.preservation import backup, fixity, replication
from app.services.search import indexing, queries
from archive.storage import original_key
from archive.tracks import CaptionTrack
from tests.conftest import make_settings
from tests.unit.ingest import media_factory

PRODUCER = Actor(1, "sx", "producer")
OPERATOR = packages.OPERATOR_ACTOR
SRT = """1
00:00:00,500 --> 00:00:01,500
Phòng chống sốt xuất huyết

2
00:00:02,000 --> 00:00:02,800
diệt lăng quăng mỗi tuần
""".encode()


def instance(tmp_path: Path, name: str, **settings) -> Kho:
    kho = Kho(make_settings(tmp_path / name, **settings))
    init_instance(kho)
    return kho


@pytest.fixture
def source(tmp_path):
    kho = instance(tmp_path, "source", replica_storage="local",
                   replica_storage_path=str(tmp_path / "replica"))
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Bản tin y tế"})
    mp3 = media_factory.tone(tmp_path / "ban-tin.mp3", seconds=3, channels=1)
    receive(kho, PRODUCER, pid, io.BytesIO(mp3.read_bytes()), "ban-tin.mp3")
    got = receive(kho, PRODUCER, pid, io.BytesIO(SRT), "ban-tin.transcript.vi.srt")
    yield kho, pid, got.sha256
    kho.close()


def test_fixity_and_the_replica_cover_tracks(source):
    kho, _, sha = source
    key = original_key(sha)
    assert kho.replica.exists(key)                          # written to both copies
    targets = {t.storage_key for t in fixity.select_targets(kho)}
    assert key in targets
    report = fixity.run(kho, fixity.select_targets(kho))
    assert not report.faulty
    assert replication.replicate_all(kho).present >= 2      # the media file and the track


def test_a_bag_carries_tracks_to_another_instance(source, tmp_path):
    kho, pid, sha = source
    out = tmp_path / "bag"
    packages.export(kho, OPERATOR, packages.ExportRequest(format="bagit", out=out, scope="all",
                                                        with_derivatives=True))
    assert (out / "data" / original_key(sha)).exists()
    target = instance(tmp_path, "target")
    try:
        catalogue_import.import_bag(target, OPERATOR, out)
        before = product_view(kho, PRODUCER, pid)["files"][0]["tracks"]
        after = product_view(target, OPERATOR, pid)["files"][0]["tracks"]
        keep = ("kind", "language", "machine_generated", "sha256", "size", "media_type",
                "original_filename", "cues", "words", "end_s")
        assert [{k: t[k] for k in keep} for t in after] == \
            [{k: t[k] for k in keep} for t in before]
        assert after[0]["source"] == "import"
        assert target.storage.exists(original_key(sha))
        indexing.flush(target)
        [hit] = queries.search(target, OPERATOR, {"q": "lăng quăng"}).hits
        assert hit.cue.start_s == 2.0 and hit.cue.kind == "transcript"
    finally:
        target.close()


def test_the_catalogue_backup_carries_track_rows(source, tmp_path):
    kho, _, _ = source
    backup.backup(kho, tmp_path / "backup")
    new = Kho(make_settings(tmp_path / "restored", storage_path=str(kho.settings.objects_dir)))
    try:
        backup.restore(new, tmp_path / "backup")
        with new.transaction() as s:
            assert s.scalar(select(func.count(CaptionTrack.id))) == 1
    finally:
        new.close()
