"""An uploaded original stored for the row that owns it
(app/services/preservation/uploaded.py, used by consent forms and activity evidence):
the object is written before ``record`` runs, an empty upload is refused by name, a
record that loses a race is run once more, the spool file never stays, and a replica
that does not answer leaves its copy in the outbox of the record's transaction."""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.services.preservation.uploaded import StoredOriginal, store_upload
from archive.errors import ValidationError
from archive.preservation import ReplicaOutbox
from tests.unit.services.preservation.test_fixity import make_kho, object_path


@pytest.fixture
def replicated(tmp_path):
    """The embedded defaults with a local replica."""
    runtime = make_kho(tmp_path, replica_storage="local",
                       replica_storage_path=str(tmp_path / "replica"))
    yield runtime
    runtime.close()


def _spool_files(kho) -> list[Path]:
    return [p for p in Path(kho.settings.spool_dir).rglob("*") if p.is_file()]


def test_the_object_is_on_both_copies_before_the_record_runs(replicated):
    data = b"%PDF-1.4\n" + os.urandom(5_000)
    seen: list[StoredOriginal] = []

    def record(stored: StoredOriginal) -> str:
        assert object_path(replicated.storage, stored.key).read_bytes() == data
        assert object_path(replicated.replica, stored.key).read_bytes() == data
        with replicated.transaction() as session:
            stored.record_copies(session)
        seen.append(stored)
        return "recorded"

    assert store_upload(replicated, io.BytesIO(data), "Phiếu đồng ý.pdf", record) == "recorded"
    [stored] = seen
    assert (stored.size, stored.media_type, stored.filename) == \
        (len(data), "application/pdf", "Phiếu đồng ý.pdf")
    assert stored.key.endswith(stored.sha256) and _spool_files(replicated) == []


def test_an_empty_upload_is_refused_by_name_and_nothing_is_recorded(replicated):
    def record(stored: StoredOriginal) -> None:
        raise AssertionError("an empty upload was recorded")

    with pytest.raises(ValidationError) as refused:
        store_upload(replicated, io.BytesIO(b""), "trong.pdf", record)
    assert refused.value.params["file"] == "trong.pdf"        # "trong.pdf is empty"
    assert _spool_files(replicated) == []


def test_a_record_that_loses_a_race_runs_once_more_and_other_errors_pass(replicated):
    calls = []

    def record(stored: StoredOriginal) -> int:
        calls.append(stored.sha256)
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, Exception("a parallel upload won"))
        return len(calls)

    assert store_upload(replicated, io.BytesIO(b"bytes"), "a.txt", record) == 2
    assert len(set(calls)) == 1

    def refusing(stored: StoredOriginal) -> None:
        raise ValidationError("no", field="given_by")

    with pytest.raises(ValidationError):
        store_upload(replicated, io.BytesIO(b"other bytes"), "b.txt", refusing)
    assert _spool_files(replicated) == []


def test_a_replica_that_does_not_answer_leaves_its_copy_in_the_outbox(replicated):
    shutil.rmtree(replicated.replica.root)
    replicated.replica.root.write_text("not a folder")

    def record(stored: StoredOriginal) -> str:
        assert stored.written.deferred
        with replicated.transaction() as session:
            stored.record_copies(session)
        return stored.key

    key = store_upload(replicated, io.BytesIO(os.urandom(2_000)), "anh.jpg", record)
    with replicated.transaction() as session:
        assert list(session.scalars(select(ReplicaOutbox.storage_key))) == [key]
