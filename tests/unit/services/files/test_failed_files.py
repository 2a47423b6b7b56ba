"""A failed file: its problem as code and values, the product "ready, with a warning",
and the producer's two answers — Retry and Remove file — with their permissions and
effects counted (rows, objects, jobs, audit events).

Shared with tests/integration/test_failed_files_postgres.py (same tests on PostgreSQL).
"""
from __future__ import annotations

import io
import json
from typing import Iterator

import pytest
from sqlalchemy import func, select

from app.services.access import accounts
from app.services.files import failed_files
from app.services.instance import jobs
from app.services.processing import pipeline
from app.services.catalogue import products
from app.services.access.actors import Actor
from app.services.files.intake import receive
from archive.errors import Conflict, NotFound, PermissionDenied
from archive.models import Derivative, Event, File, Product
from tests.stored_keys import stored_keys
from archive.outbox import JobOutbox
from tests.unit.ingest import media_factory

PRODUCER = Actor(1, "sx", "producer")
ADMIN = Actor(2, "qt", "admin")


@pytest.fixture
def quiet(settings, initialised_template) -> Iterator:
    """An instance whose jobs wait in the SQLite queue file (counted, not run), on the
    database of ``settings`` (SQLite here, PostgreSQL in the integration twin)."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from tests.conftest import start_from_template

    start_from_template(initialised_template, settings)   # a copy, not the migrations again
    runtime = Kho(settings.replace(queue_url=""))
    init_instance(runtime)
    accounts.add_user(runtime, "sx", "producer", "12345678")
    accounts.add_user(runtime, "qt", "admin", "12345678")
    jobs.register_all(runtime)
    yield runtime
    runtime.close()


def _product(kho, kind: str = "radio-feature") -> int:
    return products.create_product(kho, PRODUCER, {"title": "Phóng sự Kon Braih",
                                                   "kind": kind})


def _failed_file(kho, pid: int, data: bytes = b"\x00\x00\x00\x18ftypmp42" + b"x" * 900,
                 name: str = "phong-su.mp4") -> int:
    """A file whose processing failed (as a truncated video would)."""
    got = receive(kho, PRODUCER, pid, io.BytesIO(data), name, queue=False)
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        f.status, f.problem, f.problem_params = "failed", "video.truncated", {}
        f.error_detail = "what the tool said before any retry"
        pipeline.product_status(f.product)
    return got.file_id


def _jobs(kho, file_id: int) -> int:
    return sum(1 for args in kho.queue.waiting_args("file.process") if args[0] == file_id)


def _events(kho, action: str) -> int:
    with kho.transaction() as s:
        return s.scalar(select(func.count(Event.id)).where(Event.action == action))


# --- problems from real processing ---------------------------------------------------

def test_a_cut_short_video_is_told_as_such_with_the_remedy(kho, tmp_path):
    from app.i18n import gettext_for

    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = _product(kho, "video")
    whole = media_factory.video(tmp_path / "ban-tin.mp4", seconds=2).read_bytes()
    got = receive(kho, PRODUCER, pid, io.BytesIO(whole[: len(whole) // 3]), "ban-tin.mp4")
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        assert f.status == "failed" and f.problem == "video.truncated", f.error_detail
        assert "moov atom not found" in f.error_detail        # the tool's own words, kept
        message = f.error
    assert message.render(gettext_for("vi")) == \
        "Tệp video bị cắt cụt — hãy tải lên lại bản gốc."
    assert message.render(gettext_for("en")) == \
        "The video file is cut short — upload the original file again."


def test_one_failed_file_beside_a_ready_one_leaves_the_product_ready_with_a_warning(
        kho, tmp_path):
    from app.services.catalogue.product_view import product_view

    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = _product(kho)
    wav = media_factory.tone(tmp_path / "tin.wav", seconds=1)
    with wav.open("rb") as fh:
        receive(kho, PRODUCER, pid, fh, "tin.wav")
    assert product_view(kho, PRODUCER, pid)["status"] == "ready"
    receive(kho, PRODUCER, pid, io.BytesIO(b"ID3" + b"\x00" * 4000), "hong.mp3")
    view = product_view(kho, PRODUCER, pid)
    assert sorted(f["status"] for f in view["files"]) == ["failed", "ready"]
    assert view["status"] == "ready" and view["warnings"] == 1      # not "failed"
    bad = next(f for f in view["files"] if f["status"] == "failed")
    assert bad["problem"]["code"].startswith("audio.") and bad["problem"]["tool_output"]


def test_a_product_whose_only_file_failed_is_failed(quiet):
    pid = _product(quiet)
    _failed_file(quiet, pid)
    with quiet.transaction() as s:
        assert s.get(Product, pid).status == "failed"


# --- permissions -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["commune", "office"])
def test_only_producers_and_admins_may_retry_or_remove(quiet, role):
    pid = _product(quiet)
    fid = _failed_file(quiet, pid)
    someone = Actor(9, "khac", role)
    with pytest.raises(PermissionDenied):
        failed_files.retry_file(quiet, someone, pid, fid)
    with pytest.raises(PermissionDenied):
        failed_files.remove_file(quiet, someone, pid, fid)
    with quiet.transaction() as s:
        assert s.get(File, fid).status == "failed"
    assert _jobs(quiet, fid) == 0 and _events(quiet, "file.remove") == 0


def test_a_file_that_has_not_failed_is_neither_retried_nor_removed(quiet):
    pid = _product(quiet)
    got = receive(quiet, PRODUCER, pid, io.BytesIO(b"ID3" + b"a" * 500), "tin.mp3")
    with pytest.raises(Conflict):
        failed_files.retry_file(quiet, PRODUCER, pid, got.file_id)
    with pytest.raises(Conflict):
        failed_files.remove_file(quiet, ADMIN, pid, got.file_id)
    assert _jobs(quiet, got.file_id) == 1          # only the upload's own job


def test_a_file_of_another_product_is_not_found_through_this_one(quiet):
    pid, other = _product(quiet), _product(quiet)
    fid = _failed_file(quiet, other)
    with pytest.raises(NotFound):
        failed_files.retry_file(quiet, PRODUCER, pid, fid)
    with pytest.raises(NotFound):
        failed_files.remove_file(quiet, PRODUCER, pid, fid)


# --- effects ---------------------------------------------------------------------------

def test_retry_queues_one_job_through_the_outbox_and_audits_it(quiet):
    pid = _product(quiet)
    fid = _failed_file(quiet, pid)
    assert failed_files.retry_file(quiet, PRODUCER, pid, fid) == ("queued", "phong-su.mp4")
    with quiet.transaction() as s:
        f = s.get(File, fid)
        assert f.status == "queued" and s.get(Product, pid).status == "processing"
        assert s.scalar(select(func.count(JobOutbox.id))) == 0     # sent, not left behind
    assert _jobs(quiet, fid) == 1 and _events(quiet, "file.retry") == 1
    with pytest.raises(Conflict):           # pressed again: already queued, no second job
        failed_files.retry_file(quiet, ADMIN, pid, fid)
    assert _jobs(quiet, fid) == 1


def test_retry_runs_the_processing_again(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = _product(kho)
    fid = _failed_file(kho, pid)
    failed_files.retry_file(kho, PRODUCER, pid, fid)      # the immediate queue runs it
    with kho.transaction() as s:
        f = s.get(File, fid)
        assert f.status == "failed" and f.attempts == 1        # it ran once more...
        assert f.problem.startswith("video.") and "before any retry" not in f.error_detail
        assert "ffprobe" in f.error_detail                     # ...and failed afresh


def test_removal_keeps_the_audit_and_every_object_even_a_shared_one(quiet):
    pid, other = _product(quiet), _product(quiet)
    data = b"\x00\x00\x00\x18ftypmp42" + b"z" * 900
    fid = _failed_file(quiet, pid, data)
    kept = receive(quiet, PRODUCER, other, io.BytesIO(data), "cung-noi-dung.mp4", queue=False)
    assert kept.duplicate == "stored-before" and kept.duplicate_product == pid
    with quiet.transaction() as s:
        s.add(Derivative(file_id=fid, name="poster", storage_key="derivatives/x/poster.jpg",
                         media_type="image/jpeg", size=10))
    objects = sorted(stored_keys(quiet.storage))
    removed = failed_files.remove_file(quiet, PRODUCER, pid, fid)
    assert removed["filename"] == "phong-su.mp4" and removed["derivatives"] == ["poster"]
    assert sorted(stored_keys(quiet.storage)) == objects          # no object deleted
    with quiet.transaction() as s:
        assert s.get(File, fid) is None
        assert s.scalar(select(func.count(Derivative.id)).where(Derivative.file_id == fid)) == 0
        assert s.get(File, kept.file_id).storage_key == removed["storage_key"]
        event = s.scalar(select(Event).where(Event.action == "file.remove"))
        assert event.file_id == fid and event.user_id == 1 and event.product_id == pid
        assert json.loads(event.detail)["sha256"] == removed["sha256"]
        assert s.get(Product, pid).status == "draft"             # no file left
    assert quiet.storage.exists(removed["storage_key"])
    with pytest.raises(NotFound):                                # pressed again
        failed_files.remove_file(quiet, ADMIN, pid, fid)
    assert _events(quiet, "file.remove") == 1


def test_removing_the_failed_file_beside_a_ready_one_clears_the_warning(quiet):
    from app.services.catalogue.product_view import product_view

    pid = _product(quiet)
    good = receive(quiet, PRODUCER, pid, io.BytesIO(b"ID3" + b"g" * 500), "tot.mp3",
                   queue=False)
    with quiet.transaction() as s:
        s.get(File, good.file_id).status = "ready"
    fid = _failed_file(quiet, pid)
    view = product_view(quiet, PRODUCER, pid)
    assert (view["status"], view["warnings"]) == ("ready", 1)
    failed_files.remove_file(quiet, ADMIN, pid, fid)
    view = product_view(quiet, PRODUCER, pid)
    assert (view["status"], view["warnings"]) == ("ready", 0)
