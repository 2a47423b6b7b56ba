"""A dismissed suggestion stays dismissed: not offered again when the product's files
are processed again, audited, and refused to those who may not edit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.access import accounts
from app.services.processing import pipeline
from app.services.catalogue import products
from app.services.catalogue import suggestions
from app.services.access.actors import Actor
from app.services.files.intake import receive
from archive.errors import PermissionDenied, ValidationError
from archive.models import Product, ProductChange
from archive.suggestions import SuggestionDismissal
from tests.unit.ingest import document_factory as df

PRODUCER = Actor(1, "sx", "producer")
COMMUNE = Actor(2, "xa", "commune")
ARTICLE = ["Tuyên truyền Công ước về quyền trẻ em cho học sinh",
           "Bảo vệ trẻ em khỏi xâm hại, lao động trẻ em và tảo hôn ở vùng đồng bào."]


@pytest.fixture
def article(kho, tmp_path):
    """A product whose .docx suggests CRC; returns (product id, file id)."""
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Bài viết tháng 6"})
    path = df.docx(tmp_path / "bai.docx", ARTICLE)
    with path.open("rb") as stream:
        got = receive(kho, PRODUCER, pid, stream, "bài viết.docx")
    return pid, got.file_id


def suggested(kho, pid: int) -> set[tuple[str, str]]:
    with kho.transaction() as s:
        return {(x["kind"], x["code"]) for x in s.get(Product, pid).suggestions or []}


def test_a_dismissed_suggestion_does_not_come_back_after_reprocessing(kho, article):
    pid, file_id = article
    assert ("convention", "CRC") in suggested(kho, pid)
    assert suggestions.dismiss(kho, PRODUCER, pid, "convention", "CRC") is True
    assert ("convention", "CRC") not in suggested(kho, pid)
    assert pipeline.process_file(kho, file_id, force=True) == "ready"
    assert ("convention", "CRC") not in suggested(kho, pid)
    with kho.transaction() as s:          # the product still holds the text that matched
        row = s.get(Product, pid)
        assert "trẻ em" in row.files[0].text
        assert row.suggestions is not None


def test_a_dismissal_is_stored_once_and_audited(kho, article):
    pid, _file_id = article
    suggestions.dismiss(kho, PRODUCER, pid, "convention", "CRC")
    assert suggestions.dismiss(kho, PRODUCER, pid, "convention", "CRC") is False
    with kho.transaction() as s:
        rows = list(s.scalars(select(SuggestionDismissal)))
        assert [(r.product_id, r.kind, r.code, r.user_id) for r in rows] == [
            (pid, "convention", "CRC", PRODUCER.user_id)]
        audit = s.scalars(select(ProductChange).where(ProductChange.product_id == pid)
                          .order_by(ProductChange.id.desc())).first()
        assert audit.changes == {"conventions": [None, "-CRC (dismissed)"]}
        assert audit.user_id == PRODUCER.user_id


def test_other_suggestions_and_products_are_untouched(kho, article, tmp_path):
    pid, _file_id = article
    before = suggested(kho, pid)
    suggestions.dismiss(kho, PRODUCER, pid, "convention", "CRC")
    assert suggested(kho, pid) == before - {("convention", "CRC")}
    other = products.create_product(kho, PRODUCER, {"title": "Bài khác"})
    with df.docx(tmp_path / "khac.docx", ARTICLE).open("rb") as stream:
        receive(kho, PRODUCER, other, stream, "bài khác.docx")
    assert ("convention", "CRC") in suggested(kho, other)       # dismissed for one product


def test_dismissing_needs_edit_rights_and_a_known_code(kho, article):
    pid, _file_id = article
    accounts.add_user(kho, "xa", "commune", "12345678", commune="23479")
    with pytest.raises(PermissionDenied):
        suggestions.dismiss(kho, COMMUNE, pid, "convention", "CRC")
    with pytest.raises(ValidationError):
        suggestions.dismiss(kho, PRODUCER, pid, "convention", "XYZ")
    with pytest.raises(ValidationError):
        suggestions.dismiss(kho, PRODUCER, pid, "colour", "CRC")
    with kho.transaction() as s:
        assert s.scalars(select(SuggestionDismissal)).first() is None


def test_deleting_the_product_removes_its_dismissals(kho, article):
    pid, _file_id = article
    suggestions.dismiss(kho, PRODUCER, pid, "convention", "CRC")
    accounts.add_user(kho, "qt", "admin", "12345678")
    products.delete_product(kho, accounts.actor_by_name(kho, "qt"), pid)
    with kho.transaction() as s:
        assert s.scalars(select(SuggestionDismissal)).first() is None
