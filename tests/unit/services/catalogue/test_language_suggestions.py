"""Language suggestions, end to end: a Bahnar text uploaded to a product is processed
and gets a Ba Na suggestion (never set silently) with its reason; a producer confirms
it (the product's language, audited) or dismisses it (not offered again); retrying a
failed file does not judge the languages again. tests/integration reruns these on
PostgreSQL."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.i18n import gettext_for
from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products, suggestions
from app.services.files import failed_files
from app.services.files.intake import receive
from app.services.processing import pipeline
from archive.errors import ValidationError
from archive.models import Product, ProductChange, Term
from ingest import language_hint

PRODUCER = Actor(1, "sx", "producer")
BAHNAR = ["Sơnăm âu, kon pơlei lơ̆m pơlei Đak Wơt đei pơm jang 'lơ̆ng.",
          "Bơngai Bahnar oei tơ̆ tơring teh âu athei tơbăt tơdrong vei lăng bri 'long. Ƀok A "
          "Nhơn tơroi: inh păng bơ̆n rim năr năm jang tơ̆ mir, ưh kơ chă koh 'long lơ̆m bri."]


@pytest.fixture
def bulletin(kho):
    """A product titled in Vietnamese whose plain-text file is in Bahnar: (id, file id)."""
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Bản tin phát thanh tháng 6"})
    data = "\n\n".join(BAHNAR).encode("utf-8")
    got = receive(kho, PRODUCER, pid, io.BytesIO(data), "ban-tin.txt")
    return pid, got.file_id


def languages_suggested(kho, pid: int) -> dict[str, dict]:
    with kho.transaction() as s:
        return {x["code"]: x for x in s.get(Product, pid).suggestions or []
                if x["kind"] == "language"}


def languages_of(kho, pid: int) -> list[str]:
    with kho.transaction() as s:
        return s.get(Product, pid).codes_of("language")


def test_a_bahnar_text_gets_a_ba_na_suggestion_and_nothing_is_set(kho, bulletin):
    pid, _file_id = bulletin
    found = languages_suggested(kho, pid)
    assert list(found) == ["bdq"]
    bdq = found["bdq"]
    assert bdq["by"] == "orthography" and bdq["score"] == 1.0
    assert "ơ̆" in bdq["letters"] and bdq["words"]
    assert languages_of(kho, pid) == []                     # a suggestion, never set
    why = suggestions.reason(bdq, "Tiếng Ba Na").render(gettext_for("vi"))
    assert why.startswith("có chữ ") and why.endswith(" thường gặp trong tiếng Ba Na")
    assert f"‘{bdq['words'][0]}’" in why
    assert suggestions.reason(bdq, "Bahnar").render(gettext_for("en")).endswith(
        "common in Bahnar")


def test_confirming_makes_it_the_products_language_audited(kho, bulletin):
    pid, file_id = bulletin
    suggestions.confirm(kho, PRODUCER, pid, "language", "bdq")
    assert languages_of(kho, pid) == ["bdq"]
    assert languages_suggested(kho, pid) == {}
    with kho.transaction() as s:
        audit = s.scalars(select(ProductChange).where(ProductChange.product_id == pid)
                          .order_by(ProductChange.id.desc())).first()
        assert audit.changes == {"languages": [None, "+bdq (confirmed)"]}
        assert s.scalar(select(Term.ethnic_minority).where(Term.vocabulary == "language",
                                                           Term.code == "bdq"))
    assert pipeline.process_file(kho, file_id, force=True) == "ready"
    assert languages_suggested(kho, pid) == {}              # confirmed: not suggested again


def test_a_dismissed_language_is_not_suggested_again(kho, bulletin):
    pid, file_id = bulletin
    assert suggestions.dismiss(kho, PRODUCER, pid, "language", "bdq") is True
    assert languages_suggested(kho, pid) == {}
    assert pipeline.process_file(kho, file_id, force=True) == "ready"
    assert languages_suggested(kho, pid) == {}
    assert languages_of(kho, pid) == []
    with pytest.raises(ValidationError):
        suggestions.dismiss(kho, PRODUCER, pid, "language", "xyz")


def test_a_change_that_leaves_the_texts_keeps_the_language_suggestions(kho, bulletin,
                                                                      monkeypatch):
    pid, _file_id = bulletin

    def no_model(*_args, **_kwargs):
        raise AssertionError("the language hint ran though no file's text changed")

    monkeypatch.setattr(language_hint, "hint", no_model)
    with kho.transaction() as s:
        pipeline.follow_files(s, s.get(Product, pid), texts_changed=False)
    assert list(languages_suggested(kho, pid)) == ["bdq"]    # kept as found


def test_retrying_a_failed_file_says_no_text_changed(kho, bulletin, monkeypatch):
    pid, _file_id = bulletin
    bad = receive(kho, PRODUCER, pid, io.BytesIO(b"\x00\x01not a picture"), "anh.jpg")
    calls = []
    follow = pipeline.follow_files

    def spy(session, product, texts_changed=True):
        calls.append(texts_changed)
        follow(session, product, texts_changed=texts_changed)

    monkeypatch.setattr(pipeline, "follow_files", spy)
    failed_files.retry_file(kho, PRODUCER, pid, bad.file_id)
    assert calls[0] is False                      # the retry itself; processing follows
    assert list(languages_suggested(kho, pid)) == ["bdq"]


def test_an_inactive_language_is_not_suggested(kho, bulletin):
    pid, file_id = bulletin
    with kho.transaction() as s:
        s.scalar(select(Term).where(Term.vocabulary == "language",
                                    Term.code == "bdq")).active = False
    assert pipeline.process_file(kho, file_id, force=True) == "ready"
    assert languages_suggested(kho, pid) == {}


def test_a_vietnamese_document_gets_a_vietnamese_suggestion(kho, tmp_path):
    from tests.unit.ingest import document_factory as df

    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Bài viết"})
    path = df.docx(tmp_path / "bai.docx", [
        "Tuyên truyền Công ước về quyền trẻ em cho học sinh",
        "Bảo vệ trẻ em khỏi xâm hại, lao động trẻ em và tảo hôn ở vùng đồng bào."])
    with path.open("rb") as stream:
        receive(kho, PRODUCER, pid, stream, "bài.docx")
    found = languages_suggested(kho, pid)
    assert list(found) == ["vie"] and found["vie"]["by"] == "classifier"
    assert suggestions.reason(found["vie"], "Tiếng Việt").render(gettext_for("vi")) == \
        "văn bản được máy nhận dạng là tiếng Việt"
    with kho.transaction() as s:                      # themes are still suggested beside it
        kinds = {x["kind"] for x in s.get(Product, pid).suggestions}
    assert {"convention", "language"} <= kinds
