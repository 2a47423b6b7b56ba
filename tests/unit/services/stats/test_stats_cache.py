"""The front doors' figures are reused only while nothing they count has changed: each
kind of change (a product, a file's processing, a broadcast, a download, a publication,
a vocabulary flag, a merger, the day) gives new figures on the very next request."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.services.access import accounts
from app.services.catalogue import vocabulary_admin
from app.services.stats import plan_progress
from app.services.stats import cache
from app.services.common.clock import local_today
from app.services.access.actors import SYSTEM, Actor
from app.services.broadcasts.log import log_broadcast
from app.services.catalogue.products import create_product
from app.services.stats.next_steps import request_next_steps
from app.services.files.download_records import record_download
from archive.base import utcnow
from archive.harvests import Publication
from archive.models import Event, File, Product, Term
from tests.broadcast_copies import give_broadcast_copy
from tests.unit.services.stats.test_stats import _build

OFFICE = Actor(None, "vanphong", "office")


@pytest.fixture
def catalogue(kho):
    return _build(kho)


def figures(kho, **params):
    return plan_progress.request_stats(kho, OFFICE, params)


@pytest.fixture
def counted(monkeypatch):
    """How often the database counted: the products from their rows (the summary cells
    answer the usual scopes without it), the broadcasts, the downloads."""
    from app.services.stats import breakdowns

    calls = {"products": 0, "broadcasts": 0, "downloads": 0}
    for part, name in (("products", "product_rows"), ("broadcasts", "broadcasts_part"),
                       ("downloads", "downloads_part")):
        real = getattr(breakdowns, name)

        def counting(*args, real=real, part=part, **kw):
            calls[part] += not kw.get("recount")      # a test's reference count is not
            return real(*args, **kw)
        monkeypatch.setattr(breakdowns, name, counting)
    return calls


def test_nothing_changed_the_same_figures_are_reused(kho, catalogue, counted):
    first = figures(kho)
    assert figures(kho) == first
    assert counted == {"products": 0, "broadcasts": 1, "downloads": 1}
    assert figures(kho, commune="xa-kon-braih-2025") != first          # another scope
    assert figures(kho, commune="xa-kon-braih-2025") == figures(kho, commune="xa-kon-braih-2025")
    assert counted == {"products": 1, "broadcasts": 2, "downloads": 2}
    todo = request_next_steps(kho, OFFICE, first.scope)
    again = request_next_steps(kho, OFFICE, first.scope)
    assert again == todo and again.not_digitised is todo.not_digitised \
        and again.silent_communes is todo.silent_communes


def test_a_broadcast_log_looks_up_the_silent_communes_not_the_product_lists(
        kho, catalogue, monkeypatch):
    from app.services.stats import next_steps

    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-koi-2025")
    give_broadcast_copy(kho, catalogue["P4"])
    before = request_next_steps(kho, OFFICE, plan_progress.Scope())
    assert "xa-dak-koi-2025" in {c.code for c in before.silent_communes}
    walks = []
    real = next_steps._product_lists
    monkeypatch.setattr(next_steps, "_product_lists",
                        lambda *a: walks.append(1) or real(*a))
    log_broadcast(kho, accounts.actor_by_name(kho, "xa"), catalogue["P4"],
                  local_today(kho.settings))             # Vietnam's today: this year
    after = request_next_steps(kho, OFFICE, plan_progress.Scope())
    assert "xa-dak-koi-2025" not in {c.code for c in after.silent_communes}
    assert walks == [] and after.not_digitised is before.not_digitised
    assert after == next_steps.next_steps(kho, OFFICE, plan_progress.Scope(), recount=True)


def test_a_new_download_is_added_to_the_downloads_and_nothing_is_recounted(
        kho, catalogue, counted):
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-koi-2025")
    before = figures(kho)
    record_download(kho, accounts.actor_by_name(kho, "xa"), catalogue["P4"], 1, "original")
    after = figures(kho)
    assert counted == {"products": 0, "broadcasts": 1, "downloads": 1}
    assert {r.code: r.count for r in after.downloads_by_commune}["xa-dak-koi-2025"] == 1
    assert after.counts() == before.counts() and after.by_year == before.by_year


def test_a_new_product_counts_at_once(kho, catalogue, counted):
    assert figures(kho).total == 7
    create_product(kho, SYSTEM, {"title": "Tranh mới", "languages": "sed"})
    again = figures(kho)
    assert (again.total, again.ethnic_language) == (8, 3)
    # the broadcast and download logs did not change: not counted again
    assert counted == {"products": 0, "broadcasts": 1, "downloads": 1}
    figures(kho, unit="trung-tam-vhttdltt-kon-ray")
    create_product(kho, SYSTEM, {"title": "Tranh nữa", "lead_unit": "trung-tam-vhttdltt-kon-ray"})
    figures(kho, unit="trung-tam-vhttdltt-kon-ray")   # a unit's broadcasts follow its products
    assert counted == {"products": 2, "broadcasts": 3, "downloads": 3}


def test_a_file_finishing_processing_counts_at_once(kho, catalogue):
    assert figures(kho).digitised == 4
    with kho.transaction() as s:     # what processing does: the file, then the datestamp
        row = s.scalar(select(File).where(File.product_id == catalogue["P6"]))
        row.status = "ready"
        s.get(Product, catalogue["P6"]).updated_at = utcnow()
    assert figures(kho).digitised == 5


def test_a_retried_file_leaves_the_failed_list(kho, catalogue):
    assert request_next_steps(kho, OFFICE, plan_progress.Scope()).failed_files_total == 2
    with kho.transaction() as s:
        s.scalar(select(File).where(File.product_id == catalogue["P2"])).status = "queued"
    assert request_next_steps(kho, OFFICE, plan_progress.Scope()).failed_files_total == 1


def test_broadcasts_downloads_and_publications_count_at_once(kho, catalogue):
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-koi-2025")
    staff = accounts.actor_by_name(kho, "xa")
    give_broadcast_copy(kho, catalogue["P4"])     # airable: it has a broadcast MP3
    before = figures(kho)
    log_broadcast(kho, staff, catalogue["P4"], date.today() - timedelta(days=1))
    record_download(kho, staff, catalogue["P4"], 1, "broadcast")
    with kho.transaction() as s:
        s.add(Publication(product_id=catalogue["P4"], version_at=utcnow(), via="oai"))
    after = figures(kho)
    koi = {r.code: r.count for r in after.broadcasts_by_commune}["xa-dak-koi-2025"]
    assert koi == {r.code: r.count for r in before.broadcasts_by_commune}["xa-dak-koi-2025"] + 1
    assert {r.code: r.count for r in after.downloads_by_commune}["xa-dak-koi-2025"] == 1
    assert (before.online, after.online) == (1, 2)


def test_an_edited_vocabulary_flag_or_merger_counts_at_once(kho, catalogue):
    assert figures(kho).foreign_language == 1
    with kho.transaction() as s:     # an admin re-flags a language (as a vocabulary edit can)
        english = s.scalar(select(Term).where(Term.code == "eng"))
        english.foreign, english.ethnic_minority = False, True
    again = figures(kho)
    assert (again.foreign_language, again.ethnic_language) == (0, 3)
    vocabulary_admin.update_unit(kho, SYSTEM, "xa-dak-koi-2025", name="Xã Đăk Kôi",
                      valid_from="01/07/2025", valid_to="", successor="xa-kon-braih-2025")
    assert "xa-dak-koi-2025" not in {r.code for r in figures(kho).by_commune}


def test_a_new_day_gives_new_figures(kho, catalogue, monkeypatch, counted):
    figures(kho)
    monkeypatch.setattr(cache, "local_today", lambda settings: date(2030, 1, 1))
    figures(kho)
    assert counted == {"products": 0, "broadcasts": 2, "downloads": 2}


def test_a_deleted_product_leaves_at_once(kho, catalogue):
    from app.services.catalogue.products import delete_product

    assert figures(kho).total == 7
    delete_product(kho, SYSTEM, catalogue["P1"])       # not the newest one
    assert figures(kho).total == 6


def read_while(kho, write, threads: int, times: int) -> list:
    """Answers of ``threads`` threads each asking ``times`` while ``write()`` runs in
    this one; a reader's error fails the test."""
    import threading

    answers, errors = [], []

    def read() -> None:
        try:
            for _ in range(times):
                answers.append(figures(kho))
        except Exception as exc:          # noqa: BLE001 - reported below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(threads)]
    for t in readers:
        t.start()
    write()
    for t in readers:
        t.join()
    assert errors == []
    return answers


