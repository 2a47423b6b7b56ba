"""Who issues, signs and receives the yearly report, read from the seeded unit table as
it stood on the report's date: the district's Phòng VH&TT before 1/7/2025, the
province's Sở VHTTDL of Quảng Ngãi after; a commune's People's Committee for its own
report; a unit that ended without a successor is refused with the unit to pick."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from archive.errors import ValidationError


def _head(kho, code=None, day=date(2026, 11, 20), **settings):
    from app.services.reports.letterhead import letterhead

    if settings:
        kho.settings = replace(kho.settings, **settings)
    with kho.transaction() as session:
        return letterhead(session, kho.settings, code, day, dated=True)


def test_the_2026_report_is_issued_by_the_province_department(kho):
    head = _head(kho)
    assert head.unit_code == "so-vhttdl-quang-ngai-2025"
    assert (head.supervisor, head.issuer) == ("UBND tỉnh Quảng Ngãi",
                                              "Sở Văn hóa, Thể thao và Du lịch")
    assert head.place == "Quảng Ngãi"
    assert head.signer_title == ("GIÁM ĐỐC",)
    assert head.recipient == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert head.date_line() == "Quảng Ngãi, ngày 20 tháng 11 năm 2026"


def test_a_2024_report_was_issued_by_the_district_office(kho):
    head = _head(kho, day=date(2024, 11, 20))
    assert head.unit_code == "phong-vhtt-kon-ray"
    assert (head.supervisor, head.issuer) == ("UBND huyện Kon Rẫy",
                                              "Phòng Văn hóa và Thông tin")
    assert head.place == "Kon Rẫy"
    assert head.signer_title == ("TRƯỞNG PHÒNG",)
    assert head.recipient == "Sở Thông tin và Truyền thông tỉnh Kon Tum"


def test_the_district_office_asked_for_in_2026_is_refused_with_the_unit_to_pick(kho):
    with pytest.raises(ValidationError) as caught:
        _head(kho, "phong-vhtt-kon-ray")
    error = caught.value
    assert error.field == "issuer"
    assert error.params["end"] == "30/06/2025" and error.params["date"] == "20/11/2026"
    assert error.params["code"] == "so-vhttdl-quang-ngai-2025"
    from app.i18n import gettext_for
    text = error.render(gettext_for("vi"))
    assert "Phòng Văn hóa và Thông tin huyện Kon Rẫy" in text
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi" in text
    assert "30/06/2025" in text and "20/11/2026" in text


def test_a_unit_before_it_existed_is_refused(kho):
    with pytest.raises(ValidationError) as caught:
        _head(kho, "xa-dak-rve-2025", day=date(2025, 3, 1))
    assert caught.value.params["start"] == "01/07/2025"
    assert caught.value.params["code"] == "phong-vhtt-kon-ray"


def test_a_merged_commune_hands_its_report_to_its_successor(kho):
    head = _head(kho, "xa-dak-pne")          # ended 30/06/2025, merged into Đăk Rve
    assert head.unit_code == "xa-dak-rve-2025"
    assert (head.supervisor, head.issuer) == ("", "Ủy ban nhân dân xã Đăk Rve")
    assert head.place == "Đăk Rve"
    assert head.signer_title == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert head.recipient == "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"


def test_a_commune_before_the_merger_reports_to_the_district_office(kho):
    head = _head(kho, "tt-dak-rve", day=date(2024, 11, 20))
    assert head.issuer == "Ủy ban nhân dân thị trấn Đăk Rve" and head.place == "Đăk Rve"
    assert head.recipient == "Phòng Văn hóa và Thông tin huyện Kon Rẫy"


def test_the_units_own_letterhead_fields_win(kho):
    from archive.models import Unit
    from sqlalchemy import update

    with kho.transaction() as session:
        session.execute(update(Unit).where(Unit.code == "xa-kon-braih-2025").values(
            place_name="Kon Braih (Quảng Ngãi)", signer_title="KT. CHỦ TỊCH | PHÓ CHỦ TỊCH",
            signer_name="Nguyễn Văn A", letterhead_name="UBND xã Kon Braih"))
    head = _head(kho, "xa-kon-braih-2025")
    assert head.place == "Kon Braih (Quảng Ngãi)" and head.issuer == "UBND xã Kon Braih"
    assert head.signer_title == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert head.signer_name == "Nguyễn Văn A"


def test_settings_override_issuer_and_recipient_when_set(kho):
    head = _head(kho, report_issuer="UBND xã Đăk Rve | Phòng Văn hóa - Xã hội",
                 report_recipient="Ban Tuyên giáo")
    assert (head.supervisor, head.issuer, head.recipient) == (
        "UBND xã Đăk Rve", "Phòng Văn hóa - Xã hội", "Ban Tuyên giáo")
    assert head.signer_title == ("TRƯỞNG PHÒNG",)
    assert head.place == "Quảng Ngãi"       # the place still comes from the data


def test_undated_line_leaves_day_and_month_to_fill_in(kho):
    from app.services.reports.letterhead import letterhead

    with kho.transaction() as session:
        head = letterhead(session, kho.settings, None, date(2026, 2, 3))
    assert head.date_line() == "Quảng Ngãi, ngày ... tháng ... năm 2026"
    assert replace(head, dated=True).date_line() == "Quảng Ngãi, ngày 03 tháng 02 năm 2026"


def test_without_any_consolidating_body_the_office_is_told_to_choose(kho):
    from sqlalchemy import update

    from archive.models import Unit

    with kho.transaction() as s:      # no unit collects the contributions any more
        s.execute(update(Unit).values(consolidates=False))
    with pytest.raises(ValidationError) as caught:
        _head(kho, report_consolidators="")
    assert caught.value.field == "date"
