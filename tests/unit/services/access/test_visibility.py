"""The access rule: who sees a product, in its three forms (one product in Python, a
list in SQL, search through index tokens) — equal on random catalogues and viewers,
and right on the cases the plan's offices name (a Xơ Đăng ritual heard in its own
commune only, an embargoed feature opening on its day, a grant that ends).

Runs on SQLite here and on PostgreSQL through tests/integration/test_access_pg.py."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.services.access.actors import Actor
from app.services.access.consent import allowed_uses, consent_clause
from app.services.access.visibility import (AccessFacts, embargo_day, facts_of, harvestable,
                                            harvestable_clause, index_allows, index_filter,
                                            index_tokens, may_see, may_see_file, viewer_for,
                                            visible_clause, file_clause)
from archive.access import (LEVELS, USES, AccessRequest, ProductAudienceRole,
                            ProductAudienceUnit, ProductConsent)
from archive.accounts import User
from archive.models import File, Product, Unit

TODAY = date(2026, 12, 7)
ROLES = ("admin", "producer", "commune", "office")


def _ids(session) -> dict[str, int]:
    return dict(session.execute(select(Unit.code, Unit.id)).all())


def _user(session, name: str, role: str, unit_id: int | None) -> Actor:
    user = User(username=name, password_hash="x", role=role, unit_id=unit_id)
    session.add(user)
    session.flush()
    return Actor(user.id, name, role, commune_id=unit_id if role == "commune" else None,
                 unit_id=unit_id)


def _product(session, title: str, level: str, lead: int | None, *, embargo=None,
             units=(), roles=()) -> Product:
    product = Product(title=title, access_level=level, lead_unit_id=lead, embargo_until=embargo,
                      status="ready")
    session.add(product)
    session.flush()
    session.add_all([ProductAudienceUnit(product_id=product.id, unit_id=u) for u in units])
    session.add_all([ProductAudienceRole(product_id=product.id, role=r) for r in roles])
    session.flush()
    session.refresh(product)
    return product


def _sql_visible(session, viewer) -> set[int]:
    return set(session.scalars(select(Product.id).where(visible_clause(viewer))))


def _index_visible(products, viewer) -> set[int]:
    flt = index_filter(viewer)
    return {p.id for p in products
            if index_allows(flt, index_tokens(facts_of(p)), p.lead_unit_id,
                            embargo_day(p.embargo_until), p.id)}


def test_a_ritual_restricted_to_its_commune_is_heard_there_and_nowhere_else(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        commune, neighbour = ids["xa-dak-koi-2025"], ids["xa-kon-braih-2025"]
        ritual = _product(s, "Lễ cúng lúa mới của người Xơ Đăng", "restricted",
                          ids["tt-dak-rve"], units=[commune])
        here = viewer_for(s, _user(s, "can-bo-dak-koi", "commune", commune), TODAY)
        there = viewer_for(s, _user(s, "can-bo-kon-braih", "commune", neighbour), TODAY)
        # the staff of a commune that merged into Đăk Kôi in 2025, account not moved yet
        merged = viewer_for(s, _user(s, "can-bo-dak-to-lung", "commune",
                                     ids["xa-dak-to-lung"]), TODAY)
        office = viewer_for(s, _user(s, "so-vhttdl", "office",
                                     ids["so-vhttdl-quang-ngai-2025"]), TODAY)
        facts = facts_of(ritual)
        assert may_see(here, facts) and may_see(merged, facts) and may_see(office, facts)
        assert not may_see(there, facts)
        assert ritual.id not in _sql_visible(s, there) | _index_visible([ritual], there)
        assert ritual.id in _sql_visible(s, here) & _index_visible([ritual], here)


def test_an_embargo_opens_on_its_day_without_anything_run(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        feature = _product(s, "Phóng sự hội nghị", "public", ids["tt-dak-rve"],
                           embargo=TODAY + timedelta(days=1))
        actor = _user(s, "xa", "commune", ids["xa-dak-koi-2025"])
        before, on_the_day = viewer_for(s, actor, TODAY), viewer_for(s, actor, TODAY + timedelta(1))
        assert not may_see(before, facts_of(feature))
        assert feature.id not in _sql_visible(s, before) | _index_visible([feature], before)
        assert may_see(on_the_day, facts_of(feature))
        assert feature.id in _sql_visible(s, on_the_day) & _index_visible([feature], on_the_day)


def test_a_grant_opens_a_closed_product_until_its_last_day(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        interview = _product(s, "Phỏng vấn", "closed", ids["tt-dak-rve"])
        actor = _user(s, "xa", "commune", ids["xa-dak-koi-2025"])
        s.add(AccessRequest(product_id=interview.id, requester_id=actor.user_id, reason="phát lại",
                            status="granted", grant_until=TODAY))
        s.flush()
        assert may_see(viewer_for(s, actor, TODAY), facts_of(interview))
        later = viewer_for(s, actor, TODAY + timedelta(days=1))
        assert not may_see(later, facts_of(interview))
        assert interview.id not in _sql_visible(s, later)


def test_a_file_stricter_than_its_product_stays_with_the_owning_office(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        product = _product(s, "Phỏng vấn nhân chứng", "public", ids["tt-dak-rve"])
        raw = File(product_id=product.id, sha256="a" * 64, size=1, original_filename="tho.wav",
                   storage_key="k", access_level="closed")
        edited = File(product_id=product.id, sha256="b" * 64, size=1,
                      original_filename="ban-phat.mp3", storage_key="k2")
        s.add_all([raw, edited])
        s.flush()
        commune = viewer_for(s, _user(s, "xa", "commune", ids["xa-dak-koi-2025"]), TODAY)
        owner = viewer_for(s, _user(s, "tt", "producer", ids["tt-dak-rve"]), TODAY)
        facts = facts_of(product)
        assert may_see_file(commune, facts, None) and not may_see_file(commune, facts, "closed")
        assert may_see_file(owner, facts, "closed")
        seen = set(s.scalars(select(File.id).join(Product).where(file_clause(commune))))
        assert edited.id in seen and raw.id not in seen


def test_the_three_forms_agree_on_random_catalogues(kho):
    rng = random.Random(26)
    with kho.transaction() as s:
        units = sorted(_ids(s).values())
        products = []
        for n in range(120):
            level = rng.choice(LEVELS)
            embargo = rng.choice([None, None, TODAY, TODAY + timedelta(days=rng.randint(1, 30)),
                                  TODAY - timedelta(days=rng.randint(1, 30))])
            products.append(_product(
                s, f"sp {n}", level, rng.choice(units + [None]), embargo=embargo,
                units=rng.sample(units, rng.randint(0, 3)),
                roles=rng.sample(ROLES, rng.randint(0, 2))))
        files = []
        for product in products[:60]:
            f = File(product_id=product.id, sha256=f"{product.id:064d}", size=1,
                     original_filename="t", storage_key="k",
                     access_level=rng.choice([None, *LEVELS]))
            s.add(f)
            files.append(f)
        s.flush()
        for n in range(40):
            role = rng.choice(ROLES)
            actor = _user(s, f"u{n}", role, rng.choice(units + [None]))
            for product in rng.sample(products, rng.randint(0, 3)):
                s.add(AccessRequest(product_id=product.id, requester_id=actor.user_id,
                                    reason="r", status=rng.choice(["granted", "refused"]),
                                    grant_until=TODAY + timedelta(days=rng.randint(-2, 2))))
            s.flush()
            viewer = viewer_for(s, actor, TODAY)
            python = {p.id for p in products if may_see(viewer, facts_of(p))}
            assert _sql_visible(s, viewer) & {p.id for p in products} == python
            assert _index_visible(products, viewer) == python
            by_id = {p.id: p for p in products}
            python_files = {f.id for f in files
                            if may_see_file(viewer, facts_of(by_id[f.product_id]), f.access_level)}
            sql_files = set(s.scalars(select(File.id).join(Product).where(
                file_clause(viewer), File.id.in_([f.id for f in files]))))
            assert sql_files == python_files


def test_consent_allows_only_what_every_running_consent_allows(kho):
    with kho.transaction() as s:
        ids = _ids(s)
        free = _product(s, "Áp phích", "public", ids["tt-dak-rve"])
        radio_only = _product(s, "Phỏng vấn già làng", "public", ids["tt-dak-rve"])
        ended = _product(s, "Phỏng vấn cũ", "public", ids["tt-dak-rve"])
        embargoed = _product(s, "Sắp phát", "public", ids["tt-dak-rve"],
                             embargo=TODAY + timedelta(days=3))
        s.add_all([
            ProductConsent(product_id=radio_only.id, given_by="A Blưh", uses=["radio", "archive"]),
            ProductConsent(product_id=radio_only.id, given_by="Y Hiên",
                           uses=["radio", "website"], until=TODAY),
            ProductConsent(product_id=ended.id, given_by="A Thu", uses=list(USES),
                           until=TODAY - timedelta(days=1))])
        s.flush()
        for p in (free, radio_only, ended):
            s.refresh(p)
        assert allowed_uses(free.consents, TODAY) == frozenset(USES)
        assert allowed_uses(radio_only.consents, TODAY) == {"radio"}
        assert allowed_uses(ended.consents, TODAY) == frozenset()
        website = set(s.scalars(select(Product.id).where(consent_clause("website", TODAY))))
        radio = set(s.scalars(select(Product.id).where(consent_clause("radio", TODAY))))
        assert {free.id, radio_only.id, ended.id, embargoed.id} & website == {free.id, embargoed.id}
        assert radio_only.id in radio and ended.id not in radio
        harvested = set(s.scalars(select(Product.id).where(harvestable_clause(TODAY))))
        assert {free.id, radio_only.id, ended.id, embargoed.id} & harvested == {free.id}
        assert [harvestable(facts_of(p), p.consents, TODAY)
                for p in (free, radio_only, ended)] == [True, False, False]
        assert isinstance(facts_of(free), AccessFacts)
