"""Broadcast logs: only airable products are logged; a log can be withdrawn (by its
author on the day, by an admin any time), audited, and then counts nowhere: the yearly
report's lines, the office's figures (cached or not), the silent-communes list, the
broadcast lists and the "aired product cannot be deleted" rule.

Runs on SQLite here and on PostgreSQL through tests/integration/test_broadcast_races.py.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.services.access import accounts
from archive.errors import Conflict, NotFound, PermissionDenied
from tests.broadcast_copies import give_broadcast_copy

KOI = "xa-dak-koi-2025"
BRAIH = "xa-kon-braih-2025"


@pytest.fixture
def people(kho):
    for name, role, commune in (("sx", "producer", None), ("vp", "office", None),
                                ("qt", "admin", None), ("daixa", "commune", KOI),
                                ("daixa2", "commune", KOI), ("braih", "commune", BRAIH)):
        accounts.add_user(kho, name, role, "mat-khau-dai-du", commune=commune)
    return {name: accounts.actor_by_name(kho, name)
            for name in ("sx", "vp", "qt", "daixa", "daixa2", "braih")}


def _product(kho, people, title="Bản tin pháp luật", rendition="broadcast") -> int:
    from app.services.catalogue.products import create_product

    pid = create_product(kho, people["sx"], {"title": title, "kind": "radio-feature",
                                             "languages": ["vie"]})
    if rendition:
        give_broadcast_copy(kho, pid, rendition)
    return pid


def _today(kho):
    from app.services.common.clock import local_today

    return local_today(kho.settings)


def _koi_count(rows) -> int:
    return {r.code: r.count for r in rows}.get(KOI, 0)


def test_a_withdrawn_log_no_longer_counts_in_figures_report_lists_or_to_do(kho, people):
    from app.services.broadcasts.withdrawal import withdraw_broadcast
    from app.services.broadcasts.log import list_broadcasts, log_broadcast
    from app.services.reports.product_list import product_lines
    from app.services.stats.plan_progress import Scope, request_stats, year_scope
    from app.services.stats.next_steps import request_next_steps

    office, staff, today = people["vp"], people["daixa"], _today(kho)
    first, second = _product(kho, people), _product(kho, people, "Phóng sự")
    logs = [log_broadcast(kho, staff, pid, today) for pid in (first, second)]

    def counted():
        stats = request_stats(kho, office, {})              # the cached figures
        lines = {line.id: line.broadcasts
                 for line in product_lines(kho, office, year_scope(kho, today.year))}
        silent = {c.code for c in request_next_steps(kho, office, Scope()).silent_communes}
        return (_koi_count(stats.broadcasts_by_commune),
                sum(r.count for r in stats.broadcasts_by_month),
                lines[first], lines[second], KOI in silent,
                len(list_broadcasts(kho, office)), len(list_broadcasts(kho, staff)))

    assert counted() == (2, 2, 1, 1, False, 2, 2)
    withdraw_broadcast(kho, staff, logs[0]["id"])
    assert counted() == (1, 1, 0, 1, False, 1, 1)
    withdraw_broadcast(kho, staff, logs[1]["id"])
    assert counted() == (0, 0, 0, 0, True, 0, 0)   # Đăk Kôi aired nothing this year


def test_the_author_may_withdraw_on_the_day_an_admin_any_time(kho, people):
    from app.services.broadcasts.withdrawal import withdraw_broadcast
    from app.services.broadcasts.log import list_broadcasts, log_broadcast
    from archive.models import Broadcast

    pid = _product(kho, people)
    mine = log_broadcast(kho, people["daixa"], pid, "02/08/2025")
    assert mine["may_withdraw"] is True
    for who in ("daixa2", "sx", "vp"):       # a colleague of the same commune, others
        with pytest.raises(PermissionDenied):
            withdraw_broadcast(kho, people[who], mine["id"])
    with pytest.raises(NotFound):            # another commune's log is not theirs to see
        withdraw_broadcast(kho, people["braih"], mine["id"])
    with kho.transaction() as s:              # the log was written two days ago
        row = s.get(Broadcast, mine["id"])
        row.created_at = row.created_at - timedelta(days=2)
    [listed] = list_broadcasts(kho, people["daixa"])
    assert listed["may_withdraw"] is False
    with pytest.raises(PermissionDenied) as refused:
        withdraw_broadcast(kho, people["daixa"], mine["id"])
    day = (_today(kho) - timedelta(days=2)).strftime("%d/%m/%Y")
    assert day in str(refused.value) and "admin" in str(refused.value)
    assert list_broadcasts(kho, people["qt"])[0]["may_withdraw"] is True
    done = withdraw_broadcast(kho, people["qt"], mine["id"])
    assert done["withdrawn_by"] == "qt" and done["withdrawn_at"]


def test_a_withdrawal_is_audited_and_the_airing_may_be_logged_again(kho, people):
    from app.services.broadcasts.withdrawal import get_broadcast, withdraw_broadcast
    from app.services.broadcasts.log import log_broadcast
    from app.services.catalogue.products import product_history

    pid = _product(kho, people)
    row = log_broadcast(kho, people["daixa"], pid, "02/08/2025")
    withdraw_broadcast(kho, people["daixa"], row["id"])
    with pytest.raises(Conflict) as again:
        withdraw_broadcast(kho, people["qt"], row["id"])
    assert "already withdrawn" in str(again.value)
    kept = get_broadcast(kho, people["vp"], row["id"])
    assert kept["withdrawn_by"] == "daixa" and kept["aired_on"] == "2025-08-02"
    history = product_history(kho, people["vp"], pid)
    withdrawals = [h for h in history if h["action"] == "broadcast.withdraw"]
    assert [(h["user"], h["detail"]) for h in withdrawals] == [
        ("daixa", f"log #{row['id']} withdrawn: aired on 2025-08-02 by {KOI}")]
    relogged = log_broadcast(kho, people["daixa"], pid, "02/08/2025")   # a new log, counted
    assert relogged["id"] != row["id"]
    with pytest.raises(Conflict):
        log_broadcast(kho, people["daixa"], pid, "02/08/2025")
    other_commune = product_history(kho, people["braih"], pid)
    assert not [h for h in other_commune if h["action"].startswith("broadcast.")]


def test_a_product_whose_logs_are_all_withdrawn_can_be_deleted(kho, people):
    from app.services.broadcasts.withdrawal import withdraw_broadcast
    from app.services.broadcasts.log import log_broadcast
    from app.services.catalogue.products import delete_product

    pid = _product(kho, people)
    row = log_broadcast(kho, people["daixa"], pid, "02/08/2025")
    with pytest.raises(Conflict):
        delete_product(kho, people["qt"], pid)
    withdraw_broadcast(kho, people["daixa"], row["id"])
    delete_product(kho, people["qt"], pid)


def test_only_a_product_with_a_broadcast_mp3_or_a_playable_video_is_logged(kho, people):
    from app.services.broadcasts.log import log_broadcast

    from archive.errors import NotFound

    draft = _product(kho, people, "Nháp", rendition=None)
    poster = _product(kho, people, "Áp phích", rendition="thumbnail")
    video = _product(kho, people, "Video", rendition="proxy")
    with pytest.raises(NotFound):     # a draft without a file does not exist for them
        log_broadcast(kho, people["daixa"], draft, "02/08/2025")
    with pytest.raises(Conflict) as refused:
        log_broadcast(kho, people["daixa"], poster, "02/08/2025")
    assert refused.value.field == "product" and "broadcast MP3" in str(refused.value)
    assert log_broadcast(kho, people["daixa"], video, "02/08/2025")["aired_on"] == "2025-08-02"


@pytest.mark.parametrize("typed, words", [
    ("31/02/2025", "31/02/2025 does not exist in the calendar"),
    ("hôm qua", "hôm qua is not a date"),
    ("2025", "not only the year"),
])
def test_a_date_that_is_not_a_day_is_said_plainly(kho, people, typed, words):
    from app.services.broadcasts.log import log_broadcast
    from archive.errors import ValidationError

    pid = _product(kho, people)
    with pytest.raises(ValidationError) as refused:
        log_broadcast(kho, people["daixa"], pid, typed)
    assert refused.value.field == "aired_on" and words in str(refused.value)


def test_the_upgrade_withdraws_duplicate_logs_a_race_once_let_through(settings):
    """Before 0012 two parallel logs of one airing could both be written; the upgrade
    keeps the oldest in force and withdraws the others, each with a history event."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from archive import db

    runtime = Kho(settings)
    try:
        db.upgrade(runtime.engine, "0011")
        with runtime.engine.begin() as c:
            c.execute(text("INSERT INTO units (code, name, short_name, level) VALUES"
                           " ('xa-thu', 'Xã Thử', 'Thử', 'commune')"))
            c.execute(text("INSERT INTO products (id, title, description, rights_note, tags,"
                           " suggestions, sensitive, status, created_at, updated_at, version)"
                           " VALUES (5, 'Bản tin', '', '', '[]', '[]', :f, 'ready',"
                           " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"), {"f": False})
            unit = c.execute(text("SELECT id FROM units WHERE code = 'xa-thu'")).scalar()
            for _ in range(3):
                c.execute(text("INSERT INTO broadcasts (product_id, commune_id, aired_on, note,"
                               " created_at) VALUES (5, :u, '2025-03-02', '',"
                               " CURRENT_TIMESTAMP)"), {"u": unit})
        init_instance(runtime)
        with runtime.engine.connect() as c:
            rows = c.execute(text("SELECT id, withdrawn_at IS NULL FROM broadcasts"
                                  " ORDER BY id")).all()
            events = c.execute(text("SELECT detail FROM events WHERE action ="
                                    " 'broadcast.withdraw' ORDER BY id")).scalars().all()
        first = rows[0][0]
        assert [in_force for _, in_force in rows] == [True, False, False]
        assert events == [f"log #{i} withdrawn (the same airing as log #{first}): aired on "
                          f"2025-03-02 by xa-thu" for i, _ in rows[1:]]
    finally:
        runtime.close()


def test_the_broadcasts_of_a_withdrawn_log_leave_the_api_lists(kho, people):
    from app.services.broadcasts.withdrawal import withdraw_broadcast
    from app.services.broadcasts.log import list_broadcasts, log_broadcast
    from archive.models import Broadcast

    pid = _product(kho, people)
    kept = log_broadcast(kho, people["qt"], pid, "01/08/2025", commune_code=BRAIH)
    gone = log_broadcast(kho, people["qt"], pid, "02/08/2025", commune_code=BRAIH)
    withdraw_broadcast(kho, people["qt"], gone["id"])
    assert [r["id"] for r in list_broadcasts(kho, people["vp"], product_id=pid)] == [kept["id"]]
    assert [r["id"] for r in list_broadcasts(kho, people["braih"], year=2025)] == [kept["id"]]
    with kho.transaction() as s:
        assert s.scalar(select(Broadcast.withdrawn_by_id).where(Broadcast.id == gone["id"])) \
            == people["qt"].user_id
