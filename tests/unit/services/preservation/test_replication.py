"""The second copy on the embedded defaults: written at intake, queued when the replica
is down and copied when it is back, brought up to date by ``replicate_all``; intake
repairs a corrupt object it would otherwise link to; the rolling audit."""
from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import func, select

from app.services.preservation import rolling_audit
from app.services.preservation import fixity
from app.services.instance import jobs
from app.services.preservation import status
from app.services.preservation import replication
from app.services.files.downloads import open_rendition
from archive.models import Event
from archive.preservation import OK, PRIMARY, REPLICA, CopyFixity, ReplicaOutbox
from tests.unit.services.preservation.test_fixity import PRODUCER, flip_byte, make_kho, object_path, replicated, \
    truncate, upload  # noqa: F401 (fixture)


def take_down(store) -> None:
    """Make a local replica unusable: its folder becomes a plain file."""
    shutil.rmtree(store.root)
    store.root.write_text("not a folder")


def bring_back(store) -> None:
    store.root.unlink()
    store.root.mkdir()


def outbox(kho) -> list[str]:
    with kho.transaction() as s:
        return list(s.scalars(select(ReplicaOutbox.storage_key)))


def test_intake_writes_both_copies_before_the_row(replicated):
    data = os.urandom(10_000)
    got = upload(replicated, data)
    key = f"originals/{got.sha256[:2]}/{got.sha256[2:4]}/{got.sha256}"
    assert object_path(replicated.storage, key).read_bytes() == data
    assert object_path(replicated.replica, key).read_bytes() == data
    assert outbox(replicated) == []


def test_replica_down_during_intake_then_back_is_drained(replicated):
    take_down(replicated.replica)
    data = os.urandom(20_000)
    got = upload(replicated, data)          # intake does not stop
    key = fixity.select_targets(replicated)[0].storage_key
    assert object_path(replicated.storage, key).read_bytes() == data
    assert outbox(replicated) == [key]
    health = status.checks(replicated)
    assert health["replica"].startswith("degraded")
    assert replication.drain_outbox(replicated).copied == 0      # still down
    with replicated.transaction() as s:
        row = s.get(ReplicaOutbox, key)
        assert row.attempts == 2 and row.last_error   # the drain queued by intake, and this one
    bring_back(replicated.replica)
    assert status.checks(replicated)["replica"].startswith("degraded")  # the lag
    assert status.replica_lag(replicated).waiting == 1
    report = replication.drain_outbox(replicated)
    assert report.copied == 1 and outbox(replicated) == []
    assert object_path(replicated.replica, key).read_bytes() == data
    assert status.checks(replicated)["replica"] == "ok"
    with replicated.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.file_id == got.file_id, Event.action == "replica.copy")) == 1


def test_worker_start_queues_a_drain_for_waiting_copies(replicated):
    take_down(replicated.replica)
    upload(replicated, os.urandom(1000))
    bring_back(replicated.replica)
    assert jobs.recover_unfinished(replicated) >= 1     # the immediate queue runs it
    assert outbox(replicated) == []


def test_intake_replaces_a_corrupt_object_with_the_new_uploads_verified_bytes(replicated):
    data = os.urandom(50_000)
    first = upload(replicated, data, title="Một")
    key = fixity.select_targets(replicated)[0].storage_key
    flip_byte(object_path(replicated.storage, key))
    truncate(object_path(replicated.replica, key))
    again = upload(replicated, data, title="Hai")          # the same content, re-uploaded
    assert again.duplicate == "stored-before"
    assert object_path(replicated.storage, key).read_bytes() == data
    assert object_path(replicated.replica, key).read_bytes() == data
    with replicated.transaction() as s:
        repairs = s.scalars(select(Event).where(Event.action == "fixity.repair")).all()
        states = {c.copy: c.verdict for c in s.scalars(select(CopyFixity))}
    assert {e.file_id for e in repairs} == {first.file_id}    # the file that pointed at it
    assert {e.detail.split(":")[0] for e in repairs} == {PRIMARY, REPLICA}
    assert states == {PRIMARY: OK, REPLICA: OK}
    report = fixity.run(replicated, fixity.select_targets(replicated))
    assert not report.faulty


