"""Search follows the one access rule (app.services.access.visibility): hits, totals and
facet counts of a search hold exactly what the viewer may see — a ritual restricted to
its commune is found there and by its owning office, not by a neighbouring commune; an
embargo opens on its day with nothing reindexed; a grant opens a closed product to its
requester until its last day; a product closed a moment ago (the index not yet
flushed) is not shown; the text of a file stricter than its product is not indexed.

SQLite here; tests/integration/test_search_postgres.py runs them on PostgreSQL."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, update

from app.services.access.actors import Actor
from app.services.access.visibility import viewer_for, visible_clause
from app.services.search import indexing, queries
from archive.access import LEVELS, AccessRequest, ProductAudienceRole, ProductAudienceUnit
from archive.accounts import User
from archive.models import File, Product, Unit

TODAY = date(2026, 12, 7)
ROLES = ("admin", "producer", "commune", "office")


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Search reads embargoes and grants against this Vietnamese date."""
    day = {"value": TODAY}
    monkeypatch.setattr(queries, "local_today", lambda settings: day["value"])
    return day


@pytest.fixture
def units(kho) -> dict[str, int]:
    with kho.transaction() as s:
        return dict(s.execute(select(Unit.code, Unit.id)).all())


def _user(kho, name: str, role: str, unit_id: int | None) -> Actor:
    with kho.transaction() as s:
        user = User(username=name, password_hash="x", role=role, unit_id=unit_id)
        s.add(user)
        s.flush()
        return Actor(user.id, name, role, commune_id=unit_id if role == "commune" else None,
                     unit_id=unit_id)


def _product(s, title: str, level: str = "public", lead: int | None = None, *,
             embargo: date | None = None, units=(), roles=(), year: int = 2024) -> int:
    product = Product(title=title, access_level=level, lead_unit_id=lead, embargo_until=embargo,
                      status="ready", produced_on=date(year, 5, 1))
    s.add(product)
    s.flush()
    s.add_all([ProductAudienceUnit(product_id=product.id, unit_id=u) for u in units])
    s.add_all([ProductAudienceRole(product_id=product.id, role=r) for r in roles])
    s.flush()
    return product.id


def _search(kho, actor, q: str = "", **params):
    return queries.search(kho, actor, {"q": q, "per_page": "100", **params})


def _ids(result) -> list[int]:
    return sorted(h.id for h in result.hits)


def test_a_ritual_restricted_to_its_commune_is_found_there_and_by_its_office_only(kho, units):
    with kho.transaction() as s:
        ritual = _product(s, "Lễ cúng lúa mới của người Xơ Đăng", "restricted",
                          units["tt-dak-rve"], units=[units["xa-dak-koi-2025"]], year=2019)
        song = _product(s, "Dân ca Xơ Đăng mừng lúa mới", "public", units["tt-dak-rve"])
    indexing.update_now(kho, [ritual, song])
    here = _user(kho, "can-bo-dak-koi", "commune", units["xa-dak-koi-2025"])
    there = _user(kho, "can-bo-kon-braih", "commune", units["xa-kon-braih-2025"])
    office = _user(kho, "so-vhttdl", "office", units["so-vhttdl-quang-ngai-2025"])
    producer = _user(kho, "tt-dak-rve", "producer", units["tt-dak-rve"])
    for allowed in (here, office, producer):
        found = _search(kho, allowed, "lua moi xo dang")
        assert _ids(found) == sorted([ritual, song]) and found.total == 2
        assert found.facets["year"] == {"2019": 1, "2024": 1}
    other = _search(kho, there, "lua moi xo dang")
    assert _ids(other) == [song] and other.total == 1          # no hit, no total
    assert other.facets["year"] == {"2024": 1}                 # no facet count
    assert _search(kho, there, year="2019").total == 0         # not even by its facet
    assert "cúng" not in str(other.hits)


def test_an_embargoed_feature_appears_on_its_day_without_reindexing(kho, units, today):
    with kho.transaction() as s:
        feature = _product(s, "Phóng sự hội nghị văn hoá", "public", units["tt-dak-rve"],
                           embargo=TODAY + timedelta(days=1))
    indexing.update_now(kho, [feature])
    commune = _user(kho, "xa", "commune", units["xa-dak-koi-2025"])
    owner = _user(kho, "tt", "producer", units["tt-dak-rve"])
    assert _search(kho, commune, "hoi nghi").total == 0
    assert _ids(_search(kho, owner, "hoi nghi")) == [feature]     # its office works on it
    today["value"] = TODAY + timedelta(days=1)                    # nothing run, nothing written
    assert _ids(_search(kho, commune, "hoi nghi")) == [feature]


