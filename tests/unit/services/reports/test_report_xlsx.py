"""The yearly report workbook, read back with openpyxl: every indicator exactly, as
number and percent cells, frozen header rows and autofilters on every sheet."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.unit.services.reports import report_catalogue


@pytest.fixture
def catalogue(kho):
    return report_catalogue.build(kho)


def _write(kho, catalogue, tmp_path: Path, role: str = "vanphong", name="bao-cao.xlsx"):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    out = tmp_path / name
    written = write_report(kho, actor_by_name(kho, role), catalogue.year, out)
    return written, load_workbook(out)


def _rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _by_label(sheet) -> dict:
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def test_summary_sheet_has_every_indicator_exactly(kho, catalogue, tmp_path):
    written, book = _write(kho, catalogue, tmp_path)
    assert (written.format, written.year, written.products, written.listed) == \
        ("xlsx", catalogue.year, 4, 4)
    assert book.sheetnames == ["Tổng hợp", "Theo đơn vị", "Theo xã", "Phân loại",
                               "Theo nhiệm vụ", "Báo cáo đơn vị", "Hoạt động",
                               "Người được tập huấn", "Danh sách sản phẩm",
                               "Lượt phát sóng theo tháng"]
    rows = _by_label(book["Tổng hợp"])
    expected = {"Tỷ lệ số hóa": (2, 4, 0.5), "Tỷ lệ sản phẩm bằng tiếng dân tộc thiểu số":
                (1, 4, 0.25), "Tỷ lệ sản phẩm bằng tiếng nước ngoài": (1, 4, 0.25),
                "Tỷ lệ sản phẩm trên nền tảng số": (1, 4, 0.25),
                "Tỷ lệ chung (dân tộc thiểu số, nước ngoài, nền tảng số)": (2, 4, 0.5),
                "Tỷ lệ đưa lên cơ sở dữ liệu dùng chung": (0, 4, 0.0)}
    for label, (numerator, denominator, share) in expected.items():
        row = rows[label]
        assert (row[1].value, row[2].value, row[3].value) == (numerator, denominator, share)
        assert row[3].number_format == "0.0%" and row[3].data_type == "n"
        assert row[1].number_format == "#,##0" and row[1].data_type == "n"
        assert row[6].value                      # the definition is beside it
    combined = rows["Tỷ lệ chung (dân tộc thiểu số, nước ngoài, nền tảng số)"]
    assert combined[4].value == "15,0 % – 20,0 %" and combined[5].value == "Vượt mục tiêu"
    assert rows["Tỷ lệ sản phẩm bằng tiếng dân tộc thiểu số"][5].value == "Vượt mục tiêu"
    assert rows["Tỷ lệ số hóa"][5].value == "Dưới mục tiêu"
    assert rows["Tổng số sản phẩm trong phạm vi"][1].value == 4


def test_every_sheet_has_a_frozen_filtered_header_and_fitted_widths(kho, catalogue,
                                                                    tmp_path):
    _, book = _write(kho, catalogue, tmp_path)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet.auto_filter.ref.endswith(str(sheet.max_row)), sheet.title
        header = [c.value for c in sheet[1]]
        for index, text in enumerate(header, start=1):
            width = sheet.column_dimensions[sheet.cell(1, index).column_letter].width
            assert width >= min(len(str(text)), 12), (sheet.title, text, width)
    assert book["Tổng hợp"].column_dimensions["A"].width >= \
        len("Tỷ lệ chung (dân tộc thiểu số, nước ngoài, nền tảng số)")


def test_product_list_lists_each_product_in_the_year(kho, catalogue, tmp_path):
    _, book = _write(kho, catalogue, tmp_path)
    rows = _rows(book["Danh sách sản phẩm"])
    assert rows[0] == ["Mã", "Tiêu đề", "Loại", "Ngôn ngữ", "Kênh", "Nhiệm vụ kế hoạch",
                       "Đơn vị chủ trì", "Xã", "Đã số hóa", "Lượt phát sóng", "Lượt tải"]
    listed = {row[0]: row for row in rows[1:]}
    assert sorted(listed) == sorted([catalogue.feature, catalogue.poster, catalogue.video,
                                     catalogue.photo])
    feature = listed[catalogue.feature]
    assert feature[1:3] == ["Phóng sự quyền trẻ em song ngữ", "Phóng sự phát thanh"]
    assert set(feature[3].split("; ")) == {"Tiếng Việt", "Tiếng Xơ Đăng"}
    assert set(feature[4].split("; ")) == {"Đài truyền thanh cấp xã", "Mạng xã hội"}
    assert feature[5].startswith("3.3 – ")
    assert "Đăk Pne" in feature[7] and "Đăk Rve" in feature[7]   # merged: now Đăk Rve
    assert feature[8:] == ["Có", 2, 1]
    assert listed[catalogue.poster][8:] == ["Không", 1, 0]
    assert listed[catalogue.video][8] == "Không"                 # its file failed
    assert listed[catalogue.photo][8] == "Có"
    assert isinstance(feature[0], int) and isinstance(feature[9], int)


def test_per_unit_and_per_commune_sheets(kho, catalogue, tmp_path):
    _, book = _write(kho, catalogue, tmp_path)
    units = _by_label(book["Theo đơn vị"])
    centre = next(v for k, v in units.items() if "Trung tâm" in k)
    assert [c.value for c in centre[1:]] == [1, 1, 1.0, 1.0, 0.0, 1.0, 1.0]
    assert centre[3].number_format == "0.0%"
    communes = {k: [c.value for c in v[1:]] for k, v in _by_label(book["Theo xã"]).items()}
    rve = next(v for k, v in communes.items() if k.endswith("Đăk Rve"))
    assert rve[0] == 1 and rve[-2:] == [2, 0]           # product of Đăk Pne rolled up
    braih = next(v for k, v in communes.items() if k.endswith("Kon Braih"))
    assert braih[0] == 1 and braih[-2:] == [1, 0]
    koi = next(v for k, v in communes.items() if k.endswith("Đăk Kôi"))
    assert koi[0] == 0 and koi[-2:] == [0, 1]            # uses the archive, no product


def test_broadcasts_per_commune_and_month(kho, catalogue, tmp_path):
    _, book = _write(kho, catalogue, tmp_path)
    rows = _rows(book["Lượt phát sóng theo tháng"])
    y = catalogue.year
    assert rows[0] == ["Xã"] + [f"{m:02d}/{y}" for m in range(1, 13)] + ["Cộng"]
    body = {row[0]: row[1:] for row in rows[1:]}
    rve = next(v for k, v in body.items() if k.endswith("Đăk Rve"))
    assert rve[2] == 2 and rve[-1] == 2 and sum(rve[:-1]) == 2
    braih = next(v for k, v in body.items() if k.endswith("Kon Braih"))
    assert braih[3] == 1 and braih[-1] == 1


def test_the_year_filters_by_production_date_and_creation_year(kho, catalogue, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    out = tmp_path / "nam-nay.xlsx"
    write_report(kho, actor_by_name(kho, "vanphong"), catalogue.year + 1, out)
    listed = [row[0] for row in _rows(load_workbook(out)["Danh sách sản phẩm"])[1:]]
    assert listed == [catalogue.undated]          # undated: the year it was created
    out = tmp_path / "nam-truoc.xlsx"
    write_report(kho, actor_by_name(kho, "quantri"), catalogue.year - 1, out)
    assert [row[0] for row in _rows(load_workbook(out)["Danh sách sản phẩm"])[1:]] == \
        [catalogue.older]


def test_an_empty_year_is_a_report_with_zeros(kho, catalogue, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    out = tmp_path / "trong.xlsx"
    written = write_report(kho, actor_by_name(kho, "vanphong"), 2001, out)
    assert (written.products, written.listed) == (0, 0)
    rows = _by_label(load_workbook(out)["Tổng hợp"])
    assert rows["Tỷ lệ số hóa"][3].value == 0.0
    assert rows["Tỷ lệ chung (dân tộc thiểu số, nước ngoài, nền tảng số)"][5].value == \
        "Chưa có dữ liệu"


def test_a_title_that_looks_like_a_formula_stays_text(kho, catalogue, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product

    hostile = '=HYPERLINK("http://example.invalid","Bấm vào đây")'
    pid = create_product(kho, actor_by_name(kho, "sx"),
                         {"title": hostile, "produced_on": f"02/03/{catalogue.year}"})
    _, book = _write(kho, catalogue, tmp_path)
    cells = {row[0].value: row for row in book["Danh sách sản phẩm"].iter_rows(min_row=2)}
    title = cells[pid][1]
    assert title.value == hostile and title.data_type == "s"
