"""Several airings a day, each logged once, counted as airings; and every airing logged
for the commune that existed on its day.

A commune radio airs a feature in the morning and again in the evening: two logs, two
airings in the figures (dashboard, yearly report lines and plan-task column). The same
airing logged twice — a double tap, a retry whose answer was lost — stays one log. A
log dated before its commune existed (Xã Đăk Kôi of 2025, in 2019) or after it was
merged is refused, naming the commune, its dates and the commune that held the place.

Runs on SQLite here and on PostgreSQL through tests/integration/test_broadcast_races.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.i18n import gettext_for
from app.services.access import accounts
from archive.errors import Conflict, ValidationError
from tests.broadcast_copies import give_broadcast_copy

KOI = "xa-dak-koi-2025"          # from 01/07/2025: the old Đăk Kôi and Đăk Tơ Lung
VI = gettext_for("vi")


@pytest.fixture
def staff(kho):
    from archive.models import Unit, User

    for name, role, commune in (("sx", "producer", None), ("vp", "office", None),
                                ("qt", "admin", None), ("daixa", "commune", KOI),
                                ("tanlap", "commune", "xa-kon-braih-2025")):
        accounts.add_user(kho, name, role, "mat-khau-dai-du", commune=commune)
    with kho.transaction() as s:     # an account made before the merger, never moved
        s.scalar(select(User).where(User.username == "tanlap")).unit_id = s.scalar(
            select(Unit.id).where(Unit.code == "xa-tan-lap"))
    return {name: accounts.actor_by_name(kho, name)
            for name in ("sx", "vp", "qt", "daixa", "tanlap")}


def _feature(kho, staff, made="01/06/2018") -> int:
    from app.services.catalogue.products import create_product

    pid = create_product(kho, staff["sx"], {"title": "Bản tin an toàn giao thông",
                                            "kind": "radio-feature", "languages": ["vie"],
                                            "produced_on": made})
    give_broadcast_copy(kho, pid)
    return pid


def _events(kho, action: str) -> int:
    from archive.models import Event

    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.action == action))


def test_morning_and_evening_are_two_airings_and_count_twice(kho, staff):
    from app.services.broadcasts.log import list_broadcasts, log_broadcast
    from app.services.reports.product_list import product_lines
    from app.services.stats.plan_progress import request_stats, year_scope
    from app.services.stats.usage import broadcasts_by_plan_task

    pid = _feature(kho, staff, made="01/06/2025")      # a product of the 2025 report
    morning = log_broadcast(kho, staff["daixa"], pid, "02/08/2025", slot="morning")
    evening = log_broadcast(kho, staff["daixa"], pid, "02/08/2025", slot="tối")
    assert (morning["slot"], evening["slot"]) == ("morning", "evening")
    listed = list_broadcasts(kho, staff["vp"], product_id=pid)
    assert [(r["aired_on"], r["slot"]) for r in listed] == [("2025-08-02", "evening"),
                                                           ("2025-08-02", "morning")]
    stats = request_stats(kho, staff["vp"], {"from": "2025-01-01", "to": "2025-12-31"})
    assert {r.code: r.count for r in stats.broadcasts_by_commune}[KOI] == 2
    assert [(r.month, r.count) for r in stats.broadcasts_by_month] == [(8, 2)]
    lines = {line.id: line.broadcasts
             for line in product_lines(kho, staff["vp"], year_scope(kho, 2025))}
    assert lines[pid] == 2
    assert broadcasts_by_plan_task(kho, year_scope(kho, 2025))[None] == 2


def test_the_same_airing_logged_twice_stays_one_log(kho, staff):
    from app.services.broadcasts.log import list_broadcasts, log_broadcast

    pid = _feature(kho, staff)
    log_broadcast(kho, staff["daixa"], pid, "02/08/2025", slot="morning", note="6 giờ")
    for again in ("morning", "Buổi sáng", "SANG"):        # a double tap, a retry
        with pytest.raises(Conflict) as refused:
            log_broadcast(kho, staff["daixa"], pid, "2025-08-02", slot=again)
        assert refused.value.field == "aired_on"
        assert refused.value.render(VI) == ("đã ghi rồi: Xã Đăk Kôi đã phát sản phẩm này "
                                            "buổi sáng ngày 02/08/2025")
    assert len(list_broadcasts(kho, staff["daixa"], product_id=pid)) == 1
    assert _events(kho, "broadcast.log") == 1


def test_an_airing_of_unknown_slot_is_one_a_day_as_before(kho, staff):
    from app.services.broadcasts.log import list_broadcasts, log_broadcast

    pid = _feature(kho, staff)
    unknown = log_broadcast(kho, staff["daixa"], pid, "02/08/2025")     # API/CLI: no slot
    assert unknown["slot"] is None
    with pytest.raises(Conflict) as refused:
        log_broadcast(kho, staff["daixa"], pid, "02/08/2025", slot="")
    assert "hãy chọn buổi phát" in refused.value.render(VI)
    log_broadcast(kho, staff["daixa"], pid, "02/08/2025", slot="noon")  # beside it
    assert [r["slot"] for r in list_broadcasts(kho, staff["daixa"])] == ["noon", None]


@pytest.mark.parametrize("typed, code", [
    ("morning", "morning"), ("sáng", "morning"), ("Buổi trưa", "noon"), ("CHIEU", "afternoon"),
    (" tối ", "evening"), ("evening", "evening"), (None, ""), ("  ", ""),
])
def test_a_slot_is_its_code_or_the_vietnamese_word(typed, code):
    from app.services.broadcasts.slots import parse_slot

    assert parse_slot(typed) == code


@pytest.mark.parametrize("typed", ["đêm", "06:30", 3, ["sáng"]])
def test_anything_else_is_not_a_slot(typed):
    from app.services.broadcasts.slots import parse_slot

    with pytest.raises(ValidationError) as refused:
        parse_slot(typed)
    assert refused.value.field == "slot"
    assert "sáng, trưa, chiều hoặc tối" in refused.value.render(VI)


def test_commune_staff_cannot_log_a_day_before_their_commune_existed(kho, staff):
    from app.services.broadcasts.log import list_broadcasts, log_broadcast

    pid = _feature(kho, staff)
    for day in ("01/01/2019", "30/06/2025"):
        with pytest.raises(ValidationError) as refused:
            log_broadcast(kho, staff["daixa"], pid, day, slot="morning")
        assert refused.value.field == "aired_on"      # staff cannot choose the commune
        assert refused.value.render(VI) == (
            f"Xã Đăk Kôi chỉ tồn tại từ 01/07/2025; ngày {day} thuộc về đơn vị cũ: "
            "Xã Đăk Kôi, Xã Đăk Tơ Lung. Hãy kiểm tra lại ngày phát, hoặc nhờ quản trị "
            "viên ghi nhận cho đơn vị cũ")
    assert list_broadcasts(kho, staff["daixa"]) == []
    assert log_broadcast(kho, staff["daixa"], pid, "01/07/2025", slot="morning")["id"]


def test_an_admin_is_told_which_commune_held_the_place_that_day(kho, staff):
    from app.services.broadcasts.log import log_broadcast

    pid, admin = _feature(kho, staff), staff["qt"]
    with pytest.raises(ValidationError) as early:
        log_broadcast(kho, admin, pid, "20/06/2025", commune_code=KOI, slot="noon")
    assert early.value.field == "commune"
    assert early.value.render(VI) == (
        "Xã Đăk Kôi chỉ tồn tại từ 01/07/2025; ngày 20/06/2025 thuộc về đơn vị cũ: "
        "Xã Đăk Kôi (xa-dak-koi), Xã Đăk Tơ Lung (xa-dak-to-lung); hãy ghi nhận cho đơn vị đó")
    with pytest.raises(ValidationError) as late:
        log_broadcast(kho, admin, pid, "02/08/2025", commune_code="xa-dak-to-lung")
    assert late.value.field == "commune"
    assert late.value.render(VI) == (
        "Xã Đăk Tơ Lung chỉ tồn tại đến 30/06/2025; ngày 02/08/2025 thuộc về Xã Đăk Kôi "
        "(xa-dak-koi-2025); hãy ghi nhận cho đơn vị đó")
    old = log_broadcast(kho, admin, pid, "20/06/2025", commune_code="xa-dak-to-lung")
    assert old["commune"]["code"] == "xa-dak-to-lung"
    # a GSO code shared by the old and the new commune: the one holding it that day
    assert log_broadcast(kho, admin, pid, "2019-01-01", commune_code="23485",
                         slot="evening")["commune"]["code"] == "xa-dak-to-lung"
    assert log_broadcast(kho, admin, pid, "2025-08-02", commune_code="23485",
                         slot="evening")["commune"]["code"] == KOI


def test_an_account_of_a_merged_commune_is_told_where_its_airings_now_go(kho, staff):
    from app.services.broadcasts.log import log_broadcast

    pid = _feature(kho, staff)
    with pytest.raises(ValidationError) as refused:
        log_broadcast(kho, staff["tanlap"], pid, "02/08/2025", slot="morning")
    assert refused.value.field == "aired_on"
    assert refused.value.render(VI) == (
        "Xã Tân Lập chỉ tồn tại đến 30/06/2025; ngày 02/08/2025 thuộc về Xã Kon Braih. "
        "Hãy nhờ quản trị viên chuyển tài khoản này sang Xã Kon Braih")
    before = log_broadcast(kho, staff["tanlap"], pid, "02/03/2025", slot="morning")
    assert before["commune"]["code"] == "xa-tan-lap"


def test_the_history_names_the_slot_of_a_log_and_of_its_withdrawal(kho, staff):
    from app.services.broadcasts.log import log_broadcast
    from app.services.broadcasts.withdrawal import withdraw_broadcast
    from app.services.catalogue.products import product_history

    pid = _feature(kho, staff)
    row = log_broadcast(kho, staff["daixa"], pid, "02/08/2025", slot="evening")
    withdraw_broadcast(kho, staff["daixa"], row["id"])
    for reader in ("vp", "daixa"):          # commune staff: their own commune's logs
        details = {h["action"]: h["detail"] for h in product_history(kho, staff[reader], pid)
                   if h["action"].startswith("broadcast.")}
        assert details == {
            "broadcast.log": f"aired on 2025-08-02 (evening) by {KOI}",
            "broadcast.withdraw": f"log #{row['id']} withdrawn: aired on 2025-08-02 "
                                  f"(evening) by {KOI}"}
