"""Yearly contributions (issue 21, part 3): who is expected in the merger year and after,
the states from draft to accepted, deadlines on Vietnam's clock, and the refusals
(403 outside the account's unit, 422 outside the plan's years, 409 after acceptance).

Runs unchanged on PostgreSQL from tests/integration/test_contribution_races.py.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone

import pytest

from app.services.contributions import contribution_view

COMMUNE = "xa-dak-koi-2025"
OTHER = "xa-kon-braih-2025"
PROVINCE_BODY = "so-vhttdl-quang-ngai-2025"
DISTRICT_BODY = "phong-vhtt-kon-ray"


@pytest.fixture
def people(kho):
    """Office accounts of a commune, a second commune and the Sở VHTTDL; an admin and
    a producer."""
    from app.services.access.accounts import actor_by_name, add_user

    for name, role, unit in (("vanhoa-xa", "office", COMMUNE), ("vanhoa-xa2", "office", OTHER),
                             ("so-vh", "office", PROVINCE_BODY), ("qt", "admin", None),
                             ("sx", "producer", None)):
        add_user(kho, name, role, "mat-khau-dai-du", unit=unit)
    return {name: actor_by_name(kho, name)
            for name in ("vanhoa-xa", "vanhoa-xa2", "so-vh", "qt", "sx")}


def _unit_id(kho, code: str) -> int:
    from sqlalchemy import select

    from archive.models import Unit

    with kho.transaction() as s:
        return s.scalar(select(Unit.id).where(Unit.code == code))


def _expected(kho, body: str, year: int) -> list[str]:
    from app.services.contributions import chain, rules

    with kho.transaction() as s:
        return [u.code for u in chain.expected_units(
            s, kho.settings, _unit_id(kho, body), rules.deadline(kho.settings, year))]


def _events(kho, action: str | None = None) -> list[str]:
    from sqlalchemy import select

    from archive.contributions import ContributionEvent

    with kho.transaction() as s:
        query = select(ContributionEvent.action).order_by(ContributionEvent.id)
        if action:
            query = query.where(ContributionEvent.action == action)
        return list(s.scalars(query))


# --- who is expected --------------------------------------------------------------

def test_after_the_merger_the_communes_report_to_the_province_department(kho):
    assert _expected(kho, PROVINCE_BODY, 2026) == ["xa-dak-koi-2025", "xa-dak-rve-2025",
                                                   "xa-kon-braih-2025"]


def test_in_the_merger_year_the_new_communes_are_expected_and_the_old_ones_not(kho):
    from archive.errors import ValidationError

    assert _expected(kho, PROVINCE_BODY, 2025) == ["xa-dak-koi-2025", "xa-dak-rve-2025",
                                                   "xa-kon-braih-2025"]
    with pytest.raises(ValidationError) as refused:     # the district office ended 30/6/2025
        _expected(kho, DISTRICT_BODY, 2025)
    assert refused.value.field == "unit" and "25/11/2025" in str(refused.value)


def test_before_the_merger_the_district_office_collected_from_communes_and_offices(kho):
    codes = _expected(kho, DISTRICT_BODY, 2024)
    assert {"tt-dak-rve", "xa-dak-koi", "xa-dak-to-lung", "xa-dak-ruong", "xa-dak-pne",
            "xa-dak-to-re", "xa-tan-lap"} <= set(codes)
    assert {"trung-tam-vhttdltt-kon-ray", "phong-gddt-kon-ray", "cong-an-kon-ray",
            "mttq-kon-ray", "hoi-nong-dan-kon-ray"} <= set(codes)
    # not the body itself, its People's Committee, nor units of another time
    assert not {DISTRICT_BODY, "huyen-kon-ray", "tinh-kon-tum", COMMUNE} & set(codes)
    assert codes.index("trung-tam-vhttdltt-kon-ray") < codes.index("xa-dak-koi")  # offices first


def test_a_commune_collects_nothing(kho):
    from archive.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        _expected(kho, COMMUNE, 2026)
    assert refused.value.field == "unit"


# --- the states -------------------------------------------------------------------

def test_draft_submit_return_resubmit_accept_each_audited(kho, people):
    from app.services.contributions import filing
    from archive.errors import Conflict, ValidationError

    xa, so = people["vanhoa-xa"], people["so-vh"]
    draft = filing.save_contribution(kho, xa, COMMUNE, 2026, {
        "results": "Tổ chức 3 buổi tuyên truyền.", "proposals": "Hỗ trợ loa."})
    assert draft["state"] == "draft" and draft["consolidator"]["code"] == PROVINCE_BODY
    sent = filing.submit_contribution(kho, xa, COMMUNE, 2026)
    assert sent["state"] == "submitted" and sent["submitted_at"]
    with pytest.raises(Conflict) as waiting:
        filing.save_contribution(kho, xa, COMMUNE, 2026, {"results": "sửa"})
    assert "waits for review" in str(waiting.value)
    with pytest.raises(ValidationError) as no_reason:
        filing.return_contribution(kho, so, COMMUNE, 2026, "  ")
    assert no_reason.value.field == "reason"
    back = filing.return_contribution(kho, so, COMMUNE, 2026, "Thiếu số liệu tháng 10.")
    assert back["state"] == "returned" and back["return_reason"] == "Thiếu số liệu tháng 10."
    filing.save_contribution(kho, xa, COMMUNE, 2026, {"results": "Tổ chức 4 buổi tuyên truyền."})
    again = filing.submit_contribution(kho, xa, COMMUNE, 2026)
    assert again["state"] == "submitted" and again["results"] == "Tổ chức 4 buổi tuyên truyền."
    done = filing.accept_contribution(kho, so, COMMUNE, 2026)
    assert done["state"] == "accepted" and done["reviewed_by"] == "so-vh"
    with pytest.raises(Conflict) as final:
        filing.submit_contribution(kho, xa, COMMUNE, 2026)
    assert "accepted on" in str(final.value) and final.value.field == "state"
    with pytest.raises(Conflict):
        filing.accept_contribution(kho, so, COMMUNE, 2026)
    assert _events(kho) == ["contribution.save", "contribution.submit", "contribution.return",
                            "contribution.save", "contribution.submit", "contribution.accept"]
    history = contribution_view.get_contribution(kho, so, COMMUNE, 2026)["history"]
    assert history[2]["detail"] == "Thiếu số liệu tháng 10." and history[2]["by"] == "so-vh"


def test_nothing_to_submit_without_results(kho, people):
    from app.services.contributions import filing
    from archive.errors import ValidationError

    with pytest.raises(ValidationError) as empty:
        filing.submit_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026, {"results": ""})
    assert empty.value.field == "results"
    assert _events(kho) == []             # nothing written


def test_only_a_submitted_contribution_is_reviewed(kho, people):
    from app.services.contributions import filing
    from archive.errors import Conflict

    filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026, {"results": "x"})
    with pytest.raises(Conflict) as draft:
        filing.accept_contribution(kho, people["so-vh"], COMMUNE, 2026)
    assert "a draft" in str(draft.value)


def test_text_is_nfc_with_its_paragraphs_and_limited(kho, people):
    from app.services.contributions import filing, rules
    from archive.errors import ValidationError

    decomposed = unicodedata.normalize("NFD", "Kết quả đạt được.\r\n\r\n\r\nĐoạn thứ hai.")
    saved = filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026,
                                     {"results": decomposed})
    assert saved["results"] == "Kết quả đạt được.\n\nĐoạn thứ hai."
    assert unicodedata.is_normalized("NFC", saved["results"])
    with pytest.raises(ValidationError) as long:
        filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026,
                                 {"difficulties": "a" * (rules.MAX_TEXT + 1)})
    assert long.value.field == "difficulties"


def test_products_are_linked_and_unknown_ones_refused(kho, people):
    from app.services.catalogue.products import create_product
    from app.services.contributions import filing
    from archive.errors import ValidationError

    pid = create_product(kho, people["sx"], {"title": "Bản tin xã Đăk Kôi"})
    saved = filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026,
                                     {"product_ids": [pid, pid]})
    assert saved["products"] == [{"id": pid, "title": "Bản tin xã Đăk Kôi"}]
    with pytest.raises(ValidationError) as unknown:
        filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026,
                                 {"product_ids": [pid, 999999]})
    assert unknown.value.field == "product_ids" and "999999" in str(unknown.value)


# --- refusals ---------------------------------------------------------------------

def test_another_units_contribution_is_forbidden(kho, people):
    from app.services.contributions import filing
    from archive.errors import PermissionDenied

    with pytest.raises(PermissionDenied):       # a second commune's part
        filing.save_contribution(kho, people["vanhoa-xa"], OTHER, 2026, {"results": "x"})
    filing.submit_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026, {"results": "x"})
    with pytest.raises(PermissionDenied):       # a commune does not accept its own
        filing.accept_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026)
    with pytest.raises(PermissionDenied):       # nor another commune's
        contribution_view.get_contribution(kho, people["vanhoa-xa2"], COMMUNE, 2026)
    with pytest.raises(PermissionDenied):       # producers neither file nor review
        filing.save_contribution(kho, people["sx"], COMMUNE, 2026, {"results": "x"})


@pytest.mark.parametrize("year", [2022, 2029, "hai"])
def test_a_year_outside_the_plan_is_refused_naming_it(kho, people, year):
    from app.services.contributions import checklist, filing
    from archive.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, year, {"results": "x"})
    assert refused.value.field == "year" and str(year) in str(refused.value)
    with pytest.raises(ValidationError):
        checklist.checklist(kho, people["so-vh"], year)


def test_a_unit_that_ended_before_the_deadline_files_nothing(kho, people):
    from app.services.contributions import filing
    from archive.errors import ValidationError

    with pytest.raises(ValidationError) as ended:
        filing.save_contribution(kho, people["qt"], "xa-dak-to-lung", 2025, {"results": "x"})
    assert ended.value.field == "unit"


# --- deadlines --------------------------------------------------------------------

def test_on_time_until_midnight_of_the_deadline_in_vietnam(kho, people, monkeypatch):
    from app.services.contributions import filing

    monkeypatch.setattr(filing, "utcnow",   # 23:30 on 25/11/2026 in Vietnam
                        lambda: datetime(2026, 11, 25, 16, 30, tzinfo=timezone.utc))
    assert filing.submit_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026,
                                      {"results": "x"})["on_time"] is True
    monkeypatch.setattr(filing, "utcnow",   # 00:30 on 26/11/2026 in Vietnam
                        lambda: datetime(2026, 11, 25, 17, 30, tzinfo=timezone.utc))
    assert filing.submit_contribution(kho, people["vanhoa-xa2"], OTHER, 2026,
                                      {"results": "y"})["on_time"] is False
    assert _events(kho) == ["contribution.submit", "contribution.submit"]


def test_checklist_counts_who_submitted_and_who_is_late(kho, people, monkeypatch):
    from app.services.contributions import checklist, filing

    monkeypatch.setattr(filing, "utcnow",
                        lambda: datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc))
    filing.submit_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026, {"results": "x"})
    filing.save_contribution(kho, people["vanhoa-xa2"], OTHER, 2026, {"results": "y"})
    # today (6/12/2026 on the test machine, whatever it is) decides "days left"
    from app.services.common.clock import local_today
    today = local_today(kho.settings)
    seen = checklist.checklist(kho, people["so-vh"], 2026)
    assert seen["unit"]["code"] == PROVINCE_BODY
    assert seen["days_left"] == (date(2026, 11, 25) - today).days
    states = {r["unit"]["code"]: r for r in seen["contributors"]}
    assert states[COMMUNE]["state"] == "submitted" and states[COMMUNE]["on_time"] is True
    assert states[OTHER]["state"] == "draft"
    assert states["xa-dak-rve-2025"]["state"] == "missing"
    assert states[OTHER]["late"] is (today > date(2026, 11, 25))
    assert seen["counts"]["expected"] == 3 and seen["counts"]["done"] == 1
    assert seen["counts"]["missing"] == 1 and seen["counts"]["draft"] == 1


def test_a_commune_office_sees_what_it_owes(kho, people):
    from app.services.common.clock import local_today
    from app.services.contributions import checklist, filing

    this_year = local_today(kho.settings).year
    owes = [(o["year"], o["state"]) for o in checklist.owed(kho, people["vanhoa-xa"])]
    assert owes == [(y, "missing") for y in range(2025, min(this_year, 2028) + 1)]
    filing.submit_contribution(kho, people["vanhoa-xa"], COMMUNE, 2025, {"results": "x"})
    assert 2025 not in [o["year"] for o in checklist.owed(kho, people["vanhoa-xa"])]
    assert checklist.owed(kho, people["qt"]) == []        # no unit, nothing owed


# --- what the report reads ----------------------------------------------------------

def test_the_report_reads_submitted_parts_and_names_the_missing(kho, people):
    from app.services.catalogue.products import create_product
    from app.services.contributions import filing
    from app.services.contributions.summary import year_contributions

    pid = create_product(kho, people["sx"], {"title": "Phóng sự Đăk Kôi"})
    filing.submit_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026, {
        "results": "Đoạn một.\n\nĐoạn hai.", "difficulties": "Thiếu loa.",
        "proposals": "Cấp thêm loa.", "product_ids": [pid]})
    filing.accept_contribution(kho, people["so-vh"], COMMUNE, 2026)
    filing.save_contribution(kho, people["vanhoa-xa2"], OTHER, 2026, {"results": "nháp"})
    with kho.transaction() as s:
        entries = year_contributions(s, _unit_id(kho, PROVINCE_BODY), 2026,
                                     settings=kho.settings)
    by_code = {e.unit_code: e for e in entries}
    accepted = by_code[COMMUNE]
    assert accepted.state == "accepted" and accepted.unit_name == "Xã Đăk Kôi"
    assert accepted.results == "Đoạn một.\n\nĐoạn hai." and accepted.product_ids == [pid]
    assert accepted.submitted_at.tzinfo is not None and accepted.on_time in (True, False)
    assert by_code[OTHER].state == "draft" and by_code[OTHER].results == ""   # drafts stay out
    assert by_code["xa-dak-rve-2025"].state == "missing"


def test_unknown_activities_are_refused(kho, people):
    from app.services.contributions import filing
    from archive.errors import ValidationError

    with pytest.raises(ValidationError) as unknown:
        filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026,
                                 {"activity_ids": [424242]})
    assert unknown.value.field == "activity_ids" and "424242" in str(unknown.value)
    with pytest.raises(ValidationError) as huge:
        filing.save_contribution(kho, people["vanhoa-xa"], COMMUNE, 2026,
                                 {"activity_ids": [2 ** 40]})
    assert huge.value.field == "activity_ids"


def test_a_commune_report_reads_no_contributors(kho):
    from app.services.contributions.summary import year_contributions
    from archive.errors import ValidationError

    with kho.transaction() as s:
        assert year_contributions(s, _unit_id(kho, COMMUNE), 2026, settings=kho.settings) == []
        with pytest.raises(ValidationError):
            year_contributions(s, _unit_id(kho, PROVINCE_BODY), 2031, settings=kho.settings)
