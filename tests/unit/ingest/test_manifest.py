"""Reading manifests (encodings, delimiters, Vietnamese headers, XLSX) and finding the
files they name (NFC/NFD, path traversal). No database."""
from __future__ import annotations

import csv
import io
import os
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from ingest.batch import FileProblem, find_files, locate, title_from_filename
from ingest.manifest import ManifestError, header_field, read_manifest, sniff_delimiter

HEADERS = ["Tiêu đề", "Mô tả", "Loại sản phẩm", "Ngôn ngữ", "Xã", "Ngày sản xuất", "Tệp"]
ROW = ["Phóng sự: Quyền của đồng bào dân tộc thiểu số", "Phát trên đài xã Đăk Kôi",
       "radio-feature", "vie; sed", "xa-dak-koi", "31/05/2024", "âm thanh/phóng sự.wav"]
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letter (with â/ê/ô/ơ/ư/ă
    shapes precomposed) followed by a combining tone mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        nfd = unicodedata.normalize("NFD", ch)
        shape = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
        out.append(shape + "".join(c for c in nfd if c in _TONES))
    return "".join(out).encode("cp1258")


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    text = buffer.getvalue()
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ";"), ("cp1258", "\t"), ("cp1258", ";")])
def test_csv_encodings_and_delimiters_give_the_same_nfc_rows(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "ds.csv", [HEADERS, ROW], delimiter, encoding)
    manifest = read_manifest(path)
    assert manifest.encoding == encoding and manifest.delimiter == delimiter
    assert manifest.columns["title"] == "Tiêu đề" and manifest.columns["files"] == "Tệp"
    [row] = manifest.rows
    assert row.number == 2
    assert row.values == {"title": ROW[0], "description": ROW[1], "kind": "radio-feature",
                          "languages": "vie; sed", "communes": "xa-dak-koi",
                          "produced_on": "31/05/2024"}
    assert all(unicodedata.is_normalized("NFC", v) for v in row.values.values())
    assert row.files == ["âm thanh/phóng sự.wav"]


def test_cp1258_bytes_really_hold_combining_tones():
    assert b"\xec" in to_cp1258("Tiếng")       # 0xEC: combining acute in Windows-1258


@pytest.mark.parametrize("header, name", [
    ("Tiêu đề", "title"), ("TIEU DE", "title"), ("title", "title"), ("Mô tả", "description"),
    ("Loại sản phẩm", "kind"), ("Ngôn ngữ", "languages"), ("Chủ đề", "themes"),
    ("Công ước", "conventions"), ("Nhiệm vụ", "plan_task"), ("Đơn vị chủ trì", "lead_unit"),
    ("Đơn vị phối hợp", "cooperating_units"), ("Xã", "communes"), ("Kênh", "channels"),
    ("Ngày sản xuất", "produced_on"), ("Từ khóa", "tags"), ("Từ khoá", "tags"),
    ("Ghi chú bản quyền", "rights_note"), ("Hạn chế", "sensitive"), ("Tệp", "files"),
    ("File path(s)", "files"), ("plan_task", "plan_task"), ("Lead unit", "lead_unit"),
    ("Tiêu đề (*)", "title"), ("Ghi chú nội bộ", None)])
def test_headers_match_without_case_or_diacritics(header, name):
    assert header_field(header) == name


def test_unknown_and_repeated_columns_are_listed_not_fatal(tmp_path):
    path = write_csv(tmp_path / "m.csv", [["title", "Ghi chú nội bộ", "Tên", "file"],
                                          ["Áp phích", "không in", "Tên khác", "a.png"]])
    manifest = read_manifest(path)
    assert manifest.unknown_columns == ["Ghi chú nội bộ", "Tên (repeats 'title')"]
    assert manifest.rows[0].values == {"title": "Áp phích"}


def test_several_file_columns_add_up(tmp_path):
    path = write_csv(tmp_path / "m.csv", [["Tiêu đề", "Tệp 1", "Tệp 2"],
                                          ["Bộ tranh", "1.png", "2.png; 3.png"],
                                          ["Một tranh", "", "4.png"]])
    manifest = read_manifest(path)
    assert [r.files for r in manifest.rows] == [["1.png", "2.png", "3.png"], ["4.png"]]
    assert manifest.columns["files"] == "Tệp 1" and manifest.unknown_columns == []


def test_blank_lines_are_skipped_but_row_numbers_stay_those_of_the_sheet(tmp_path):
    path = write_csv(tmp_path / "m.csv", [["title", "file"], ["Một", "1.png"], ["", ""],
                                          ["Ba", "3.png | 4.png"]])
    rows = read_manifest(path).rows
    assert [(r.number, r.values["title"], r.files) for r in rows] == [
        (2, "Một", ["1.png"]), (4, "Ba", ["3.png", "4.png"])]


def test_xlsx_with_a_title_row_dates_and_numbers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH SẢN PHẨM TRUYỀN THÔNG NĂM 2024"])
    sheet.append(HEADERS)
    sheet.append([ROW[0], None, "poster", "vie", 23482, datetime(2024, 5, 31), "a.png;b.png"])
    sheet.append([ROW[0], None, "poster", "vie", None, "01/06/2024", "c.png"])
    path = tmp_path / "Danh sách.xlsx"
    book.save(path)
    manifest = read_manifest(path)
    first, second = manifest.rows
    assert first.number == 3 and second.number == 4
    assert first.values["communes"] == "23482"                   # a GSO code, not 23482.0
    assert first.values["produced_on"] == date(2024, 5, 31)
    assert second.values["produced_on"] == "01/06/2024"
    assert first.files == ["a.png", "b.png"]
    assert "description" not in first.values                     # empty cells are left out