def test_a_grant_opens_a_closed_product_to_its_requester_until_its_last_day(kho, units, today):
    with kho.transaction() as s:
        interview = _product(s, "Phỏng vấn già làng", "closed", units["tt-dak-rve"])
    indexing.update_now(kho, [interview])
    asker = _user(kho, "xa", "commune", units["xa-dak-koi-2025"])
    neighbour = _user(kho, "xa2", "commune", units["xa-dak-koi-2025"])
    assert _search(kho, asker, "gia lang").total == 0
    with kho.transaction() as s:
        s.add(AccessRequest(product_id=interview, requester_id=asker.user_id,
                            reason="phát lại", status="granted", grant_until=TODAY))
    assert _ids(_search(kho, asker, "gia lang")) == [interview]
    assert _search(kho, neighbour, "gia lang").total == 0         # the grant is the asker's
    today["value"] = TODAY + timedelta(days=1)
    assert _search(kho, asker, "gia lang").total == 0             # ended by itself


@pytest.mark.parametrize("change", ["closed", "restricted elsewhere", "embargoed", "new owner"])
def test_a_product_made_less_visible_is_hidden_before_the_index_catches_up(kho, units, change,
                                                                           monkeypatch):
    with kho.transaction() as s:
        poster = _product(s, "Tranh cổ động bầu cử", "public", units["tt-dak-rve"], year=2019)
        other = _product(s, "Tranh cổ động bảo vệ rừng", "public", units["tt-dak-rve"])
    indexing.update_now(kho, [poster, other])
    commune = _user(kho, "xa", "commune", units["xa-dak-koi-2025"])
    owner = _user(kho, "tt", "producer", units["tt-dak-rve"])
    assert _search(kho, commune, "tranh co dong").total == 2
    monkeypatch.setattr(indexing, "queue_flush", lambda kho: False)   # the worker is down
    with kho.transaction() as s:
        values = {"closed": {"access_level": "closed"},
                  "restricted elsewhere": {"access_level": "restricted"},
                  "embargoed": {"embargo_until": TODAY + timedelta(days=30)},
                  "new owner": {"access_level": "closed",
                                "lead_unit_id": units["xa-kon-braih-2025"]}}[change]
        s.execute(update(Product).where(Product.id == poster).values(**values))
        if change == "restricted elsewhere":
            s.add(ProductAudienceUnit(product_id=poster, unit_id=units["xa-kon-braih-2025"]))
        indexing.mark(s, [poster])
    shown = _search(kho, commune, "tranh co dong")
    assert _ids(shown) == [other] and shown.total == 1
    assert shown.facets["year"] == {"2024": 1}
    assert _search(kho, commune, year="2019").total == 0
    owner_sees = _ids(_search(kho, owner, "tranh co dong"))
    assert owner_sees == (sorted([poster, other]) if change != "new owner" else [other])
    indexing.flush(kho)                                           # the worker is back
    assert _ids(_search(kho, commune, "tranh co dong")) == [other]


def test_text_of_a_file_stricter_than_its_product_is_not_indexed(kho, units):
    admin = _user(kho, "qt", "admin", None)
    with kho.transaction() as s:
        pid = _product(s, "Phỏng vấn nhân chứng", "public", units["tt-dak-rve"])
        s.add_all([
            File(product_id=pid, sha256="a" * 64, size=1, original_filename="ban-tho-rieng.wav",
                 storage_key="k", access_level="closed", text="lời kể về vụ tranh chấp đất"),
            File(product_id=pid, sha256="b" * 64, size=1, original_filename="ban-phat.mp3",
                 storage_key="k2", access_level=None, text="câu chuyện về mùa gặt"),
            # internal is stricter than public only for the harvest: every searcher is
            # signed in, so its words stay findable
            File(product_id=pid, sha256="c" * 64, size=1, original_filename="ghi-chu.txt",
                 storage_key="k3", access_level="internal", text="lịch phát sóng tháng mười")])
    indexing.update_now(kho, [pid])
    assert _ids(_search(kho, admin, "mua gat")) == [pid]
    assert _ids(_search(kho, admin, "lich phat song")) == [pid]
    assert _ids(_search(kho, admin, "ban phat")) == [pid]
    assert _search(kho, admin, "tranh chap dat").total == 0      # not in the document at all
    assert _search(kho, admin, "ban tho rieng").total == 0


