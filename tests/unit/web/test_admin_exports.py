"""The export receipts page: admins and office staff see every package that left Kho."""
from __future__ import annotations

from pathlib import Path

from app.services.exports import packages


def test_receipts_page_lists_exports_in_vietnamese_and_english(app, kho_rt, as_role, product_id,
                                                               tmp_path: Path):
    result = packages.export(kho_rt, packages.OPERATOR_ACTOR,
                            packages.ExportRequest(format="jsonl", out=tmp_path / "a.jsonl"))
    b = as_role("admin")
    page = b.get("/admin/exports/").get_data(as_text=True)
    assert "Biên nhận xuất dữ liệu" in page
    assert result.sha256[:16] in page and "jsonl" in page
    assert "a.jsonl" in page and str(tmp_path) not in page      # no server path shown
    assert "người vận hành (dòng lệnh)" in page and "toàn bộ danh mục" in page
    assert 'href="/admin/exports/"' in b.get("/admin/users").get_data(as_text=True)
    b.get("/lang/en")
    english = b.get("/admin/exports/").get_data(as_text=True)
    assert "Export receipts" in english and "operator (command line)" in english
    office = as_role("office").get("/admin/exports/")
    assert office.status_code == 200 and result.sha256[:16] in office.get_data(as_text=True)


def test_producers_and_communes_may_not_see_receipts(as_role):
    for role in ("producer", "commune"):
        assert as_role(role).get("/admin/exports/").status_code == 403, role
