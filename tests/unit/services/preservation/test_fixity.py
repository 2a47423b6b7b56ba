"""Fixity on the embedded defaults: a flipped byte, a deleted or truncated object, in the
primary folder or the local replica, is found, reported, and repaired from the other copy."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.services.access import accounts
from app.services.preservation import fixity
from app.services.preservation import status
from app.services.catalogue import products
from app.services.access.actors import Actor
from app.services.files.intake import receive
from archive.models import Event, File
from archive.preservation import MISMATCH, MISSING, OK, PRIMARY, REPLICA, CopyFixity
from tests.conftest import make_settings

PRODUCER = Actor(1, "sx", "producer")


def make_kho(tmp_path: Path, template: Path | None = None, **overrides):
    """An initialised instance (from a copy of ``template``, the process's initialised
    instance folder, when given)."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from tests.conftest import start_from_template

    settings = make_settings(tmp_path / "instance", **overrides)
    if template is not None:
        start_from_template(template, settings)
    runtime = Kho(settings)
    init_instance(runtime)
    accounts.add_user(runtime, "sx", "producer", "12345678")
    return runtime


@pytest.fixture
def replicated(tmp_path, initialised_template):
    runtime = make_kho(tmp_path, initialised_template, replica_storage="local",
                       replica_storage_path=str(tmp_path / "replica"))
    yield runtime
    runtime.close()


def upload(kho, data: bytes, name: str = "phong-su.bin", title: str = "Phóng sự quyền trẻ em"):
    product_id = products.create_product(kho, PRODUCER, {"title": title})
    got = receive(kho, PRODUCER, product_id, io.BytesIO(data), name, queue=False)
    return got


def object_path(store, key: str) -> Path:
    return store.root / key


def flip_byte(path: Path, offset: int = 10) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def truncate(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)


DAMAGE = {"flip": flip_byte, "delete": Path.unlink, "truncate": truncate}
EXPECTED = {"flip": MISMATCH, "delete": MISSING, "truncate": MISMATCH}


def test_a_whole_archive_checks_ok_with_one_event_per_copy(replicated):
    got = upload(replicated, os.urandom(5000))
    report = fixity.run(replicated, fixity.select_targets(replicated))
    assert report.objects == 1 and report.count(OK) == 2 and not report.faulty
    assert report.bytes_read == 2 * 5000
    with replicated.transaction() as s:
        events = s.scalars(select(Event).where(Event.file_id == got.file_id,
                                               Event.action == "fixity.check")).all()
        assert sorted(e.detail.split(":")[0] for e in events) == [PRIMARY, REPLICA]
        assert {e.outcome for e in events} == {OK}
    assert status.checks(replicated) == {"fixity": "ok", "replica": "ok"}


@pytest.mark.parametrize("copy", [PRIMARY, REPLICA])
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damage_is_found_reported_and_repaired_from_the_other_copy(replicated, copy, damage):
    data = os.urandom(300_000)
    got = upload(replicated, data)
    key = fixity.select_targets(replicated)[0].storage_key
    store = replicated.storage if copy == PRIMARY else replicated.replica
    DAMAGE[damage](object_path(store, key))

    report = fixity.run(replicated, fixity.select_targets(replicated))
    [bad] = report.faulty
    assert (bad.copy, bad.verdict) == (copy, EXPECTED[damage])
    if damage == "flip":
        assert bad.found.size == len(data) and bad.found.sha256 != got.sha256
    health = status.checks(replicated)
    assert health["fixity"].startswith("degraded") and "1 faulty" in health["fixity"]
    [listed] = status.faulty_files(replicated)
    assert (listed.file_id, listed.copy, listed.storage_key) == (got.file_id, copy, key)
    assert listed.filename == "phong-su.bin" and listed.product_title == "Phóng sự quyền trẻ em"
    # a failed check changed nothing in storage
    if damage != "delete":
        assert object_path(store, key).read_bytes() != data

    repaired = fixity.run(replicated, fixity.select_targets(replicated), repair_faulty=True)
    assert [c.copy for c in repaired.repaired] == [copy] and not repaired.unrepairable
    assert object_path(store, key).read_bytes() == data
    assert status.checks(replicated)["fixity"] == "ok"
    assert status.faulty_files(replicated) == []
    with replicated.transaction() as s:
        actions = s.scalars(select(Event.action).where(Event.file_id == got.file_id)).all()
    assert "fixity.repair" in actions


