"""Near-duplicates end to end through the services (upload -> processing -> flags ->
answers): a re-scanned poster and a re-encoded bulletin are flagged naming the first
product, other posters and bulletins are not; answers are kept, named in both
histories, survive processing again, and need the right role. Run on SQLite here and
on PostgreSQL by tests/integration/test_near_duplicates_stack.py."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import near_duplicates, products
from app.services.catalogue.product_view import product_view
from app.services.files.intake import receive
from app.services.processing import pipeline
from archive.errors import NotFound, PermissionDenied, ValidationError
from archive.likeness import FileLikeness, LikenessKey, NearDuplicate
from ingest import likeness
from tests.unit.ingest import likeness_media as made

PRODUCER = Actor(1, "sx", "producer")       # the first account of the ``people`` fixture


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    return made.story_media(tmp_path_factory.mktemp("story"))


@pytest.fixture
def people(kho) -> dict[str, Actor]:
    accounts.add_user(kho, "sx", "producer", "12345678", display_name="Nguyễn Thu Hà")
    accounts.add_user(kho, "quantri", "admin", "12345678")
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-koi-2025")
    accounts.add_user(kho, "vp", "office", "12345678")
    found = {role: accounts.actor_by_name(kho, name) for role, name in (
        ("producer", "sx"), ("admin", "quantri"), ("commune", "xa"), ("office", "vp"))}
    assert found["producer"].user_id == PRODUCER.user_id
    return found


def add(kho, media, name: str, title: str, product_id: int | None = None) -> tuple[int, int]:
    """A product (or ``product_id``) with the story's file ``name``, processed at once."""
    pid = product_id or products.create_product(kho, PRODUCER, {"title": title})
    with media[name].open("rb") as stream:
        got = receive(kho, PRODUCER, pid, stream, media[name].name)
    return pid, got.file_id


def test_a_rescanned_poster_is_flagged_naming_the_first_product(kho, people, media):
    first, first_file = add(kho, media, "poster", "Tranh cổ động phòng chống thiên tai")
    other, other_file = add(kho, media, "other_poster", "Tranh cổ động bảo vệ rừng")
    second, second_file = add(kho, media, "rescan", "Tranh quét lại")
    flags = near_duplicates.for_file(kho, PRODUCER, second, second_file)
    assert [(f["product_id"], f["file_id"], f["kind"], f["answer"]) for f in flags] == [
        (first, first_file, "image", None)]
    assert flags[0]["title"] == "Tranh cổ động phòng chống thiên tai"
    assert flags[0]["filename"] == "tranh-co-dong.jpg"
    assert 0 <= flags[0]["distance"] <= likeness.rules().image.max_distance
    # the first product's JSON names the second; the other poster is near nothing
    seen = {f["id"]: f["near_duplicates"] for f in product_view(kho, PRODUCER, first)["files"]}
    assert [(f["product_id"], f["file_id"]) for f in seen[first_file]] == [(second, second_file)]
    assert product_view(kho, PRODUCER, other)["files"][0]["near_duplicates"] == []
    with kho.transaction() as session:
        assert session.get(FileLikeness, other_file).kind == "image"
        assert len(session.scalars(select(LikenessKey.key)
                                   .where(LikenessKey.file_id == other_file)).all()) == 4


def test_a_reencoded_bulletin_is_flagged_and_another_bulletin_is_not(kho, people, media):
    first, first_file = add(kho, media, "bulletin", "Bản tin thời sự xã Đăk Kôi")
    other, other_file = add(kho, media, "other_bulletin", "Bản tin tuần sau")
    second, second_file = add(kho, media, "reencode", "Bản tin (bản 64 kbps)")
    flags = near_duplicates.for_file(kho, PRODUCER, second, second_file)
    assert [(f["product_id"], f["file_id"], f["kind"]) for f in flags] == [
        (first, first_file, "audio")]
    assert flags[0]["distance"] < 0.05
    assert near_duplicates.for_file(kho, PRODUCER, other, other_file) == []


def test_files_of_one_product_are_never_flagged_against_each_other(kho, people, media):
    pid, _first = add(kho, media, "poster", "Tranh và bản quét")
    _pid, second = add(kho, media, "rescan", "", product_id=pid)
    assert near_duplicates.for_file(kho, PRODUCER, pid, second) == []


