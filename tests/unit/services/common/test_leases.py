"""Processing claims: one holder at a time, free again when its lease runs out, and a
holder that lost its claim records nothing."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.services.access import accounts
from app.services.common import leases
from app.services.processing import pipeline
from app.services.catalogue import products
from app.services.access.actors import Actor
from app.services.files.intake import receive
from archive.base import utcnow
from archive.models import Event, File
from tests.conftest import make_settings

PRODUCER = Actor(1, "sx", "producer")


@pytest.fixture
def queued_file(tmp_path):
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    kho = Kho(make_settings(tmp_path / "instance", queue_url=""))   # jobs wait, unrun
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Bản tin"})
    got = receive(kho, PRODUCER, pid, io.BytesIO(b"ID3" + bytes(3000)), "tin.mp3")
    yield kho, got.file_id
    kho.close()


def _expire(kho, file_id: int) -> None:
    with kho.transaction() as s:
        s.get(File, file_id).lease_expires_at = utcnow() - timedelta(seconds=1)


def test_a_live_claim_is_never_taken_and_an_expired_one_is(queued_file):
    kho, file_id = queued_file
    first = leases.claim(kho, file_id)
    assert first is not None
    assert leases.claim(kho, file_id) is None                 # a second consumer
    assert leases.claim(kho, file_id, force=True) is None     # even a forced rebuild
    assert pipeline.retry(kho, [file_id]) == []             # kho retry leaves it
    assert leases.renew(kho, first)
    _expire(kho, file_id)                                     # the holder died
    assert pipeline.retry(kho, [file_id]) == [file_id]      # kho retry takes it
    with kho.transaction() as s:
        row = s.get(File, file_id)
        assert (row.status, row.claimed_by, row.lease_expires_at) == ("queued", "", None)
    second = leases.claim(kho, file_id)
    assert second is not None and second.token != first.token
    assert not leases.renew(kho, first)                       # the old holder notices


def test_a_holder_whose_claim_was_taken_records_nothing(queued_file):
    kho, file_id = queued_file
    first = leases.claim(kho, file_id)
    _expire(kho, file_id)
    second = leases.claim(kho, file_id)
    assert pipeline._record(kho, first, [], []) == "superseded"
    assert pipeline._record_crash(kho, first, RuntimeError("late")) == "superseded"
    with kho.transaction() as s:
        row = s.get(File, file_id)
        assert row.status == "processing" and row.claimed_by == second.token
        assert s.query(Event).filter(Event.action == "file.process").count() == 0


def test_each_attempt_has_its_own_work_folder(queued_file):
    kho, file_id = queued_file
    first = leases.claim(kho, file_id)
    _expire(kho, file_id)
    second = leases.claim(kho, file_id)
    assert pipeline._workdir(kho, first) != pipeline._workdir(kho, second)
