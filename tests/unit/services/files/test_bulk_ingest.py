"""``kho ingest``: manifests in every encoding, bad rows failing alone, the QC report,
re-runs that skip what is in and finish what is not, dry runs, exit codes."""
from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from PIL import Image
from sqlalchemy import func, select

from app.cli import main
from tests.conftest import point_cli_at
from tests.stored_keys import stored_keys
from app.cli.ingest import QC_COLUMNS
from app.services.access import accounts
from app.services.files import bulk_ingest
from archive.errors import StorageError
from archive.models import File, Product

VI_HEADERS = ["Tiêu đề", "Mô tả", "Loại sản phẩm", "Ngôn ngữ", "Xã", "Ngày sản xuất",
              "Tệp"]


def png(path: Path, colour: str = "red") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, "PNG")
    return path


def wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x10" * int(seconds * rate))
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig",
              delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read_qc(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")              # Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def counts(kho) -> tuple[int, int]:
    with kho.transaction() as s:
        return (s.scalar(select(func.count(Product.id))), s.scalar(select(func.count(File.id))))


@pytest.fixture
def admin(kho):
    accounts.add_user(kho, "quantri", "admin", "12345678")
    return bulk_ingest.ingest_actor(kho)


@pytest.fixture
def cli(kho, monkeypatch, tmp_path):
    """Run ``kho`` against the same instance as the ``kho`` fixture (in tmp_path)."""
    point_cli_at(monkeypatch, kho, tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--lang", "en", *map(str, args)], catch_exceptions=False)

    return invoke


def ingest(kho, actor, paths, manifest=None, dry_run=False):
    batch = bulk_ingest.prepare(paths, manifest, skip=bulk_ingest.kho_folders(kho))
    return bulk_ingest.run(kho, actor, batch, dry_run=dry_run)


def test_manifest_rows_become_products_with_processed_files(kho, admin, tmp_path):
    lot = tmp_path / "lô 1"
    png(lot / "ảnh" / "Áp phích CEDAW.png")
    wav(lot / "âm thanh" / "phóng sự.wav")
    manifest = write_csv(lot / "danh sách.csv", [
        VI_HEADERS + ["Chủ đề", "Kênh", "Hạn chế", "Từ khóa"],
        ["Áp phích CEDAW", "In 200 bản", "poster", "vie", "xa-dak-koi", "31/05/2024",
         "ảnh/Áp phích CEDAW.png", "intl-law", "exhibition", "", "CEDAW; phụ nữ"],
        ["Phóng sự quyền trẻ em", "", "radio-feature", "vie;sed", "23485", "2024-06-01",
         "âm thanh/phóng sự.wav", "", "commune-radio", "có", ""]])
    result = ingest(kho, admin, [lot], manifest)
    assert [r.outcome for r in result.rows] == ["ok", "ok"], [r.message for r in result.rows]
    assert result.file_count("ok") == 2 and result.unlisted == []
    with kho.transaction() as s:
        poster = s.get(Product, result.rows[0].product_id)
        feature = s.get(Product, result.rows[1].product_id)
        assert poster.title == "Áp phích CEDAW" and poster.kind.code == "poster"
        assert [u.code for u in poster.communes] == ["xa-dak-koi"]
        assert poster.produced_on.isoformat() == "2024-05-31" and poster.tags == ["CEDAW",
                                                                                  "phụ nữ"]
        assert poster.codes_of("theme") == ["intl-law"]
        assert sorted(feature.codes_of("language")) == ["sed", "vie"]
        assert feature.access_level == "closed"          # the old "Hạn chế: có" column
        assert poster.access_level == "public"
        assert [f.status for f in poster.files + feature.files] == ["ready", "ready"]
        assert feature.files[0].original_filename == "phóng sự.wav"
        assert poster.status == "ready"


@pytest.mark.parametrize("fmt", ["utf-8", "utf-8-sig", "cp1258", "xlsx"])
def test_every_manifest_format_gives_the_same_product(kho, admin, tmp_path, fmt):
    title = "Tờ rơi tuyên truyền Luật Trẻ em"
    png(tmp_path / "tờ rơi.png")
    rows = [VI_HEADERS, [title, "Mẫu ở xã", "publication", "vie", "xa-dak-koi", "01/06/2024",
                         "tờ rơi.png"]]
    if fmt == "xlsx":
        book = Workbook()
        for cells in rows:
            book.active.append(cells)
        manifest = tmp_path / "ds.xlsx"
        book.save(manifest)
    elif fmt == "cp1258":
        from tests.unit.ingest.test_manifest import to_cp1258

        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        manifest = tmp_path / "ds.csv"
        manifest.write_bytes(to_cp1258(buffer.getvalue()))
    else:
        manifest = write_csv(tmp_path / "ds.csv", rows, encoding=fmt, delimiter="\t")
    [row] = ingest(kho, admin, [tmp_path], manifest).rows
    assert row.outcome == "ok", row.message
    with kho.transaction() as s:
        product = s.get(Product, row.product_id)
        assert product.title == title and product.description == "Mẫu ở xã"
        assert product.files[0].original_filename == "tờ rơi.png"


def test_nfd_file_name_on_disk_matches_the_nfc_cell(kho, admin, tmp_path):
    png(tmp_path / unicodedata.normalize("NFD", "Quyền phụ nữ.png"))
    manifest = write_csv(tmp_path / "m.csv", [["title", "file"],
                                              ["Quyền phụ nữ", "Quyền phụ nữ.png"]])
    [row] = ingest(kho, admin, [tmp_path], manifest).rows
    assert row.outcome == "ok", row.message
    with kho.transaction() as s:
        name = s.get(Product, row.product_id).files[0].original_filename
    assert name == "Quyền phụ nữ.png" and unicodedata.is_normalized("NFC", name)


def bad_lot(tmp_path: Path) -> tuple[Path, Path]:
    lot = tmp_path / "lô"
    for n, colour in enumerate(["red", "green", "blue", "white", "black", "gray", "pink"]):
        png(lot / f"{n}.png", colour)
    manifest = write_csv(lot / "ds.csv", [
        ["Tiêu đề", "Ngôn ngữ", "Xã", "Ngày sản xuất", "Tệp", "Ghi chú nội bộ"],
        ["Tốt một", "vie", "xa-dak-koi", "01/05/2024", "0.png", "x"],
        ["Xã sai", "vie", "xa-khong-co", "", "1.png", ""],
        ["Thiếu tệp", "vie", "", "", "thiếu.png", ""],
        ["Ngày sai", "vie", "", "31/02/2024", "3.png", ""],
        ["Ngôn ngữ sai", "xyz", "", "", "4.png", ""],
        ["", "vie", "", "", "5.png", ""],
        ["Tốt hai", "", "", "", "6.png", ""]])
    return lot, manifest


def test_bad_rows_fail_alone_with_precise_messages_and_exit_1(kho, admin, cli, tmp_path):
    lot, manifest = bad_lot(tmp_path)
    result = cli("ingest", lot, "--manifest", manifest)
    assert result.exit_code == 1, result.output
    assert "Rows: 2 ok, 5 failed, 0 skipped" in result.stdout
    assert "unknown column(s) ignored: Ghi chú nội bộ" in result.stdout
    qc = read_qc(lot / "ds.qc.csv")
    rows = {int(r["row"]): r for r in qc if r["level"] == "row"}
    assert {n: r["outcome"] for n, r in rows.items()} == {
        2: "ok", 3: "failed", 4: "failed", 5: "failed", 6: "failed", 7: "failed", 8: "ok"}
    expected = {3: ["row 3", "column 'Xã'", "xa-khong-co"],
                4: ["row 4", "'thiếu.png' not found"],
                5: ["row 5", "column 'Ngày sản xuất'", "31/02/2024"],
                6: ["row 6", "column 'Ngôn ngữ'", "unknown code(s): xyz"],
                7: ["row 7", "column 'Tiêu đề'", "a title is required"]}
    for number, parts in expected.items():
        assert all(p in rows[number]["message"] for p in parts), rows[number]["message"]
        assert rows[number]["message"] in result.stdout
    assert counts(kho) == (2, 2)


def test_qc_report_lists_every_row_and_file(kho, admin, cli, tmp_path):
    lot, manifest = bad_lot(tmp_path)
    report = tmp_path / "báo cáo" / "qc.csv"
    cli("ingest", lot, "--manifest", manifest, "--report", report)
    qc = read_qc(report)
    assert list(qc[0]) == list(QC_COLUMNS)
    assert qc[0]["level"] == "manifest" and qc[0]["outcome"] == "warning"
    files = {r["file"]: r for r in qc if r["level"] == "file"}
    assert set(files) == {"0.png", "1.png", "thiếu.png", "3.png", "4.png", "5.png", "6.png",
                          "2.png"}
    good = files["0.png"]
    assert good["outcome"] == "ok" and good["row"] == "2" and good["title"] == "Tốt một"
    assert good["sha256"] == hashlib.sha256((lot / "0.png").read_bytes()).hexdigest()
    with kho.transaction() as s:
        stored = s.get(File, int(good["file_id"]))
        assert stored.product_id == int(good["product_id"]) and stored.sha256 == good["sha256"]
    assert files["thiếu.png"]["outcome"] == "failed"
    assert files["1.png"]["outcome"] == "skipped" and not files["1.png"]["file_id"]
    assert files["2.png"]["outcome"] == "skipped"
    assert files["2.png"]["message"] == "not named in the manifest"


def test_rerun_skips_done_rows_and_finishes_fixed_ones(kho, admin, cli, tmp_path):
    lot, manifest = bad_lot(tmp_path)
    first = cli("ingest", lot, "--manifest", manifest)
    assert first.exit_code == 1
    png(lot / "thiếu.png", "yellow")                                  # the missing file
    text = manifest.read_bytes().decode("utf-8-sig").replace("xa-khong-co", "xa-dak-ruong")
    manifest.write_bytes(text.encode("utf-8-sig"))                    # the bad commune
    second = cli("ingest", lot, "--manifest", manifest)
    assert second.exit_code == 1
    assert "Rows: 2 ok, 3 failed, 2 skipped" in second.stdout
    rows = {int(r["row"]): r for r in read_qc(lot / "ds.qc.csv") if r["level"] == "row"}
    assert rows[2]["outcome"] == "skipped"
    assert rows[2]["message"] == f"row 2: already ingested as product {rows[2]['product_id']}"
    assert rows[3]["outcome"] == "ok" and rows[4]["outcome"] == "ok"
    assert counts(kho) == (4, 4)
    third = cli("ingest", lot, "--manifest", manifest)
    assert "Rows: 0 ok, 3 failed, 4 skipped" in third.stdout and counts(kho) == (4, 4)


def test_rerun_queues_files_whose_processing_failed_again(kho, admin, tmp_path):
    whole = tmp_path / "src.jpg"
    Image.effect_noise((400, 300), 60).convert("RGB").save(whole, quality=90)
    lot = tmp_path / "lô"
    lot.mkdir()
    (lot / "cut.jpg").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    manifest = write_csv(lot / "m.csv", [["title", "file"], ["Ảnh hỏng", "cut.jpg"]])
    [first] = ingest(kho, admin, [lot], manifest).rows
    assert first.outcome == "failed" and "processing failed" in first.message
    [again] = ingest(kho, admin, [lot], manifest).rows
    assert again.outcome == "failed" and "failed processing again" in again.message
    assert again.product_id == first.product_id
    with kho.transaction() as s:
        assert s.get(File, first.files[0].file_id).attempts == 2
    assert counts(kho) == (1, 1)


def test_dry_run_stores_nothing_and_reports(kho, admin, cli, tmp_path):
    lot, manifest = bad_lot(tmp_path)
    result = cli("ingest", lot, "--manifest", manifest, "--dry-run")
    assert result.exit_code == 1
    assert "Dry run: nothing was stored." in result.stdout
    assert "Rows: 2 ok, 5 failed, 0 skipped" in result.stdout
    assert counts(kho) == (0, 0)
    assert list(stored_keys(kho.storage, "originals/")) == []
    qc = read_qc(lot / "ds.qc.csv")
    assert {r["file"]: r["outcome"] for r in qc if r["level"] == "file"}["0.png"] == "ok"
    assert any("would create a product" in r["message"] for r in qc)


def test_without_manifest_one_product_per_file(kho, admin, cli, tmp_path):
    lot = tmp_path / "thu mục"
    wav(lot / "2024" / unicodedata.normalize("NFD", "Phóng_sự-quyền trẻ em.wav"))
    png(lot / "Áp phích.png")
    (lot / ".DS_Store").write_bytes(b"\x00\x01")
    result = cli("ingest", lot)
    assert result.exit_code == 0, result.output
    assert "Rows: 2 ok, 0 failed, 0 skipped" in result.stdout
    with kho.transaction() as s:
        made = {p.title: p.kind.code for p in s.scalars(select(Product))}
    assert made == {"Phóng sự quyền trẻ em": "radio-feature", "Áp phích": "photo"}
    assert len(list(tmp_path.glob("kho-ingest-*.qc.csv"))) == 1
    again = cli("ingest", lot)
    assert again.exit_code == 0 and "Rows: 0 ok, 0 failed, 2 skipped" in again.stdout
    assert counts(kho) == (2, 2)


def test_path_traversal_is_refused_for_that_row(kho, admin, tmp_path):
    lot = tmp_path / "lô"
    png(lot / "a.png")
    (tmp_path / "secret.txt").write_text("do not take")
    manifest = write_csv(lot / "m.csv", [["title", "file"], ["Tốt", "a.png"],
                                         ["Trộm", "../secret.txt"],
                                         ["Trộm nữa", "../../../../etc/passwd"]])
    result = ingest(kho, admin, [lot], manifest)
    assert [r.outcome for r in result.rows] == ["ok", "failed", "failed"]
    assert "'../secret.txt' is outside the folders given; refused" in result.rows[1].message
    assert "row 4" in result.rows[2].message and "refused" in result.rows[2].message
    assert counts(kho) == (1, 1)


def test_usage_errors_exit_2(kho, cli, tmp_path):
    png(tmp_path / "a.png")
    no_admin = cli("ingest", tmp_path)
    assert no_admin.exit_code == 2 and "no admin user" in no_admin.stderr
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-koi-2025")
    accounts.add_user(kho, "quantri", "admin", "12345678")
    assert cli("ingest", tmp_path, "--as", "ai-do").exit_code == 2
    commune = cli("ingest", tmp_path, "--as", "xa")
    assert commune.exit_code == 2 and "producer or an admin" in commune.stderr
    broken = tmp_path / "ds.xlsx"
    broken.write_bytes(b"not a workbook")
    unreadable = cli("ingest", tmp_path, "--manifest", broken)
    assert unreadable.exit_code == 2 and "cannot read manifest" in unreadable.stderr
    assert counts(kho) == (0, 0)
    assert cli("ingest", tmp_path / "không có").exit_code == 2


def test_as_producer_creates_products_in_their_name(kho, cli, tmp_path):
    accounts.add_user(kho, "sanxuat", "producer", "12345678")
    png(tmp_path / "a.png")
    result = cli("ingest", tmp_path, "--as", "sanxuat")     # the instance is in tmp_path too
    assert result.exit_code == 0, result.output
    assert "Rows: 1 ok, 0 failed, 0 skipped" in result.stdout
    with kho.transaction() as s:
        assert s.scalar(select(Product)).created_by.username == "sanxuat"


def test_documented_example_manifest_is_valid(kho, admin, tmp_path):
    example = Path(__file__).parents[4] / "docs" / "manifest-example.csv"
    manifest = tmp_path / "manifest-example.csv"
    manifest.write_bytes(example.read_bytes())
    png(tmp_path / "tranh" / "tre-em-hoc-tap-1.png")
    png(tmp_path / "tranh" / "tre-em-hoc-tap-2.png", "blue")
    wav(tmp_path / "âm thanh" / "Phóng sự bình đẳng giới.mp3")
    (tmp_path / "video").mkdir()
    (tmp_path / "video" / "toa-dam-2025-04-08.mp4").write_bytes(b"\x00" * 64)
    result = ingest(kho, admin, [tmp_path], manifest, dry_run=True)
    assert [r.outcome for r in result.rows] == ["ok", "ok", "ok"], [r.message for r in result.rows]
    assert [len(r.files) for r in result.rows] == [2, 1, 1]
    assert counts(kho) == (0, 0)


def test_rerun_completes_a_product_whose_files_were_not_all_stored(kho, admin, tmp_path,
                                                                   monkeypatch):
    png(tmp_path / "a.png")
    png(tmp_path / "b.png", "blue")
    manifest = write_csv(tmp_path / "m.csv", [["title", "file"], ["Bộ ảnh", "a.png; b.png"]])
    real_receive = bulk_ingest.receive

    def storage_down_for_b(kho_, actor, product_id, stream, filename, **kw):
        if filename == "b.png":
            raise StorageError("storage unreachable")
        return real_receive(kho_, actor, product_id, stream, filename, **kw)

    monkeypatch.setattr(bulk_ingest, "receive", storage_down_for_b)
    [first] = ingest(kho, admin, [tmp_path], manifest).rows
    assert first.outcome == "failed" and "'b.png' not stored: storage unreachable" in first.message
    assert counts(kho) == (1, 1)
    monkeypatch.setattr(bulk_ingest, "receive", real_receive)
    [second] = ingest(kho, admin, [tmp_path], manifest).rows
    assert second.outcome == "ok"
    assert second.message == f"row 2: completed product {first.product_id}"
    assert [f.outcome for f in second.files] == ["skipped", "ok"]
    assert counts(kho) == (1, 2)


def test_ctrl_c_keeps_what_was_done_and_the_next_run_finishes(kho, admin, cli, tmp_path,
                                                              monkeypatch):
    for name, colour in (("1.png", "red"), ("2.png", "blue"), ("3.png", "green")):
        png(tmp_path / "lô" / name, colour)
    real_receive, calls = bulk_ingest.receive, []

    def interrupted_on_second(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_receive(*args, **kw)

    monkeypatch.setattr(bulk_ingest, "receive", interrupted_on_second)
    first = cli("ingest", tmp_path / "lô", "--report", tmp_path / "qc.csv")
    assert first.exit_code == 1 and "Interrupted after 1 of 3 rows" in first.stderr
    assert [r["outcome"] for r in read_qc(tmp_path / "qc.csv") if r["level"] == "row"] == ["ok"]
    monkeypatch.setattr(bulk_ingest, "receive", real_receive)
    second = cli("ingest", tmp_path / "lô")
    assert second.exit_code == 0 and "Rows: 2 ok, 0 failed, 1 skipped" in second.stdout
    assert counts(kho) == (3, 3)


# --- duplicate content: a row gets its own product unless one holds exactly its files --

def copy_of(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


def lot_with_a_copy(tmp_path: Path) -> tuple[Path, Path]:
    """Row 2 holds 1.png and 2.png; row 4 names a copy of 1.png (same bytes)."""
    lot = tmp_path / "lô trùng"
    copy_of(png(lot / "1.png", "red"), lot / "copy-of-1.png")
    png(lot / "2.png", "blue")
    png(lot / "3.png", "green")
    manifest = write_csv(lot / "ds.csv", [["Tiêu đề", "Tệp"], ["Bộ ảnh", "1.png; 2.png"],
                                          ["Ảnh ba", "3.png"], ["Tệp trùng", "copy-of-1.png"]])
    return lot, manifest


def qc_rows(path: Path) -> dict[int, dict]:
    return {int(r["row"]): r for r in read_qc(path) if r["level"] == "row"}


def test_a_copy_of_a_file_inside_another_product_gets_its_own_product(kho, admin, cli,
                                                                     tmp_path):
    lot, manifest = lot_with_a_copy(tmp_path)
    first = cli("ingest", lot, "--manifest", manifest)
    assert first.exit_code == 0, first.output
    assert "Rows: 3 ok, 0 failed, 0 skipped" in first.stdout
    assert "Files: 3 stored, 1 duplicates, 0 failed, 0 skipped" in first.stdout
    qc = read_qc(lot / "ds.qc.csv")
    rows = qc_rows(lot / "ds.qc.csv")
    files = {r["file"]: r for r in qc if r["level"] == "file"}
    assert rows[4]["outcome"] == "ok"
    assert rows[4]["message"] == f"row 4: created product {rows[4]['product_id']}"
    assert len({rows[n]["product_id"] for n in (2, 3, 4)}) == 3
    assert files["copy-of-1.png"]["outcome"] == "duplicate"
    assert files["copy-of-1.png"]["sha256"] == files["1.png"]["sha256"]
    with kho.transaction() as s:
        copy = s.get(Product, int(rows[4]["product_id"]))
        assert copy.title == "Tệp trùng"
        assert [f.original_filename for f in copy.files] == ["copy-of-1.png"]
    assert counts(kho) == (3, 4)
    assert len(list(stored_keys(kho.storage, "originals/"))) == 3       # the copy stored once

    again = cli("ingest", lot, "--manifest", manifest)
    assert again.exit_code == 0, again.output
    assert "Rows: 0 ok, 0 failed, 3 skipped" in again.stdout
    assert "Files: 0 stored, 0 duplicates, 0 failed, 4 skipped" in again.stdout
    rerun = qc_rows(lot / "ds.qc.csv")
    assert {n: r["product_id"] for n, r in rerun.items()} == {
        n: r["product_id"] for n, r in rows.items()}
    assert rerun[4]["message"] == f"row 4: already ingested as product {rows[4]['product_id']}"
    assert counts(kho) == (3, 4)


def test_two_rows_with_the_same_content_make_two_products_and_rerun_makes_none(
        kho, admin, tmp_path):
    copy_of(png(tmp_path / "bản gốc.png"), tmp_path / "bản sao.png")
    manifest = write_csv(tmp_path / "m.csv", [["title", "file"], ["Bản gốc", "bản gốc.png"],
                                              ["Bản sao", "bản sao.png"]])
    first = ingest(kho, admin, [tmp_path], manifest)
    assert [r.outcome for r in first.rows] == ["ok", "ok"], [r.message for r in first.rows]
    original, copy = first.rows
    assert original.product_id != copy.product_id
    assert [f.outcome for f in copy.files] == ["duplicate"]
    assert first.file_count("duplicate") == 1 and first.file_count("ok") == 1
    again = ingest(kho, admin, [tmp_path], manifest)
    assert [(r.outcome, r.product_id) for r in again.rows] == [
        ("skipped", original.product_id), ("skipped", copy.product_id)]
    assert counts(kho) == (2, 2)


def test_folder_without_manifest_skips_only_products_holding_exactly_its_file(
        kho, admin, cli, tmp_path):
    lot = tmp_path / "lô 1"
    png(lot / "a.png", "red")
    png(lot / "b.png", "blue")
    png(lot / "d.png", "green")
    manifest = write_csv(lot / "m.csv", [["title", "file"], ["Cặp ảnh", "a.png; b.png"],
                                         ["Ảnh lẻ", "d.png"]])
    made = {r.title: r.product_id for r in ingest(kho, admin, [lot], manifest).rows}
    folder = tmp_path / "thư mục"
    folder.mkdir()
    copy_of(lot / "a.png", folder / "ảnh a.png")     # inside the pair: not that product
    copy_of(lot / "d.png", folder / "ảnh d.png")     # exactly the single: that product
    result = cli("ingest", folder, "--report", tmp_path / "qc.csv")
    assert result.exit_code == 0, result.output
    assert "Rows: 1 ok, 0 failed, 1 skipped" in result.stdout
    assert "Files: 0 stored, 1 duplicates, 0 failed, 1 skipped" in result.stdout
    qc = read_qc(tmp_path / "qc.csv")
    rows = {r["title"]: r for r in qc if r["level"] == "row"}
    files = {r["file"]: r for r in qc if r["level"] == "file"}
    assert rows["ảnh a"]["outcome"] == "ok"
    assert int(rows["ảnh a"]["product_id"]) not in made.values()
    assert files["ảnh a.png"]["outcome"] == "duplicate"
    assert rows["ảnh d"]["outcome"] == "skipped"
    assert rows["ảnh d"]["message"] == f"'ảnh d.png': already ingested as product {made['Ảnh lẻ']}"
    assert counts(kho) == (3, 4)
    again = cli("ingest", folder)
    assert "Rows: 0 ok, 0 failed, 2 skipped" in again.stdout and counts(kho) == (3, 4)


def test_row_fixed_after_its_copy_got_in_gets_its_own_product(kho, admin, tmp_path):
    copy_of(png(tmp_path / "a.png"), tmp_path / "a-copy.png")
    rows = [["title", "communes", "file"], ["Bản gốc", "xa-khong-co", "a.png"],
            ["Bản sao", "", "a-copy.png"]]
    manifest = write_csv(tmp_path / "m.csv", rows)
    first = ingest(kho, admin, [tmp_path], manifest)
    assert [r.outcome for r in first.rows] == ["failed", "ok"]
    rows[1][1] = "xa-dak-koi"                                     # the bad commune, fixed
    write_csv(manifest, rows)
    second = ingest(kho, admin, [tmp_path], manifest)
    assert [r.outcome for r in second.rows] == ["ok", "skipped"], [r.message
                                                                  for r in second.rows]
    assert second.rows[0].product_id != first.rows[1].product_id
    assert second.rows[1].product_id == first.rows[1].product_id
    assert [f.outcome for f in second.rows[0].files] == ["duplicate"]
    assert counts(kho) == (2, 2)


def test_rerun_after_a_row_was_deleted_from_the_manifest_makes_nothing(kho, admin,
                                                                       tmp_path):
    for name, colour in (("1.png", "red"), ("2.png", "blue"), ("3.png", "green")):
        png(tmp_path / name, colour)
    rows = [["title", "file"], ["Một", "1.png"], ["Hai", "2.png"], ["Ba", "3.png"]]
    manifest = write_csv(tmp_path / "m.csv", rows)
    made = {r.title: r.product_id for r in ingest(kho, admin, [tmp_path], manifest).rows}
    write_csv(manifest, [rows[0], rows[2], rows[3]])    # rows below move up by one
    again = ingest(kho, admin, [tmp_path], manifest)
    assert [(r.title, r.outcome, r.product_id) for r in again.rows] == [
        ("Hai", "skipped", made["Hai"]), ("Ba", "skipped", made["Ba"])]
    assert counts(kho) == (3, 3)


def summary_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("Rows:", "Files:"))]


def test_dry_run_predicts_duplicates_and_skips_like_the_real_run(kho, admin, cli, tmp_path):
    lot, manifest = lot_with_a_copy(tmp_path)
    outcomes = {}
    for run in ("dry", "real", "dry again", "real again"):
        result = cli("ingest", lot, "--manifest", manifest,
                     *(["--dry-run"] if run.startswith("dry") else []))
        assert result.exit_code == 0, result.output
        qc = read_qc(lot / "ds.qc.csv")
        outcomes[run] = (summary_lines(result.stdout),
                         [(r["level"], r["row"], r["file"], r["outcome"]) for r in qc])
    assert outcomes["dry"] == outcomes["real"]
    assert outcomes["dry again"] == outcomes["real again"]
    dry_lines = outcomes["dry"][0]
    assert dry_lines == ["Rows: 3 ok, 0 failed, 0 skipped",
                         "Files: 3 stored, 1 duplicates, 0 failed, 0 skipped"]
    assert outcomes["dry again"][0][0] == "Rows: 0 ok, 0 failed, 3 skipped"
    assert counts(kho) == (3, 4)


def test_dry_run_names_the_row_a_duplicate_repeats(kho, admin, tmp_path):
    lot, manifest = lot_with_a_copy(tmp_path)
    result = ingest(kho, admin, [lot], manifest, dry_run=True)
    [copy] = result.rows[2].files
    assert copy.outcome == "duplicate"
    assert copy.message == ("same content as row 2, file '1.png'; would be stored once "
                            "and linked")
    assert counts(kho) == (0, 0)


def test_retry_of_an_unknown_file_id_fails_naming_it(kho, admin, cli, tmp_path):
    whole = tmp_path / "src.jpg"
    Image.effect_noise((400, 300), 60).convert("RGB").save(whole, quality=90)
    lot = tmp_path / "lô"
    lot.mkdir()
    (lot / "cut.jpg").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    png(lot / "fine.png")
    result = ingest(kho, admin, [lot])
    by_name = {r.files[0].path: r.files[0].file_id for r in result.rows}
    broken, fine = by_name["cut.jpg"], by_name["fine.png"]
    unknown = cli("retry", broken, 99999, 99998)
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().splitlines() == [
        "kho: error: file_id: no file 99998, 99999"]
    assert "Queued" not in unknown.stdout
    with kho.transaction() as s:
        assert s.get(File, broken).attempts == 1                  # nothing was queued
    known = cli("retry", broken, fine)
    assert known.exit_code == 0, known.output
    assert "Queued 1 files for processing" in known.stdout
    assert f"Not failed, left as they are: {fine}" in known.stdout
    with kho.transaction() as s:
        assert s.get(File, broken).attempts == 2


def test_qc_report_keeps_formula_looking_titles_as_text(kho, admin, cli, tmp_path):
    """A title typed as ``=HYPERLINK(…)`` is written as text (a leading ``'``), as the
    exports write it — one rule for every spreadsheet Kho writes."""
    lot = tmp_path / "lô"
    png(lot / "a.png")
    png(lot / "b.png", "blue")
    title = '=HYPERLINK("http://ke-gian.example/x","Bấm vào")'
    manifest = write_csv(lot / "ds.csv", [VI_HEADERS,
                                         [title, "", "", "", "", "", "a.png"],
                                         ["@SUM(1+1)", "", "", "", "", "", "b.png"]])
    cli("ingest", lot, "--manifest", manifest)
    rows = [r for r in read_qc(lot / "ds.qc.csv") if r["level"] in ("row", "file")]
    assert {r["title"] for r in rows} == {"'" + title, "'@SUM(1+1)"}
    with kho.transaction() as s:                 # the catalogue keeps the title as typed
        assert set(s.scalars(select(Product.title))) == {title, "@SUM(1+1)"}
