"""Importing attendance sheets: encodings, headers with or without diacritics, every
problem on its own line naming row and column, whole or nothing, people matched."""
from __future__ import annotations

import threading

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.services.activities import register
from app.services.activities.attendance_import import import_attendance
from app.services.activities.people_matching import list_people, merge_people, split_person
from app.services.activities.figures import people_figures
from archive.errors import NotFound, PermissionDenied
from archive.people import Attendance, AttendanceImport, Person

from .people_data import HEADER, INFO, LISTS, training, write_csv

DAY, ROWS = LISTS["A"]


def vi(problem) -> str:
    return problem.render(lambda s: s)


def people_count(kho) -> tuple[int, int]:
    with kho.transaction() as s:
        return (s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(Attendance)))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
def test_a_csv_in_each_encoding_imports_the_same_people(kho, actors, tmp_path, encoding):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    out = import_attendance(kho, actors["office"], aid,
                            write_csv(tmp_path / "a.csv", ROWS, encoding))
    assert out.imported and out.added == 3 and out.new_people == 3
    assert [p.name for p in list_people(kho, actors["office"])] == [
        "Nguyễn Văn An", "Trần Thị Bình", "Y Hoa"]


def test_headers_without_diacritics_and_an_xlsx_with_a_title_row(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    book = Workbook()
    ws = book.active
    ws.append(["DANH SÁCH ĐẠI BIỂU THAM DỰ TẬP HUẤN"])
    ws.append(["stt", "ho va ten", "DON VI", "chuc vu", "nhom doi tuong", "dan toc", "gioi tinh"])
    for i, row in enumerate(ROWS, 1):
        ws.append([i] + row)
    book.save(tmp_path / "a.xlsx")
    out = import_attendance(kho, actors["office"], aid, tmp_path / "a.xlsx")
    assert out.imported and out.added == 3 and out.encoding == "xlsx"


def test_every_problem_is_one_line_naming_row_and_column_and_nothing_is_written(
        kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    rows = [["", "Xã Đăk Kôi", "", INFO, "Kinh", "Nam"],                    # row 2
            ["Y Hoa", "Xã Không Có", "", "human-rights-officials", "Xơ Đăng", "Nữ"],
            ["Trần Thị Bình", "Xã Đăk Kôi", "", "hội đồng", "Kinh", "Khác"],
            ["Trần Thị Bình", "Xã Đăk Kôi", "", "hội đồng", "Kinh", "Khác"],  # row 5
            ["TRAN THI BINH", "xa dak koi", "", INFO, "Kinh", "Nữ"]]
    header = HEADER + ["Màu"]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([",".join(header)] + [",".join([str(i)] + r + [""])
                                                    for i, r in enumerate(rows, 1)]))
    out = import_attendance(kho, actors["office"], aid, path)
    lines = [vi(p) for p in out.problems]
    assert not out.imported
    assert "Column Màu: unknown column; the columns are Họ và tên, Đơn vị, Chức vụ, " \
           "Nhóm đối tượng, Dân tộc, Giới tính, Ngày" in lines[0].replace("Row 1, c", "C")
    assert "Row 2, column Họ và tên: empty name" in lines
    assert "Row 4, column Giới tính: Khác is not Nam or Nữ" in lines
    assert "Row 5: the row repeats row 4" in lines
    assert "Row 6, column Họ và tên: TRAN THI BINH of xa dak koi is already listed in row 4" \
        in lines
    assert any(line.startswith("Row 3, column Đơn vị: unknown unit Xã Không Có") for line in lines)
    assert any(line.startswith("Row 4, column Nhóm đối tượng: unknown target group hội đồng")
               for line in lines)
    assert people_count(kho) == (0, 0)


def test_missing_columns_and_counts_that_do_not_add_up(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    path = tmp_path / "a.csv"
    path.write_text("Họ và tên,Chức vụ\nNguyễn Văn An,x\n")
    assert [vi(p) for p in import_attendance(kho, actors["office"], aid, path).problems] == [
        "Column Đơn vị: the column is missing", "Column Nhóm đối tượng: the column is missing"]
    out = import_attendance(kho, actors["office"], aid,
                            write_csv(tmp_path / "b.csv", ROWS[:2]))
    assert [vi(p) for p in out.problems] == [
        "Column Nhóm đối tượng: Cán bộ chủ chốt của các tổ chức chính trị - xã hội: "
        "0 people listed, the activity records 1 participants",
        "Column Giới tính: Cán bộ chủ chốt của các tổ chức chính trị - xã hội: "
        "0 women listed, the activity records 1"]
    assert people_count(kho) == (0, 0)


def test_a_day_outside_the_activity_is_named(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    path = tmp_path / "a.csv"
    write_csv(path, [r + [d] for r, d in zip(ROWS, ["10/03/2025", "11/03/2025", "10/03/2025"])],
              header=HEADER + ["Ngày"])
    out = import_attendance(kho, actors["office"], aid, path)
    assert [vi(p) for p in out.problems] == [
        "Row 3, column Ngày: 11/03/2025 is outside the activity (10/03/2025 – 10/03/2025)"]


def _legacy_bytes(text: str, table: dict[str, str]) -> bytes:
    """``text`` written in a legacy 8-bit encoding (one byte a letter)."""
    inverse = {letter: code for code, letter in table.items() if len(code) == 1}
    return "".join(inverse.get(c, c) for c in text).encode("latin-1")


def test_legacy_fonts_are_converted_with_a_note_naming_the_file(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    legacy = [["NguyÔn V¨n An"] + ROWS[0][1:], ROWS[1], ROWS[2]]     # a cell typed in TCVN3
    out = import_attendance(kho, actors["office"], aid, write_csv(tmp_path / "t.csv", legacy),
                            filename="danh sách.csv")
    assert out.imported and vi(out.notes[0]) == (
        "danh sách.csv: names typed in TCVN3 (ABC, .VnTime), an old font, were converted "
        "to Unicode")
    assert "Nguyễn Văn An" in [p.name for p in list_people(kho, actors["office"])]
    aid2 = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    vni = [["Nguyeãn Vaên An"] + ROWS[0][1:], ROWS[1], ROWS[2]]
    out = import_attendance(kho, actors["office"], aid2, write_csv(tmp_path / "v.csv", vni))
    assert out.imported and "VNI (VNI-Times)" in vi(out.notes[0]) and "v.csv" in vi(out.notes[0])
    with kho.transaction() as s:
        assert s.scalar(select(AttendanceImport.notes).where(
            AttendanceImport.activity_id == aid2)) == [str(out.notes[0])]


def test_a_csv_saved_in_tcvn3_bytes_is_read_whole(kho, actors, tmp_path):
    from ingest.legacy_tables import table
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    text = "\r\n".join([",".join(HEADER)] + [",".join([str(i)] + r)
                                              for i, r in enumerate(ROWS, 1)])
    path = tmp_path / "tcvn3.csv"
    path.write_bytes(_legacy_bytes(text, table("tcvn3")))
    out = import_attendance(kho, actors["office"], aid, path)
    assert out.imported and out.encoding == "tcvn3", [vi(p) for p in out.problems]
    assert sorted(p.name for p in list_people(kho, actors["office"])) == [
        "Nguyễn Văn An", "Trần Thị Bình", "Y Hoa"]
    assert "tcvn3.csv" in vi(out.notes[0])


def test_a_sheet_only_maybe_in_a_legacy_font_is_refused_naming_the_cell(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    unsure = [["Y Kheâ"] + ROWS[0][1:], ROWS[1], ROWS[2]]       # VNI: one word to go on
    out = import_attendance(kho, actors["office"], aid, write_csv(tmp_path / "u.csv", unsure))
    assert not out.imported and people_count(kho) == (0, 0)
    assert [vi(p) for p in out.problems][0].startswith(
        "Row 2, column Họ và tên: Y Kheâ looks typed in VNI (VNI-Times), an old font")


def test_importing_the_same_sheet_twice_adds_nobody_twice(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    sheet = write_csv(tmp_path / "a.csv", ROWS)
    assert import_attendance(kho, actors["office"], aid, sheet).added == 3
    again = import_attendance(kho, actors["office"], aid, sheet)
    assert again.imported and again.added == 0 and again.already_listed == 3
    assert people_count(kho) == (3, 3)


def test_two_imports_of_the_same_sheet_at_once_add_each_person_once(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    sheet = write_csv(tmp_path / "a.csv", ROWS)
    outcomes, errors = [], []

    def run():
        try:
            outcomes.append(import_attendance(kho, actors["office"], aid, sheet))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(o.imported for o in outcomes)
    assert sorted(o.added for o in outcomes) == [0, 0, 0, 3]
    assert people_count(kho) == (3, 3)
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AttendanceImport)) == 4   # each recorded
        fig = people_figures(s, None, 2025)
    assert fig.people_trained == 3


def test_only_office_and_admin_of_the_activity_scope_import_names(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    sheet = write_csv(tmp_path / "a.csv", ROWS)
    with pytest.raises(PermissionDenied):
        import_attendance(kho, actors["producer"], aid, sheet)
    with pytest.raises(PermissionDenied):
        list_people(kho, actors["producer"])
    # an office account of Kon Braih does not hold an activity in Đăk Kôi
    other = register.create_activity(kho, actors["office"], training(
        DAY, ROWS, organiser="xa-kon-braih-2025", communes=["xa-kon-braih-2025"],
        starts_on="10/09/2025", ends_on="10/09/2025"))
    with pytest.raises(NotFound):
        import_attendance(kho, actors["commune_office"], other, sheet)


def test_merge_and_split_recount_the_trained_people(kho, actors, tmp_path):
    aid = register.create_activity(kho, actors["office"], training(DAY, ROWS))
    import_attendance(kho, actors["office"], aid, write_csv(tmp_path / "a.csv", ROWS))
    b_rows = [["Nguyễn Văn Ann"] + ROWS[0][1:]]
    bid = register.create_activity(kho, actors["office"], training("11/03/2025", b_rows))
    import_attendance(kho, actors["office"], bid, write_csv(tmp_path / "b.csv", b_rows))
    people = {p.name: p for p in list_people(kho, actors["office"])}
    with kho.transaction() as s:
        assert people_figures(s, None, 2025).people_trained == 4
    merge_people(kho, actors["office"], people["Nguyễn Văn An"].id, [people["Nguyễn Văn Ann"].id])
    with kho.transaction() as s:
        assert people_figures(s, None, 2025).people_trained == 3
    # the old spelling now lands on the kept person
    cid = register.create_activity(kho, actors["office"], training("12/03/2025", b_rows))
    out = import_attendance(kho, actors["office"], cid, write_csv(tmp_path / "c.csv", b_rows))
    assert out.new_people == 0
    kept = people["Nguyễn Văn An"].id
    with kho.transaction() as s:
        moved = s.scalar(select(Attendance.id).where(Attendance.person_id == kept,
                                                     Attendance.activity_id == cid))
    split_person(kho, actors["office"], kept, [moved])
    with kho.transaction() as s:
        assert people_figures(s, None, 2025).people_trained == 4
