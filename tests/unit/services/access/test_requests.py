"""Access requests: a commune's staff asks to hear a ritual restricted to another
commune, the owning office grants it for a while or refuses it with a reason, the
grant ends by itself, and every step is in the product's history — without moving the
office's figures.

Runs on SQLite here and on PostgreSQL through tests/integration/test_access_requests_pg.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.services.access import requests
from app.services.access.accounts import actor_by_name, add_user
from app.services.access.visibility import facts_of, may_see, viewer_for
from app.services.common.clock import local_today
from archive.access import ProductAudienceUnit
from archive.errors import Conflict, NotFound, PermissionDenied, ValidationError
from archive.models import Event, Product, Unit

PASSWORD = "mat-khau-dai-du"


@pytest.fixture
def people(kho):
    """The office of Quảng Ngãi (owns products led by the Đăk Rve centre), a producer
    of another part, the staff of two communes, an admin."""
    add_user(kho, "so-vh", "office", PASSWORD, unit="so-vhttdl-quang-ngai-2025")
    add_user(kho, "sx-khac", "producer", PASSWORD, unit="xa-kon-braih-2025")
    add_user(kho, "daikoi", "commune", PASSWORD, commune="xa-dak-koi-2025")
    add_user(kho, "konbraih", "commune", PASSWORD, commune="xa-kon-braih-2025")
    add_user(kho, "qt", "admin", PASSWORD)
    return {name: actor_by_name(kho, name)
            for name in ("so-vh", "sx-khac", "daikoi", "konbraih", "qt")}


def make_product(kho, title: str, level: str, *, embargo=None, audience=("xa-dak-koi-2025",),
                 status: str = "ready") -> int:
    with kho.transaction() as s:
        ids = dict(s.execute(select(Unit.code, Unit.id)).all())
        product = Product(title=title, access_level=level, lead_unit_id=ids["tt-dak-rve"],
                          embargo_until=embargo, status=status)
        s.add(product)
        s.flush()
        if level == "restricted":
            s.add_all([ProductAudienceUnit(product_id=product.id, unit_id=ids[code])
                       for code in audience])
        return product.id


def sees(kho, actor, product_id: int, today=None) -> bool:
    with kho.transaction() as s:
        viewer = viewer_for(s, actor, today or local_today(kho.settings))
        return may_see(viewer, facts_of(s.get(Product, product_id)))


def events(kho, product_id: int) -> list[str]:
    with kho.transaction() as s:
        return list(s.scalars(select(Event.action).where(Event.product_id == product_id)
                              .order_by(Event.id)))


def test_a_commune_asks_the_office_grants_and_the_ritual_opens_to_it(kho, people):
    ritual = make_product(kho, "Lễ cúng lúa mới của người Xơ Đăng", "restricted")
    asker = people["konbraih"]
    assert not sees(kho, asker, ritual)
    asked = requests.ask(kho, asker, ritual, "  Phát lại trong chương trình văn hóa dân tộc ")
    assert asked["status"] == "pending" and asked["reason"].startswith("Phát lại")
    assert asked["product_title"] == "Lễ cúng lúa mới của người Xơ Đăng"
    assert [r["id"] for r in requests.queue(kho, people["so-vh"])] == [asked["id"]]
    assert requests.queue(kho, people["sx-khac"]) == []          # not its part
    assert requests.waiting_count(kho, people["so-vh"]) == 1        # the menu's count
    assert requests.waiting_count(kho, people["sx-khac"]) == 0
    assert requests.waiting_count(kho, people["konbraih"]) == 0
    until = local_today(kho.settings) + timedelta(days=30)
    granted = requests.grant(kho, people["so-vh"], asked["id"], until.isoformat())
    assert granted["status"] == "granted" and granted["active"]
    assert granted["grant_until"] == until.isoformat() and granted["decided_by"] == "so-vh"
    assert sees(kho, asker, ritual)
    assert requests.queue(kho, people["so-vh"]) == []             # no longer waiting
    mine = requests.my_requests(kho, asker)
    assert [(r["status"], r["grant_until"]) for r in mine] == [("granted", until.isoformat())]
    assert events(kho, ritual) == ["access.request", "access.grant"]


def test_the_grant_ends_by_itself_and_a_new_request_may_then_be_made(kho, people, monkeypatch):
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asker = people["konbraih"]
    today = local_today(kho.settings)
    first = requests.ask(kho, asker, ritual, "Để soạn bài giới thiệu")
    requests.grant(kho, people["qt"], first["id"], today.isoformat())     # today only
    assert sees(kho, asker, ritual, today)
    with pytest.raises(ValidationError) as already:        # still running: nothing to ask
        requests.ask(kho, asker, ritual, "Thêm một lần")
    assert already.value.field == "product_id"
    tomorrow = today + timedelta(days=1)
    assert not sees(kho, asker, ritual, tomorrow)          # refused again, no job run
    monkeypatch.setattr(requests, "local_today", lambda settings: tomorrow)
    assert requests.my_requests(kho, asker)[0]["active"] is False
    again = requests.ask(kho, asker, ritual, "Cần nghe lại cho số sau")
    assert again["status"] == "pending" and again["id"] != first["id"]


def test_one_pending_request_per_account_and_product(kho, people):
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    requests.ask(kho, people["konbraih"], ritual, "Lý do thứ nhất")
    with pytest.raises(Conflict) as twice:
        requests.ask(kho, people["konbraih"], ritual, "Lý do thứ hai")
    assert twice.value.field == "product_id"
    other = make_product(kho, "Lễ mừng nhà rông mới", "restricted")
    assert requests.ask(kho, people["konbraih"], other, "Khác sản phẩm")["status"] == "pending"


@pytest.mark.parametrize("level, embargo_days", [("closed", None), ("restricted", 30)])
def test_what_the_asker_may_not_know_of_is_not_found(kho, people, level, embargo_days):
    embargo = local_today(kho.settings) + timedelta(days=embargo_days) if embargo_days else None
    hidden = make_product(kho, "Phỏng vấn chưa công bố", level, embargo=embargo)
    with pytest.raises(NotFound):
        requests.ask(kho, people["konbraih"], hidden, "Xin xem")
    with pytest.raises(NotFound):
        requests.ask(kho, people["konbraih"], 999_999, "Xin xem")
    assert events(kho, hidden) == []


def test_what_the_asker_already_sees_is_refused_naming_the_product(kho, people):
    poster = make_product(kho, "Áp phích phòng chống dịch", "public")
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    for actor, product in ((people["konbraih"], poster), (people["daikoi"], ritual),
                           (people["so-vh"], ritual)):
        with pytest.raises(ValidationError) as seen:
            requests.ask(kho, actor, product, "Xin xem")
        assert seen.value.field == "product_id"


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * (requests.REASON_LIMIT + 1)])
def test_a_request_needs_a_reason(kho, people, reason):
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    with pytest.raises(ValidationError) as bad:
        requests.ask(kho, people["konbraih"], ritual, reason)
    assert bad.value.field == "reason"


@pytest.mark.parametrize("until", ["", "hôm qua", "31/02/2027", "PAST", "FAR"])
def test_a_grant_needs_a_day_from_today_to_a_year_ahead(kho, people, until):
    today = local_today(kho.settings)
    until = {"PAST": (today - timedelta(days=1)).isoformat(),
             "FAR": (today + timedelta(days=requests.MAX_GRANT_DAYS + 1)).isoformat()
             }.get(until, until)
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asked = requests.ask(kho, people["konbraih"], ritual, "Xin nghe")
    with pytest.raises(ValidationError) as bad:
        requests.grant(kho, people["so-vh"], asked["id"], until)
    assert bad.value.field == "grant_until"
    assert requests.my_requests(kho, people["konbraih"])[0]["status"] == "pending"


def test_a_refusal_needs_a_reason_and_the_requester_reads_it(kho, people):
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asked = requests.ask(kho, people["konbraih"], ritual, "Xin nghe")
    with pytest.raises(ValidationError) as bare:
        requests.refuse(kho, people["so-vh"], asked["id"], " ")
    assert bare.value.field == "reason"
    requests.refuse(kho, people["so-vh"], asked["id"], "Cộng đồng chỉ cho phép nghe tại xã")
    mine = requests.my_requests(kho, people["konbraih"])[0]
    assert mine["status"] == "refused"
    assert mine["decision_reason"] == "Cộng đồng chỉ cho phép nghe tại xã"
    assert not sees(kho, people["konbraih"], ritual)
    assert events(kho, ritual) == ["access.request", "access.refuse"]


def test_only_the_owning_office_or_an_admin_decides(kho, people):
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asked = requests.ask(kho, people["konbraih"], ritual, "Xin nghe")
    until = local_today(kho.settings).isoformat()
    for outsider in (people["sx-khac"], people["konbraih"], people["daikoi"]):
        with pytest.raises(NotFound):
            requests.grant(kho, outsider, asked["id"], until)
    with pytest.raises(PermissionDenied):
        requests.queue(kho, people["daikoi"])
    assert requests.grant(kho, people["qt"], asked["id"], until)["decided_by"] == "qt"


def test_the_requester_withdraws_a_pending_request_and_nobody_decides_it_after(kho, people):
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asked = requests.ask(kho, people["konbraih"], ritual, "Xin nghe")
    with pytest.raises(NotFound):                        # another's request
        requests.withdraw(kho, people["daikoi"], asked["id"])
    assert requests.withdraw(kho, people["konbraih"], asked["id"])["status"] == "withdrawn"
    with pytest.raises(Conflict) as late:
        requests.grant(kho, people["so-vh"], asked["id"], local_today(kho.settings).isoformat())
    assert late.value.field == "version"
    assert events(kho, ritual) == ["access.request", "access.withdraw"]


def test_a_decision_on_a_stale_version_is_a_conflict(kho, people):
    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asked = requests.ask(kho, people["konbraih"], ritual, "Xin nghe")
    requests.refuse(kho, people["so-vh"], asked["id"], "Chưa được cộng đồng đồng ý",
                    version=asked["version"])
    with pytest.raises(Conflict) as stale:
        requests.grant(kho, people["qt"], asked["id"], local_today(kho.settings).isoformat(),
                       version=asked["version"])
    assert stale.value.field == "version"
    assert requests.my_requests(kho, people["konbraih"])[0]["status"] == "refused"


def test_requests_do_not_move_the_office_figures(kho, people):
    from app.services.stats.cache import fingerprint

    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    before = fingerprint(kho)
    asked = requests.ask(kho, people["konbraih"], ritual, "Xin nghe")
    requests.grant(kho, people["so-vh"], asked["id"], local_today(kho.settings).isoformat())
    assert fingerprint(kho) == before


def test_the_requester_is_told_of_a_decision_once(kho, people):
    from archive.base import utcnow

    ritual = make_product(kho, "Lễ cúng lúa mới", "restricted")
    asked = requests.ask(kho, people["konbraih"], ritual, "Xin nghe")
    assert requests.decided_since(kho, people["konbraih"], None) == 0
    requests.refuse(kho, people["so-vh"], asked["id"], "Không phù hợp")
    assert requests.decided_since(kho, people["konbraih"], None) == 1
    assert requests.decided_since(kho, people["konbraih"], utcnow()) == 0   # looked since