def test_intake_restores_a_lost_object(kho):
    from app.services.access import accounts

    accounts.add_user(kho, "sx", "producer", "12345678")
    data = os.urandom(3000)
    upload(kho, data, title="Một")
    key = fixity.select_targets(kho)[0].storage_key
    object_path(kho.storage, key).unlink()
    upload(kho, data, title="Hai")
    assert object_path(kho.storage, key).read_bytes() == data
    with kho.transaction() as s:
        [detail] = s.scalars(select(Event.detail).where(Event.action == "fixity.repair")).all()
    assert "object was missing" in detail


def test_original_downloads_carry_their_sha256_digest(replicated):
    import base64
    import hashlib

    data = os.urandom(777)
    got = upload(replicated, data)
    download = open_rendition(replicated, PRODUCER, got.product_id, got.file_id, "original",
                              record=False)
    value = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert download.digest_headers == {"Repr-Digest": f"sha-256=:{value}:",
                                       "Digest": f"sha-256={value}"}


def test_replicate_all_copies_what_the_replica_lacks_and_resumes(tmp_path):
    plain = make_kho(tmp_path)                   # an archive without a replica
    blobs = [os.urandom(1000 + i) for i in range(3)]
    for i, data in enumerate(blobs):
        upload(plain, data, title=f"Sản phẩm {i}")
    plain.close()
    from app.bootstrap import Kho
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "instance", replica_storage="local",
                             replica_storage_path=str(tmp_path / "replica"))
    later = Kho(settings)
    first_key = fixity.select_targets(later)[0].storage_key
    later.replica.ensure()
    object_path(later.replica, first_key).parent.mkdir(parents=True)
    shutil.copy(object_path(later.storage, first_key), object_path(later.replica, first_key))
    seen = []
    report = replication.replicate_all(later, progress=seen.append)
    assert (report.objects, report.copied, report.present) == (3, 2, 1)
    assert len(seen) == 3
    again = replication.replicate_all(later)
    assert (again.copied, again.present) == (0, 3)
    assert not fixity.run(later, fixity.select_targets(later)).faulty
    later.close()


def test_replicate_refuses_to_spread_a_corrupt_primary(replicated):
    upload(replicated, os.urandom(900))
    key = fixity.select_targets(replicated)[0].storage_key
    object_path(replicated.replica, key).unlink()
    flip_byte(object_path(replicated.storage, key))
    report = replication.replicate_all(replicated)
    assert report.refused == [key] and not object_path(replicated.replica, key).exists()


def test_audit_tick_checks_due_originals_and_resumes_where_it_stopped(replicated):
    for i in range(3):
        upload(replicated, os.urandom(500 + i), title=f"Sản phẩm {i}")
    first = rolling_audit.audit_tick(replicated, slice_seconds=0)       # no time: nothing checked
    assert first.objects == 0
    report = rolling_audit.audit_tick(replicated)
    assert report.objects == 3 and len(report.checks) == 6
    assert rolling_audit.audit_tick(replicated).objects == 0            # nothing due any more


def test_audit_goes_on_with_the_primary_while_the_replica_is_down(replicated):
    upload(replicated, os.urandom(500))
    take_down(replicated.replica)
    report = rolling_audit.audit_tick(replicated)
    assert [c.copy for c in report.checks] == [PRIMARY]
    assert rolling_audit.audit_tick(replicated).objects == 0            # primary checked: not due


def test_one_audit_at_a_time(replicated):
    assert rolling_audit.acquire_lease(replicated, "x", 60)
    assert not rolling_audit.acquire_lease(replicated, "x", 60)
    rolling_audit.release_lease(replicated, "x")
    assert rolling_audit.acquire_lease(replicated, "x", -1)              # expired at once
    assert rolling_audit.acquire_lease(replicated, "x", 60)