def test_an_answer_is_kept_in_both_histories_and_survives_processing_again(kho, people, media):
    first, first_file = add(kho, media, "poster", "Tranh gốc")
    second, second_file = add(kho, media, "rescan", "Tranh quét lại")
    flags = near_duplicates.answer(kho, PRODUCER, second, second_file, first_file, "same")
    assert flags[0]["answer"] == "same" and flags[0]["answered_by"] == "Nguyễn Thu Hà"
    assert flags[0]["answered_at"]
    # the first product's side says the same, and both histories name the answer
    assert near_duplicates.for_file(kho, PRODUCER, first, first_file)[0]["answer"] == "same"
    for pid in (first, second):
        events = [r for r in products.product_history(kho, PRODUCER, pid)
                  if r.get("action") == near_duplicates.ACTION]
        assert len(events) == 1 and events[0]["user_name"] == "Nguyễn Thu Hà"
    # the same answer again records nothing new; another replaces it
    near_duplicates.answer(kho, PRODUCER, second, second_file, first_file, "same")
    assert len([r for r in products.product_history(kho, PRODUCER, first)
                if r.get("action") == near_duplicates.ACTION]) == 1
    near_duplicates.answer(kho, PRODUCER, first, first_file, second_file, "different")
    assert pipeline.process_file(kho, second_file, force=True) == "ready"
    again = near_duplicates.for_file(kho, PRODUCER, second, second_file)
    assert [(f["file_id"], f["answer"]) for f in again] == [(first_file, "different")]


def test_answers_need_the_right_role_words_and_pair(kho, people, media):
    first, first_file = add(kho, media, "poster", "Tranh gốc")
    second, second_file = add(kho, media, "rescan", "Tranh quét lại")
    other, other_file = add(kho, media, "other_poster", "Tranh khác")
    with pytest.raises(PermissionDenied):
        near_duplicates.answer(kho, people["office"], second, second_file, first_file, "same")
    with pytest.raises(ValidationError) as bad:
        near_duplicates.answer(kho, PRODUCER, second, second_file, first_file, "maybe")
    assert bad.value.fields.keys() == {"answer"}
    with pytest.raises(NotFound):        # not near each other
        near_duplicates.answer(kho, PRODUCER, other, other_file, first_file, "same")
    with pytest.raises(NotFound):        # the file is not in that product
        near_duplicates.answer(kho, PRODUCER, first, second_file, first_file, "same")
    with pytest.raises(NotFound):
        near_duplicates.answer(kho, PRODUCER, second, second_file, 10 ** 30, "same")


def test_a_closed_product_is_not_named_to_those_who_may_not_see_it(kho, people, media):
    from tests.access_doors import set_access, set_file_access

    first, first_file = add(kho, media, "poster", "Tranh nội bộ")
    second, second_file = add(kho, media, "rescan", "Tranh công khai")
    set_access(kho, first, "closed")
    assert near_duplicates.for_file(kho, people["commune"], second, second_file) == []
    assert [f["product_id"] for f in near_duplicates.for_file(kho, PRODUCER, second,
                                                              second_file)] == [first]
    # the product open again, but its file closed beyond it: still not named
    set_access(kho, first, "public")
    set_file_access(kho, first_file, "closed")
    assert near_duplicates.for_file(kho, people["commune"], second, second_file) == []
    set_file_access(kho, first_file, None)
    assert [f["title"] for f in near_duplicates.for_file(kho, people["commune"], second,
                                                         second_file)] == ["Tranh nội bộ"]


def test_deleting_the_first_product_takes_its_pairs_and_fingerprints(kho, people, media):
    first, first_file = add(kho, media, "poster", "Tranh gốc")
    second, second_file = add(kho, media, "rescan", "Tranh quét lại")
    products.delete_product(kho, people["admin"], first)
    assert near_duplicates.for_file(kho, PRODUCER, second, second_file) == []
    with kho.transaction() as session:
        assert session.scalars(select(NearDuplicate)).all() == []
        assert session.get(FileLikeness, first_file) is None
        assert session.scalars(select(LikenessKey).where(
            LikenessKey.file_id == first_file)).all() == []


def test_near_duplicates_off_keeps_no_fingerprint(kho, people, media):
    from app.bootstrap import Kho

    off = Kho(kho.settings.replace(near_duplicates=False))
    try:
        first, first_file = add(off, media, "poster", "Tranh gốc")
        second, second_file = add(off, media, "rescan", "Tranh quét lại")
        assert near_duplicates.for_file(off, PRODUCER, second, second_file) == []
        with off.transaction() as session:
            assert session.get(FileLikeness, first_file) is None
    finally:
        off.close()