@pytest.mark.parametrize("seed", [26, 260, 2026])
def test_search_results_equal_the_visible_clause_on_a_random_catalogue(kho, units, seed,
                                                                       monkeypatch, today):
    """Every hit, total and facet count of an empty search (everything the viewer may
    find) equals the catalogue's own rule, for random products and viewers — also
    after some products changed access and the index was not flushed (the stale part
    may only lack products that became more visible)."""
    rng = random.Random(seed)
    unit_ids = sorted(units.values())
    with kho.transaction() as s:
        pids = []
        for n in range(90):
            embargo = rng.choice([None, None, TODAY, TODAY + timedelta(days=rng.randint(1, 9)),
                                  TODAY - timedelta(days=rng.randint(1, 9))])
            pids.append(_product(s, f"Sản phẩm {n}", rng.choice(LEVELS),
                                 rng.choice(unit_ids + [None]), embargo=embargo,
                                 units=rng.sample(unit_ids, rng.randint(0, 3)),
                                 roles=rng.sample(ROLES, rng.randint(0, 2)),
                                 year=rng.choice([2023, 2024, 2025])))
    indexing.update_now(kho, pids)
    actors = [_user(kho, f"u{n}", rng.choice(ROLES), rng.choice(unit_ids + [None]))
              for n in range(14)]
    with kho.transaction() as s:
        for actor in actors:
            for pid in rng.sample(pids, 3):
                s.add(AccessRequest(product_id=pid, requester_id=actor.user_id, reason="r",
                                    status=rng.choice(["granted", "refused"]),
                                    grant_until=TODAY + timedelta(days=rng.randint(-2, 2))))

    def check(stale: frozenset[int] = frozenset()) -> None:
        for actor in actors:
            for day in (TODAY, TODAY + timedelta(days=rng.randint(1, 10))):
                today["value"] = day
                with kho.transaction() as s:
                    viewer = viewer_for(s, actor, day)
                    rows = s.execute(select(Product.id, Product.produced_on)
                                     .where(visible_clause(viewer))).all()
                visible = {pid for pid, _ in rows}
                found = _search(kho, actor, "san pham")
                assert found.total == len(found.hits)
                assert set(_ids(found)) <= visible, (actor, day)
                assert visible - set(_ids(found)) <= stale, (actor, day)
                if not stale:
                    years: dict[str, int] = {}
                    for _, produced in rows:
                        years[str(produced.year)] = years.get(str(produced.year), 0) + 1
                    assert found.facets["year"] == years

    check()
    monkeypatch.setattr(indexing, "queue_flush", lambda kho: False)   # the worker is down
    changed = frozenset(rng.sample(pids, 25))
    with kho.transaction() as s:
        for pid in changed:
            s.execute(update(Product).where(Product.id == pid).values(
                access_level=rng.choice(LEVELS), lead_unit_id=rng.choice(unit_ids + [None]),
                embargo_until=rng.choice([None, TODAY + timedelta(days=3)])))
            s.execute(delete(ProductAudienceUnit).where(ProductAudienceUnit.product_id == pid))
            s.add_all([ProductAudienceUnit(product_id=pid, unit_id=u)
                       for u in rng.sample(unit_ids, rng.randint(0, 2))])
        indexing.mark(s, sorted(changed))
    check(stale=changed)


def test_a_file_closed_a_moment_ago_gives_no_hit_before_the_index_catches_up(kho, units,
                                                                             monkeypatch):
    with kho.transaction() as s:
        pid = _product(s, "Phỏng vấn nhân chứng", "public", units["tt-dak-rve"])
        s.add(File(product_id=pid, sha256="c" * 64, size=1, original_filename="ban-tho.wav",
                   storage_key="k", text="lời kể về vụ tranh chấp đất"))
    indexing.update_now(kho, [pid])
    commune = _user(kho, "xa", "commune", units["xa-dak-koi-2025"])
    owner = _user(kho, "tt", "producer", units["tt-dak-rve"])
    assert _ids(_search(kho, commune, "tranh chap dat")) == [pid]
    monkeypatch.setattr(indexing, "queue_flush", lambda kho: False)   # the worker is down
    with kho.transaction() as s:
        s.execute(update(File).where(File.product_id == pid).values(access_level="closed"))
        indexing.mark(s, [pid])
    found = _search(kho, commune, "tranh chap dat")
    assert found.total == 0 and "tranh" not in str(found.hits)      # its words and snippet
    assert _ids(_search(kho, owner, "tranh chap dat")) == [pid]
    indexing.flush(kho)
    assert _search(kho, commune, "tranh chap dat").total == 0
    assert _ids(_search(kho, commune, "phong van nhan chung")) == [pid]   # the product still is