def test_a_replica_folder_equal_to_the_primary_is_refused(tmp_path):
    from config.settings import ConfigError
    from tests.conftest import make_settings

    with pytest.raises(ConfigError) as err:
        make_settings(tmp_path / "i", replica_storage="local",
                      replica_storage_path=str(tmp_path / "i" / "objects"))
    assert err.value.field == "replica_storage_path"
    with pytest.raises(ConfigError) as err:
        make_settings(tmp_path / "i", replica_storage="local")
    assert err.value.field == "replica_storage_path"


def test_the_consumer_schedules_the_audit_every_few_minutes(replicated):
    from datetime import datetime

    jobs.register_all(replicated)
    periodic = {t.name: t for t in replicated.queue.huey._registry.periodic_tasks}
    task = periodic[rolling_audit.JOB_AUDIT]
    assert task.validate_datetime(datetime(2026, 12, 1, 8, rolling_audit.AUDIT_EVERY_MINUTES))
    assert not task.validate_datetime(datetime(2026, 12, 1, 8, 1))
    consumer = replicated.queue.consumer(1)
    assert consumer.periodic


def test_the_audit_logs_a_warning_per_faulty_copy(replicated, caplog):
    import logging

    upload(replicated, os.urandom(700))
    key = fixity.select_targets(replicated)[0].storage_key
    flip_byte(object_path(replicated.replica, key))
    with caplog.at_level(logging.INFO, logger="kho.audit"):
        rolling_audit.audit_tick(replicated)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and f"replica copy of {key} is mismatch" in warnings[0]
    assert any("1 originals checked" in r.getMessage() for r in caplog.records)


def test_a_replica_no_longer_configured_does_not_keep_the_archive_degraded(replicated, tmp_path):
    from app.bootstrap import Kho
    from tests.conftest import make_settings

    upload(replicated, os.urandom(600))
    key = fixity.select_targets(replicated)[0].storage_key
    object_path(replicated.replica, key).unlink()
    fixity.run(replicated, fixity.select_targets(replicated))
    assert status.faulty_count(replicated) == 1
    single = Kho(make_settings(tmp_path / "instance"))       # replica_storage removed
    assert status.faulty_count(single) == 0
    assert status.checks(single) == {"fixity": "ok"}
    single.close()


def test_after_a_replica_failure_uploads_do_not_wait_for_it_again_at_once(replicated,
                                                                          monkeypatch):
    take_down(replicated.replica)
    upload(replicated, os.urandom(800), title="Một")            # tries, fails, queues
    tried = []
    real = replication._put_checked

    def counting(store, *args):
        tried.append(store)
        return real(store, *args)

    monkeypatch.setattr(replication, "_put_checked", counting)
    upload(replicated, os.urandom(801), title="Hai")            # within the back-off
    assert replicated.replica not in tried and len(outbox(replicated)) == 2
    bring_back(replicated.replica)
    replication._backoff.clear()                                # the back-off has passed
    upload(replicated, os.urandom(802), title="Ba")
    assert replicated.replica in tried


def test_a_lease_left_by_an_ended_consumer_of_this_machine_is_taken_over(replicated):
    """A consumer stopped mid-tick never releases its lease: the next server's audit takes
    it over at once (its holder's process has ended), not after LEASE_SECONDS; a live
    holder, or one on another machine, keeps it until it expires."""
    import socket
    import subprocess
    import sys

    from archive.preservation import PreservationLease

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for holder, taken in ((f"{socket.gethostname()}:{alive.pid}", False),
                              (f"another-host:{ended.pid}", False),
                              (f"{socket.gethostname()}:{ended.pid}", True)):
            assert rolling_audit.acquire_lease(replicated, "x", 600)
            with replicated.transaction() as session:
                session.get(PreservationLease, "x").holder = holder
            assert rolling_audit.acquire_lease(replicated, "x", 600) is taken, holder
            rolling_audit.release_lease(replicated, "x")
            with replicated.transaction() as session:     # what release could not remove
                lease = session.get(PreservationLease, "x")
                if lease is not None:
                    session.delete(lease)
    finally:
        alive.kill()
        alive.wait()
