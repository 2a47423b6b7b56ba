"""Suggestions show their matched words to everyone who sees the product, so the text
of a file closed beyond its product (a raw interview) feeds none of them (issue 26)."""
from __future__ import annotations

from app.services.catalogue import suggestions
from archive.models import Product
from tests.access_doors import set_file_access
from tests.unit.services.catalogue.test_suggestion_dismissal import (  # noqa: F401
    article)


def _suggest(kho, pid: int) -> set[tuple[str, str]]:
    with kho.transaction() as s:
        return {(x["kind"], x["code"]) for x in suggestions.suggest_in(s.get(Product, pid))}


def test_the_text_of_a_file_closed_beyond_its_product_suggests_nothing(kho, article):
    pid, file_id = article
    assert ("convention", "CRC") in _suggest(kho, pid)
    set_file_access(kho, file_id, "closed")
    found = _suggest(kho, pid)
    assert ("convention", "CRC") not in found
    with kho.transaction() as s:
        assert all("trẻ em" not in " ".join(x["matched"])
                   for x in s.get(Product, pid).suggestions or [])
    set_file_access(kho, file_id, "internal")   # as open as its product's readers: no
    assert ("convention", "CRC") not in _suggest(kho, pid)
    set_file_access(kho, file_id, None)
    assert ("convention", "CRC") in _suggest(kho, pid)