def test_readers_in_threads_while_products_are_added_see_whole_figures(kho, catalogue):
    """Eight threads ask while another adds products: every answer is one consistent
    snapshot (the total equals the sum over the years) and the last equals a fresh count."""
    def write() -> None:
        for n in range(5):
            create_product(kho, SYSTEM, {"title": f"Sản phẩm {n}", "languages": "vie"})
    answers = read_while(kho, write, 8, 5)
    assert all(a.total == sum(r.total for r in a.by_year) for a in answers)
    assert {a.total for a in answers} <= set(range(7, 13))
    fresh = plan_progress.compute_stats(kho, OFFICE, plan_progress.Scope())
    assert figures(kho).counts() == fresh.counts() and fresh.total == 12


def test_a_result_is_counted_again_after_max_age(kho, catalogue, counted, monkeypatch):
    figures(kho)
    later = cache.monotonic() + cache.MAX_AGE + 1
    monkeypatch.setattr(cache, "monotonic", lambda: later)
    figures(kho)
    assert counted == {"products": 0, "broadcasts": 2, "downloads": 2}


def test_writes_that_are_no_catalogue_change_recount_nothing(kho, catalogue, counted):
    """A fixity check or a broadcast log writes events and rows, but no product figure
    changes: a unit's figures (counted, then cached) are not counted again; a broadcast
    recounts only the broadcasts."""
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-koi-2025")
    staff = accounts.actor_by_name(kho, "xa")
    give_broadcast_copy(kho, catalogue["P4"])
    unit = "trung-tam-vhttdltt-kon-ray"
    before = figures(kho, unit=unit)
    with kho.transaction() as s:
        s.add(Event(product_id=catalogue["P4"], action="fixity.check", outcome="ok",
                    detail="primary: sha256 matches"))
    assert figures(kho, unit=unit) == before
    assert counted == {"products": 1, "broadcasts": 1, "downloads": 1}
    log_broadcast(kho, staff, catalogue["P4"], date.today() - timedelta(days=1))
    figures(kho, unit=unit)
    assert counted == {"products": 1, "broadcasts": 2, "downloads": 1}


def test_a_request_with_an_older_fingerprint_keeps_the_newer_result(kho, catalogue,
                                                                     monkeypatch):
    """A slow request that read its fingerprint before an edit stores its result after
    a quicker one that read it after: the newer result stays for the next request."""
    from app.services.stats import next_steps

    older = cache.fingerprint(kho)
    create_product(kho, SYSTEM, {"title": "Sản phẩm mới", "languages": "vie"})
    newer = cache.fingerprint(kho)
    walks = []
    real = next_steps._product_lists
    monkeypatch.setattr(next_steps, "_product_lists", lambda *a: walks.append(1) or real(*a))
    for marks in (newer, older, newer):
        request_next_steps(kho, OFFICE, plan_progress.Scope(), marks=marks)
    assert len(walks) == 2
