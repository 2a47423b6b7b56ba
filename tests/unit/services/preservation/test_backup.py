"""Catalogue backup and restore on SQLite: the whole recovery drill, and refusals."""
from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path

import pytest

from app.bootstrap import Kho
from app.services.access import accounts
from app.services.preservation import backup
from app.services.preservation import fixity
from app.services.search import indexing
from app.services.catalogue import products
from app.services.search import queries
from app.services.access.actors import Actor
from app.services.instance.setup import init_instance
from app.services.files.intake import receive
from archive.errors import Conflict, ValidationError
from tests.conftest import make_settings

PRODUCER = Actor(1, "sx", "producer")


def filled_instance(instance: Path, objects: Path, **overrides) -> tuple[Kho, list[bytes]]:
    kho = Kho(make_settings(instance, storage_path=str(objects), **overrides))
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    blobs = []
    for i, title in enumerate(["Quyền trẻ em", "Phòng chống tra tấn", "Bình đẳng giới"]):
        product_id = products.create_product(kho, PRODUCER, {"title": title})
        data = os.urandom(2000 + i)
        receive(kho, PRODUCER, product_id, io.BytesIO(data), f"tep-{i}.bin", queue=False)
        blobs.append(data)
    indexing.reindex_all(kho)
    return kho, blobs


def recovery_drill(tmp_path: Path, old: Kho, new_overrides: dict) -> Kho:
    """Backup the running instance, restore into a new one on the same storage,
    init, reindex; return the new instance."""
    report = backup.backup(old, tmp_path / "backup")
    assert report.products == 3 and report.files == 3
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert set(manifest["contents"]) >= {"settings.toml"}
    settings_text = (tmp_path / "backup" / "settings.toml").read_text()
    assert "test-secret" not in settings_text and "secret_key" not in settings_text
    new = Kho(make_settings(tmp_path / "new-instance", storage_path=str(old.settings.objects_dir),
                            **new_overrides))
    restored = backup.restore(new, tmp_path / "backup")
    assert (restored.products, restored.files) == (3, 3)
    init_instance(new)
    indexing.reindex_all(new)
    return new


def test_the_recovery_drill_brings_back_catalogue_search_and_originals(tmp_path):
    old, blobs = filled_instance(tmp_path / "instance", tmp_path / "objects")
    new = recovery_drill(tmp_path, old, {})
    hits = queries.search(new, PRODUCER, {"q": "quyen tre em"})
    assert [h.title for h in hits.hits][:1] == ["Quyền trẻ em"]
    report = fixity.run(new, fixity.select_targets(new))
    assert report.objects == 3 and not report.faulty
    assert accounts.sign_in(new, "sx", "12345678")[0].username == "sx"
    # the queue was not backed up: a starting worker queues the waiting files again
    # (once they have waited a while, as files restored from a backup have)
    from datetime import timedelta

    from sqlalchemy import select, update

    from app.services.instance import jobs
    from archive.base import utcnow
    from archive.models import File

    with new.transaction() as session:
        session.execute(update(File).values(updated_at=utcnow() - timedelta(days=1)))
    assert jobs.recover_unfinished(new) >= 3
    with new.transaction() as session:
        assert set(session.scalars(select(File.status))) == {"ready"}
    old.close()
    new.close()


def test_backup_is_consistent_while_uploads_go_on(tmp_path):
    old, _ = filled_instance(tmp_path / "instance", tmp_path / "objects")
    product_id = products.create_product(old, PRODUCER, {"title": "Đang tải lên"})
    stop = threading.Event()

    def keep_uploading():
        while not stop.is_set():
            receive(old, PRODUCER, product_id, io.BytesIO(os.urandom(500)), "x.bin", queue=False)

    worker = threading.Thread(target=keep_uploading)
    worker.start()
    try:
        report = backup.backup(old, tmp_path / "backup")
    finally:
        stop.set()
        worker.join()
    new = Kho(make_settings(tmp_path / "new", storage_path=str(old.settings.objects_dir)))
    restored = backup.restore(new, tmp_path / "backup")
    assert restored.files == report.files >= 3
    init_instance(new)      # a consistent snapshot opens and upgrades cleanly
    old.close()
    new.close()


def test_restore_refuses_a_damaged_backup_and_a_database_that_is_not_empty(tmp_path, kho):
    old, _ = filled_instance(tmp_path / "instance", tmp_path / "objects")
    backup.backup(old, tmp_path / "backup")
    with pytest.raises(Conflict):                     # the kho fixture is initialised
        backup.restore(kho, tmp_path / "backup")
    with open(tmp_path / "backup" / "catalogue.sqlite3", "r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00\x01")
    fresh = Kho(make_settings(tmp_path / "fresh"))
    with pytest.raises(ValidationError) as err:
        backup.restore(fresh, tmp_path / "backup")
    assert err.value.field == "catalogue.sqlite3"
    with pytest.raises(Conflict):                     # never over an earlier backup
        backup.backup(old, tmp_path / "backup")
    old.close()
    fresh.close()