def test_unreadable_or_headless_manifests_are_usage_errors(tmp_path):
    fake = tmp_path / "hỏng.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ManifestError) as err:
        read_manifest(fake)
    assert "hỏng.xlsx" in str(err.value)
    headless = write_csv(tmp_path / "m.csv", [["tên người", "số"], ["a", "1"]])
    with pytest.raises(ManifestError, match="no title column"):
        read_manifest(headless)


def test_delimiter_falls_back_to_the_header_line():
    assert sniff_delimiter("title;file\n") == ";"
    assert sniff_delimiter("title\tfile\nx\ty\n") == "\t"
    assert sniff_delimiter("title\n") == ","


@pytest.mark.parametrize("name, title", [
    ("Phóng_sự-quyền trẻ em.mp3", "Phóng sự quyền trẻ em"),
    (unicodedata.normalize("NFD", "Áp phích__CEDAW.final.png"), "Áp phích CEDAW.final"),
    ("no-extension", "no extension")])
def test_title_from_file_name(name, title):
    assert title_from_filename(name) == title


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "lô 1"
    (root / "ảnh").mkdir(parents=True)
    (root / "ảnh" / unicodedata.normalize("NFD", "Áp phích.png")).write_bytes(b"x")
    (root / unicodedata.normalize("NFC", "Phóng sự.wav")).write_bytes(b"y")
    (root / ".DS_Store").write_bytes(b"z")
    (root / ".ẩn").mkdir()
    (root / ".ẩn" / "bí mật.png").write_bytes(b"z")
    (root / "cũ.qc.csv").write_text("report")
    (tmp_path / "ngoài.png").write_bytes(b"o")
    return root


def test_walk_skips_hidden_files_and_qc_reports(tree):
    found = find_files([tree])
    names = sorted(unicodedata.normalize("NFC", f.name) for f in found.files)
    assert names == ["Phóng sự.wav", "Áp phích.png"]


def test_nfd_on_disk_matches_nfc_cell_and_back(tree):
    found = find_files([tree])
    on_disk = locate("ảnh/Áp phích.png", tree, found)
    assert os.fsdecode(on_disk.name) == unicodedata.normalize("NFD", "Áp phích.png")
    nfd_cell = unicodedata.normalize("NFD", "Phóng sự.wav")
    assert locate(nfd_cell, tree, found).name == "Phóng sự.wav"
    assert locate("ảnh\\Áp phích.png", tree, found) == on_disk      # written on Windows


@pytest.mark.parametrize("cell, reason", [
    ("../../etc/passwd", "outside the folders given"), ("/etc/passwd", "outside"),
    ("../ngoài.png", "outside"), ("ảnh/không có.png", "not found")])
def test_cells_outside_the_folders_or_missing_are_refused(tree, cell, reason):
    with pytest.raises(FileProblem, match=reason) as err:
        locate(cell, tree, find_files([tree]))
    assert cell in str(err.value)


def test_symlink_leading_out_is_refused(tree, tmp_path):
    (tree / "lối tắt.png").symlink_to(tmp_path / "ngoài.png")
    with pytest.raises(FileProblem, match="links outside"):
        locate("lối tắt.png", tree, find_files([tree]))


def test_a_name_differing_only_in_case_matches_when_unambiguous(tree):
    found = find_files([tree])
    assert locate("PHÓNG SỰ.WAV", tree, found).name == "Phóng sự.wav"
    (tree / "phóng sự.wav").write_bytes(b"y")
    with pytest.raises(FileProblem, match="differing only in case"):
        locate("PHÓNG SỰ.WAV", tree, find_files([tree]))


# --- access (issue 26) ------------------------------------------------------------------

@pytest.mark.parametrize("header, name", [
    ("Mức độ tiếp cận", "access"), ("Access level", "access"), ("Đối tượng", "audience"),
    ("Chưa công bố đến ngày", "embargo_until"), ("Embargo", "embargo_until"),
    ("Quy ước cộng đồng", "protocol_note")])
def test_access_headers_match(header, name):
    assert header_field(header) == name


def test_access_columns_become_the_services_access(tmp_path):
    path = write_csv(tmp_path / "m.csv", [
        ["Tiêu đề", "Mức độ tiếp cận", "Đối tượng", "Chưa công bố đến ngày", "Quy ước cộng đồng"],
        ["Lễ cúng lúa mới", "Hạn chế (theo đối tượng)", "xa-dak-koi-2025; office",
         "15/01/2027", "Chỉ nghe trong làng"],
        ["Phỏng vấn", "Nội bộ", "", "", ""]])
    rows = read_manifest(path).rows
    assert rows[0].values["access"] == {"level": "Hạn chế (theo đối tượng)", "audience": {
        "units": ["xa-dak-koi-2025"], "roles": ["office"]}}
    assert rows[0].values["embargo_until"] == "15/01/2027"
    assert rows[0].values["protocol_note"] == "Chỉ nghe trong làng"
    assert rows[1].values["access"] == "Nội bộ"


@pytest.mark.parametrize("cell, level", [("có", "closed"), ("x", "closed"), ("Yes", "closed"),
                                         ("không", "public"), ("0", "public")])
def test_the_old_sensitive_column_reads_as_a_level(tmp_path, cell, level):
    path = write_csv(tmp_path / "m.csv", [["Tiêu đề", "Hạn chế"], ["Hồ sơ", cell]])
    values = read_manifest(path).rows[0].values
    assert values["access"] == level and "sensitive" not in values


def test_the_manifest_knows_every_role():
    from archive.accounts import ROLES
    from ingest import manifest

    assert set(manifest.ROLES) == set(ROLES)
