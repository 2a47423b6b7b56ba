"""Replacing a file: the new file is recorded and queued, the old one is taken off the
product in the same transaction (its record kept in a ``file.replace`` event, every
stored object kept), only by producers and admins, only once processing is over; the
same bytes replace nothing; a file removed meanwhile makes the replacement refuse and
record nothing."""
from __future__ import annotations

import io
import json
from typing import Iterator

import pytest
from sqlalchemy import func, select

from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.files import failed_files, replacement
from app.services.files.intake import receive
from app.services.instance import jobs
from app.services.processing import pipeline
from archive.errors import Conflict, NotFound, PermissionDenied
from archive.models import Derivative, Event, File, Product
from tests.stored_keys import stored_keys

PRODUCER = Actor(1, "sx", "producer")
ADMIN = Actor(2, "qt", "admin")
TRUNCATED = b"\x00\x00\x00\x18ftypmp42" + b"x" * 900
GOOD = b"\x00\x00\x00\x18ftypmp42" + b"y" * 1200


@pytest.fixture
def quiet(settings, initialised_template) -> Iterator:
    """Jobs wait in the SQLite queue file (counted, not run)."""
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


def _product(kho) -> int:
    return products.create_product(kho, PRODUCER, {"title": "Phóng sự Đăk Kôi"})


def _file(kho, pid: int, data: bytes = TRUNCATED, name: str = "phong-su.mp4",
          status: str = "failed") -> int:
    got = receive(kho, PRODUCER, pid, io.BytesIO(data), name, queue=False)
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        f.status = status
        if status == "failed":
            f.problem, f.problem_params = "video.truncated", {}
        pipeline.product_status(f.product)
    return got.file_id


def _jobs(kho, file_id: int) -> int:
    return sum(1 for args in kho.queue.waiting_args("file.process") if args[0] == file_id)


def test_the_new_file_takes_the_old_ones_place_and_the_history_says_so(quiet):
    pid = _product(quiet)
    old = _file(quiet, pid)
    with quiet.transaction() as s:
        s.add(Derivative(file_id=old, name="poster", storage_key="derivatives/x/p.jpg",
                         media_type="image/jpeg", size=10))
    objects = set(stored_keys(quiet.storage))
    slot = replacement.open_replacement(quiet, PRODUCER, pid, old)
    assert slot.filename == "phong-su.mp4" and slot.problem["code"] == "video.truncated"
    done = replacement.replace_file(quiet, slot, io.BytesIO(GOOD), "phong-su-day-du.mp4")
    assert done.replaced and done.old_name == "phong-su.mp4"
    new = done.received.file_id
    assert set(stored_keys(quiet.storage)) >= objects            # the old original stays
    with quiet.transaction() as s:
        assert s.get(File, old) is None
        assert s.scalar(select(func.count(Derivative.id))
                        .where(Derivative.file_id == old)) == 0
        assert s.get(File, new).original_filename == "phong-su-day-du.mp4"
        assert s.get(Product, pid).status == "processing"
        event = s.scalar(select(Event).where(Event.action == "file.replace"))
        record = json.loads(event.detail)
    assert event.file_id == old and event.user_id == PRODUCER.user_id
    assert record["filename"] == "phong-su.mp4" and record["replaced_by"] == new
    assert record["new_filename"] == "phong-su-day-du.mp4"
    assert record["problem"] == "video.truncated" and record["derivatives"] == ["poster"]
    assert record["storage_key"] in objects
    assert _jobs(quiet, new) == 1


def test_a_ready_file_may_be_replaced_too(quiet):
    pid = _product(quiet)
    old = _file(quiet, pid, b"khong phai anh\n" * 40, "anh-bia.jpg", status="ready")
    slot = replacement.open_replacement(quiet, ADMIN, pid, old)
    assert slot.type_mismatch and slot.media_type == "text/plain"
    done = replacement.replace_file(quiet, slot, io.BytesIO(GOOD), "anh-bia.mp4")
    assert done.replaced


def test_the_same_bytes_replace_nothing(quiet):
    pid = _product(quiet)
    old = _file(quiet, pid)
    slot = replacement.open_replacement(quiet, PRODUCER, pid, old)
    done = replacement.replace_file(quiet, slot, io.BytesIO(TRUNCATED), "lai-lan-nua.mp4")
    assert not done.replaced and done.received.duplicate == "same-product"
    with quiet.transaction() as s:
        assert s.get(File, old) is not None
        assert s.scalar(select(func.count(Event.id))
                        .where(Event.action == "file.replace")) == 0


@pytest.mark.parametrize("role", ["commune", "office"])
def test_only_producers_and_admins_replace(quiet, role):
    pid = _product(quiet)
    old = _file(quiet, pid)
    with pytest.raises(PermissionDenied):
        replacement.open_replacement(quiet, Actor(9, "khac", role), pid, old)


def test_a_file_in_processing_is_not_replaced(quiet):
    pid = _product(quiet)
    got = receive(quiet, PRODUCER, pid, io.BytesIO(GOOD), "dang-xu-ly.mp4")   # queued
    with pytest.raises(Conflict):
        replacement.open_replacement(quiet, PRODUCER, pid, got.file_id)


def test_a_file_of_another_product_is_not_found_through_this_one(quiet):
    pid, other = _product(quiet), _product(quiet)
    old = _file(quiet, other)
    with pytest.raises(NotFound):
        replacement.open_replacement(quiet, PRODUCER, pid, old)


def test_a_file_removed_while_the_new_one_was_sent_records_nothing(quiet):
    pid = _product(quiet)
    old = _file(quiet, pid)
    slot = replacement.open_replacement(quiet, PRODUCER, pid, old)
    failed_files.remove_file(quiet, ADMIN, pid, old)        # someone else, meanwhile
    with pytest.raises(NotFound):
        replacement.replace_file(quiet, slot, io.BytesIO(GOOD), "phong-su-day-du.mp4")
    with quiet.transaction() as s:
        assert s.scalar(select(func.count(File.id)).where(File.product_id == pid)) == 0
        assert s.scalar(select(func.count(Event.id))
                        .where(Event.action == "file.replace")) == 0
        assert s.get(Product, pid).status == "draft"
