"""Who may write the yearly report, what file names it accepts, and how closed
products are counted but listed only to those who may see them."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from archive.errors import PermissionDenied, ValidationError
from tests.unit.services.reports import report_catalogue


@pytest.fixture
def catalogue(kho):
    return report_catalogue.build(kho)


def _write(kho, username: str, year: int, out):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    return write_report(kho, actor_by_name(kho, username), year, out)


@pytest.mark.parametrize("username", ["sx", "daixa"])
def test_producer_and_commune_accounts_may_not_write_it(kho, catalogue, tmp_path, username):
    with pytest.raises(PermissionDenied):
        _write(kho, username, catalogue.year, tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == [tmp_path / "instance"]


@pytest.mark.parametrize("name", ["bao-cao.pdf", "bao-cao.csv", "bao-cao"])
def test_another_extension_is_refused_naming_out(kho, catalogue, tmp_path, name):
    with pytest.raises(ValidationError) as caught:
        _write(kho, "vanphong", catalogue.year, tmp_path / name)
    assert "out" in caught.value.fields and name in str(caught.value)
    assert not (tmp_path / name).exists()


def test_missing_folder_is_refused_naming_out(kho, catalogue, tmp_path):
    with pytest.raises(ValidationError) as caught:
        _write(kho, "vanphong", catalogue.year, tmp_path / "khong-co" / "r.docx")
    assert "out" in caught.value.fields


def test_upper_case_extension_is_accepted(kho, catalogue, tmp_path):
    assert _write(kho, "quantri", catalogue.year, tmp_path / "BAO-CAO.XLSX").format == "xlsx"


def test_closed_products_count_but_are_listed_only_to_who_may_see_them(
        kho, catalogue, tmp_path, monkeypatch):
    from app.services.access.visibility import Viewer
    from app.services.reports import product_list

    out = tmp_path / "r.xlsx"
    _write(kho, "vanphong", catalogue.year, out)
    listed = [r[0] for r in load_workbook(out)["Danh sách sản phẩm"].iter_rows(
        min_row=2, values_only=True)]
    assert catalogue.video in listed                     # the office sees closed ones
    # a writer the access rule shows only what every account sees
    monkeypatch.setattr(product_list, "viewer_for",
                        lambda session, actor, today: Viewer(actor, today))
    written = _write(kho, "vanphong", catalogue.year, out)
    assert (written.products, written.listed) == (4, 3)
    book = load_workbook(out)
    listed = [r[0] for r in book["Danh sách sản phẩm"].iter_rows(min_row=2, values_only=True)]
    assert catalogue.video not in listed and len(listed) == 3
    titles = [r[1] for r in book["Danh sách sản phẩm"].iter_rows(min_row=2, values_only=True)]
    assert "Video hạn chế" not in titles
    total = next(r for r in book["Tổng hợp"].iter_rows(values_only=True)
                 if r[0] == "Tổng số sản phẩm trong phạm vi")
    assert total[1] == 4                                 # still counted


def test_the_report_file_name_and_default_year(kho):
    from app.services.reports.yearly import default_year, report_filename
    from app.services.common.clock import local_today

    assert report_filename(2026, "xlsx") == "bao-cao-2026.xlsx"
    assert report_filename(2026, "docx", None, "xa-dak-koi-2025") == \
        "bao-cao-2026-xa-dak-koi-2025.docx"
    assert report_filename(2025, "xlsx", "phong-vhtt-kon-ray", "../x y") == \
        "bao-cao-2025-phong-vhtt-kon-ray-xy.xlsx"
    assert default_year(kho) == local_today(kho.settings).year


def test_unit_and_commune_filters_narrow_figures_and_list(kho, catalogue, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    office = actor_by_name(kho, "vanphong")

    def listed(**filters):
        out = tmp_path / "loc.xlsx"
        written = write_report(kho, office, catalogue.year, out, **filters)
        rows = load_workbook(out)["Danh sách sản phẩm"].iter_rows(min_row=2, values_only=True)
        return written.products, [r[0] for r in rows]

    assert listed(unit="trung-tam-vhttdltt-kon-ray") == (1, [catalogue.feature])
    # Đăk Rve by its GSO code: the feature filed under Đăk Pne, merged into it in 2025
    assert listed(commune="23479") == (1, [catalogue.feature])
    assert listed(commune="xa-kon-braih-2025") == (1, [catalogue.poster])
    with pytest.raises(ValidationError) as caught:
        listed(commune="khong-co")
    assert "commune" in caught.value.fields
