"""The admin units page edits what a letterhead needs (place, signer's title and name,
the name on documents, where reports go), and the yearly report reads it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select


def _unit(kho, code):
    from archive.models import Unit
    from sqlalchemy import select

    with kho.transaction() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        return (unit.place_name, unit.signer_title, unit.signer_name, unit.letterhead_name,
                unit.reports_to.code if unit.reports_to else "")


def test_admin_sets_a_communes_letterhead_and_the_report_uses_it(as_role, kho_rt):
    from app.services.reports.letterhead import letterhead

    b = as_role("admin")
    page = b.get("/admin/units").get_data(as_text=True)
    assert "Thể thức văn bản báo cáo năm" in page and 'name="signer_name"' in page
    response = b.post("/admin/units", {
        "code": "xa-dak-koi-2025", "name": "Xã Đăk Kôi", "valid_from": "01/07/2025",
        "valid_to": "", "successor": "", "letterhead_name": "", "place_name": "Đăk Kôi",
        "signer_title": "KT. CHỦ TỊCH | PHÓ CHỦ TỊCH", "signer_name": "Y Blô",
        "reports_to": "so-vhttdl-quang-ngai-2025"}, token_from="/admin/units")
    assert response.status_code == 302
    assert _unit(kho_rt, "xa-dak-koi-2025") == ("Đăk Kôi", "KT. CHỦ TỊCH | PHÓ CHỦ TỊCH",
                                                "Y Blô", "", "so-vhttdl-quang-ngai-2025")
    assert "Y Blô" in b.get("/admin/units").get_data(as_text=True)
    with kho_rt.transaction() as session:
        head = letterhead(session, kho_rt.settings, "xa-dak-koi-2025", date(2026, 11, 20))
    assert head.signer_title == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert head.signer_name == "Y Blô"


def test_a_unit_cannot_report_to_itself_or_an_unknown_unit(as_role, kho_rt):
    b = as_role("admin")
    base = {"code": "xa-dak-koi-2025", "name": "Xã Đăk Kôi", "valid_from": "01/07/2025",
            "valid_to": "", "successor": ""}
    itself = b.post("/admin/units", {**base, "reports_to": "xa-dak-koi-2025"},
                    token_from="/admin/units")
    assert itself.status_code == 422
    assert "Báo cáo gửi đến" in itself.get_data(as_text=True)
    unknown = b.post("/admin/units", {**base, "reports_to": "khong-co"},
                     token_from="/admin/units")
    assert unknown.status_code == 422
    assert "mã đơn vị không tồn tại: khong-co" in unknown.get_data(as_text=True)
    assert _unit(kho_rt, "xa-dak-koi-2025")[4] == ""


def test_a_row_posted_without_letterhead_fields_keeps_them(as_role, kho_rt):
    b = as_role("admin")
    before = _unit(kho_rt, "so-vhttdl-quang-ngai-2025")
    assert before[1] == "GIÁM ĐỐC"              # seeded
    b.post("/admin/units", {"code": "so-vhttdl-quang-ngai-2025",
                            "name": "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi",
                            "valid_from": "01/07/2025", "valid_to": "", "successor": ""},
           token_from="/admin/units")
    assert _unit(kho_rt, "so-vhttdl-quang-ngai-2025") == before


def test_which_bodies_collect_the_contributions_is_data_the_admin_edits(as_role, kho_rt):
    """The consolidating bodies are marked on the units (seeded: the district's office
    until 30/06/2025, the province's department after), not named in a setting: a
    province that reorganises again ticks another box, and the chain follows."""
    from app.services.contributions import chain
    from archive.models import Unit

    def consolidators() -> set[str]:
        with kho_rt.transaction() as s:
            rows = chain.unit_rows(s)
            return {rows[i].code for i in chain.consolidator_ids(kho_rt.settings, rows)}

    assert consolidators() == {"phong-vhtt-kon-ray", "so-vhttdl-quang-ngai-2025"}
    admin = as_role("admin")
    page = admin.get("/admin/units").get_data(as_text=True)
    assert "Tiếp nhận báo cáo năm của các đơn vị trực thuộc và tổng hợp" in page
    with kho_rt.transaction() as s:
        so = s.scalar(select(Unit).where(Unit.code == "so-vhttdl-quang-ngai-2025"))
        form = {"code": so.code, "name": so.name, "valid_from": "01/07/2025", "valid_to": "",
                "successor": "", "letterhead_name": so.letterhead_name,
                "place_name": so.place_name, "signer_title": so.signer_title,
                "signer_name": so.signer_name, "reports_to": ""}
    assert admin.post("/admin/units", form, token_from="/admin/units").status_code == 302
    # (the box was not ticked)
    assert consolidators() == {"phong-vhtt-kon-ray"}
    assert admin.post("/admin/units", {**form, "consolidates": "1"},
                      token_from="/admin/units").status_code == 302
    assert consolidators() == {"phong-vhtt-kon-ray", "so-vhttdl-quang-ngai-2025"}
