"""Which linked products a reader may name (:mod:`app.services.access.linked`): the
one rule plus the fileless drafts hidden from commune staff — what opening each
product's page would allow — and the links a writer keeps when it was not shown them.

Runs on PostgreSQL through tests/integration/test_linked_products_pg.py."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.services.access.actors import SYSTEM, Actor
from app.services.access.linked import hidden, kept_links, nameable
from archive.access import ProductAudienceUnit
from archive.models import File, Product, Unit

TODAY = date(2026, 12, 7)


def test_a_commune_account_may_name_what_its_pages_would_show(kho):
    with kho.transaction() as s:
        unit = dict(s.execute(select(Unit.code, Unit.id)).all())
        commune = unit["xa-dak-koi-2025"]
        rows = {
            "public": Product(title="a", status="ready"),
            "closed": Product(title="b", status="ready", access_level="closed",
                              lead_unit_id=unit["phong-vhtt-kon-ray"]),
            "ours": Product(title="c", status="ready", access_level="restricted"),
            "theirs": Product(title="d", status="ready", access_level="restricted"),
            "embargoed": Product(title="e", status="ready", embargo_until=date(2027, 1, 15)),
            "draft": Product(title="f", status="draft"),
            "draft_with_file": Product(title="g", status="draft")}
        s.add_all(rows.values())
        s.flush()
        s.add_all([ProductAudienceUnit(product_id=rows["ours"].id, unit_id=commune),
                   ProductAudienceUnit(product_id=rows["theirs"].id,
                                       unit_id=unit["xa-kon-braih-2025"]),
                   File(product_id=rows["draft_with_file"].id, original_filename="x.mp3",
                        sha256="0" * 64, size=1, storage_key="k", media_type="audio/mpeg")])
        s.flush()
        ids = {k: p.id for k, p in rows.items()}
        reader = Actor(None, "xa", "commune", commune_id=commune, unit_id=commune)
        seen = nameable(s, reader, [*ids.values(), 99_999, 10**30], TODAY)
        assert seen == {ids["public"], ids["ours"], ids["draft_with_file"]}
        assert hidden(s, reader, ids.values(), TODAY) == {
            ids["closed"], ids["theirs"], ids["embargoed"], ids["draft"]}
        assert nameable(s, SYSTEM, ids.values(), TODAY) == set(ids.values())
        assert nameable(s, reader, [], TODAY) == frozenset()


def test_a_writer_keeps_the_links_it_was_not_shown_and_its_own_choice():
    assert kept_links([1, 2, 3], [3, 4], frozenset({2})) == [3, 4, 2]
    assert kept_links([1, 2], [], frozenset()) == []