def test_both_copies_bad_is_reported_and_nothing_is_guessed(replicated):
    data = os.urandom(4096)
    upload(replicated, data)
    key = fixity.select_targets(replicated)[0].storage_key
    flip_byte(object_path(replicated.storage, key))
    truncate(object_path(replicated.replica, key))
    before = (object_path(replicated.storage, key).read_bytes(),
              object_path(replicated.replica, key).read_bytes())
    report = fixity.run(replicated, fixity.select_targets(replicated), repair_faulty=True)
    assert len(report.faulty) == 2 and not report.repaired
    assert [t.storage_key for t in report.unrepairable] == [key]
    assert (object_path(replicated.storage, key).read_bytes(),
            object_path(replicated.replica, key).read_bytes()) == before
    assert "2 faulty" in status.checks(replicated)["fixity"]


def test_without_a_replica_a_missing_original_is_reported_not_repaired(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    got = upload(kho, b"ban tin " * 100)
    key = fixity.select_targets(kho)[0].storage_key
    object_path(kho.storage, key).unlink()
    report = fixity.run(kho, fixity.select_targets(kho), repair_faulty=True)
    assert [c.verdict for c in report.faulty] == [MISSING]
    assert [t.storage_key for t in report.unrepairable] == [key]
    with kho.transaction() as s:
        event = s.scalars(select(Event).where(Event.file_id == got.file_id,
                                              Event.action == "fixity.check")).one()
    assert event.outcome == MISSING and "object missing" in event.detail


def test_selection_by_product_sample_and_age(replicated):
    first = upload(replicated, b"a" * 100, title="Một")
    upload(replicated, b"b" * 100, title="Hai")
    upload(replicated, b"c" * 100, title="Ba")
    assert [t.sha256 for t in fixity.select_targets(replicated, product_id=first.product_id)] \
        == [first.sha256]
    assert len(fixity.select_targets(replicated, sample=2)) == 2
    fixity.run(replicated, fixity.select_targets(replicated, product_id=first.product_id))
    due = fixity.select_targets(replicated, since_last_days=1)
    assert len(due) == 2 and first.sha256 not in {t.sha256 for t in due}
    # never-checked originals come before checked ones
    assert fixity.select_targets(replicated)[-1].sha256 == first.sha256


def test_same_content_in_two_products_is_one_object_checked_for_both_files(replicated):
    data = os.urandom(2048)
    one = upload(replicated, data, title="Một")
    two = upload(replicated, data, title="Hai")
    [target] = fixity.select_targets(replicated)
    assert {f.file_id for f in target.files} == {one.file_id, two.file_id}
    flip_byte(object_path(replicated.storage, target.storage_key))
    fixity.run(replicated, [target])
    assert {f.file_id for f in status.faulty_files(replicated)} == {one.file_id, two.file_id}
    assert status.faulty_count(replicated) == 1


def test_rate_limit_paces_reading():
    slept = []
    pacer = fixity.Pacer(rate_mb_s=1.0)
    pacer.started -= 0.0
    import app.services.preservation.fixity as module

    real = module.time.sleep
    module.time.sleep = slept.append
    try:
        pacer(500_000)
    finally:
        module.time.sleep = real
    assert slept and 0.4 < slept[0] <= 0.5


def test_a_deleted_products_originals_do_not_keep_the_archive_degraded(replicated):
    got = upload(replicated, os.urandom(1000))
    key = fixity.select_targets(replicated)[0].storage_key
    object_path(replicated.replica, key).unlink()
    fixity.run(replicated, fixity.select_targets(replicated))
    assert status.faulty_count(replicated) == 1
    with replicated.transaction() as s:
        s.delete(s.get(File, got.file_id))
    assert status.faulty_count(replicated) == 0
    with replicated.transaction() as s:
        assert s.scalar(select(func.count()).select_from(CopyFixity)) == 2
