"""The datestamp harvesters select by (products.updated_at) moves on every change of a
product's metadata, files or pipeline, and on nothing else (a broadcast log is not a
change of the record)."""
from __future__ import annotations

import io

import pytest

from app.services.broadcasts import log
from app.services.files import intake
from app.services.processing import pipeline
from app.services.catalogue import products
from archive.models import File, Product
from tests.unit.oai.conftest import ADMIN, PRODUCER, png


def stamp(kho, product_id):
    with kho.transaction() as s:
        return s.get(Product, product_id).updated_at


def test_a_metadata_edit_moves_it_and_a_no_op_edit_does_not(kho, make):
    pid = make()
    before = stamp(kho, pid)
    products.update_product(kho, PRODUCER, pid, {"title": "Quyền trẻ em"})   # unchanged
    assert stamp(kho, pid) == before
    products.update_product(kho, PRODUCER, pid, {"tags": "mới"})
    assert stamp(kho, pid) > before


def test_an_access_change_moves_it(kho, make):
    pid = make()
    before = stamp(kho, pid)
    products.update_product(kho, PRODUCER, pid, {"access": "closed"})
    assert stamp(kho, pid) > before


def test_an_upload_and_the_end_of_each_files_processing_move_it(kho, make):
    pid = make()
    created = stamp(kho, pid)
    first = intake.receive(kho, PRODUCER, pid, png("1"), "mot.png", queue=False)
    second = intake.receive(kho, PRODUCER, pid, png("2"), "hai.png", queue=False)
    uploaded = stamp(kho, pid)
    assert uploaded > created
    # the first file finishing leaves the product "processing" (the second waits),
    # but its record now lists one more file: the datestamp moves all the same
    assert pipeline.process_file(kho, first.file_id) == "ready"
    with kho.transaction() as s:
        assert s.get(Product, pid).status == "processing"
    one_done = stamp(kho, pid)
    assert one_done > uploaded
    assert pipeline.process_file(kho, second.file_id) == "ready"
    assert stamp(kho, pid) > one_done


def test_processing_that_fails_moves_it(kho, make):
    pid = make()
    bad = intake.receive(kho, PRODUCER, pid, io.BytesIO(b"ID3" + b"\x00" * 64 + b"garbage"),
                         "hong.mp3", queue=False)
    uploaded = stamp(kho, pid)
    assert pipeline.process_file(kho, bad.file_id) == "failed"
    assert stamp(kho, pid) > uploaded


def test_a_crash_during_processing_moves_it(kho, make, monkeypatch):
    pid = make()
    received = intake.receive(kho, PRODUCER, pid, png(), "anh.png", queue=False)
    uploaded = stamp(kho, pid)

    def crash(*_args, **_kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "process", crash)
    assert pipeline.process_file(kho, received.file_id) == "failed"
    with kho.transaction() as s:
        assert s.get(File, received.file_id).status == "failed"
    assert stamp(kho, pid) > uploaded


def test_a_broadcast_log_is_not_a_record_change(kho, make):
    from tests.broadcast_copies import give_broadcast_copy

    pid = make()
    give_broadcast_copy(kho, pid)                 # airable: it has a broadcast MP3
    before = stamp(kho, pid)
    log.log_broadcast(kho, ADMIN, pid, "01/08/2025", commune_code="xa-dak-rve-2025")
    assert stamp(kho, pid) == before


@pytest.mark.parametrize("was_public", [True, False])
def test_deletion_leaves_a_tombstone_only_for_what_was_public(kho, make, was_public):
    from archive.harvests import Tombstone

    pid = make(kind="video", languages="vie", access="public" if was_public else "closed")
    products.delete_product(kho, ADMIN, pid)
    with kho.transaction() as s:
        stone = s.get(Tombstone, pid)
        assert (stone is not None) is was_public
        if was_public:
            assert stone.reason == "deleted" and stone.sets == " kind:video language:vie "
