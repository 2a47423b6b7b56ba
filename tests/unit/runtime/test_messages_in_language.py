"""Messages built in the services and the ingest pipeline reach the reader in their
language: ``kho ingest`` rows and QC report, role refusals, numbers (200.000 / 200,000)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner
from PIL import Image

from app.cli import main
from tests.conftest import point_cli_at
from app.i18n import gettext_for
from app.services.access import accounts
from app.services.access.actors import ACTION_WORDS, PERMISSIONS, Actor
from archive.errors import Message, PermissionDenied, Quantity, TooLarge

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app/translations/vi/LC_MESSAGES/messages.po"
VI, EN = gettext_for("vi"), gettext_for("en")


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="vi")


def test_every_message_built_for_translation_has_vietnamese():
    """``Message(...)`` and ``FileProblem(...)`` templates (services, ingest, archive)."""
    catalog = _catalog()
    method_map = [("app/services/**.py", "python"), ("ingest/**.py", "python"),
                  ("archive/**.py", "python")]
    keywords = {"Message": None, "FileProblem": None}
    used = {m if isinstance(m, str) else m[0]
            for _, _, m, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    missing = sorted(m for m in used if m and (m not in catalog or not catalog[m].string))
    assert missing == [], f"add Vietnamese for: {missing[:20]}"


def test_every_action_has_words_in_both_languages():
    catalog = _catalog()
    assert set(ACTION_WORDS) == set(PERMISSIONS)
    assert all(catalog.get(words) and catalog[words].string for words in ACTION_WORDS.values())


@pytest.mark.parametrize("role,action,vi,en", [
    ("commune", "product.create", "tài khoản cấp xã không được tạo sản phẩm",
     "commune accounts may not create products"),
    ("office", "file.upload", "tài khoản văn phòng không được tải tệp lên",
     "office accounts may not upload files"),
])
def test_a_refusal_names_the_action_in_words(role, action, vi, en):
    with pytest.raises(PermissionDenied) as err:
        Actor(1, "x", role).require(action)
    assert err.value.render(VI) == vi
    assert err.value.render(EN) == en


def test_quantities_use_the_readers_thousands_separator():
    error = TooLarge("%(file)s is larger than the limit of %(limit)s bytes",
                     file="chunked.wav", limit=Quantity(200_000))
    assert error.render(VI) == "chunked.wav lớn hơn giới hạn 200.000 byte"
    assert error.render(EN) == "chunked.wav is larger than the limit of 200,000 bytes"
    assert str(error) == "chunked.wav is larger than the limit of 200,000 bytes"


def test_nested_messages_and_lists_are_translated_whole():
    row = Message("%(row)s: %(problem)s", row=Message("row %(number)s", number=5),
                  problem=[Message("column '%(header)s'", header="Ngôn ngữ"),
                           Message("unknown code(s): %(codes)s", codes="xyz")])
    assert row == "row 5: column 'Ngôn ngữ'; unknown code(s): xyz"
    assert row.render(VI) == "dòng 5: cột 'Ngôn ngữ'; mã không tồn tại: xyz"


# --- kho ingest in Vietnamese ---------------------------------------------------------

def _png(path: Path, colour: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 24), colour).save(path, "PNG")


@pytest.fixture
def lot(kho, tmp_path, monkeypatch) -> tuple[Path, Path]:
    accounts.add_user(kho, "quantri", "admin", "12345678")
    point_cli_at(monkeypatch, kho, tmp_path)
    folder = tmp_path / "lô"
    for n, colour in enumerate(["red", "green", "blue"]):
        _png(folder / f"{n}.png", colour)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([
        ["Tiêu đề", "Ngôn ngữ", "Tệp", "Ghi chú nội bộ"],
        ["Tốt", "vie", "0.png", ""],
        ["Ngôn ngữ sai", "xyz", "1.png", ""],
        ["Thiếu tệp", "vie", "thiếu.png", ""]])
    manifest = folder / "ds.csv"
    manifest.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return folder, manifest


def _ingest(lang: str, folder: Path, manifest: Path):
    return CliRunner().invoke(main, ["--lang", lang, "ingest", str(folder),
                                     "--manifest", str(manifest)], catch_exceptions=False)


def _qc_messages(folder: Path) -> str:
    return (folder / "ds.qc.csv").read_bytes().decode("utf-8-sig")


def test_kho_ingest_in_vietnamese_prints_vietnamese_row_problems(lot):
    folder, manifest = lot
    result = _ingest("vi", folder, manifest)
    assert result.exit_code == 1
    out = result.stdout
    assert "dòng 3: cột 'Ngôn ngữ': mã không tồn tại: xyz" in out
    assert "dòng 4: không tìm thấy tệp 'thiếu.png' trong các thư mục đã chỉ định" in out
    assert "Cảnh báo: đã bỏ qua cột không nhận ra: Ghi chú nội bộ" in out
    assert "row " not in out and "unknown" not in out and "not found" not in out
    qc = _qc_messages(folder)
    assert "dòng 3: cột 'Ngôn ngữ': mã không tồn tại: xyz" in qc
    assert "dòng 2: đã tạo sản phẩm" in qc and "không có trong tệp danh sách" in qc
    assert "unknown" not in qc and "created product" not in qc


def test_kho_ingest_in_english_keeps_english_row_problems(lot):
    folder, manifest = lot
    out = _ingest("en", folder, manifest).stdout
    assert "row 3: column 'Ngôn ngữ': unknown code(s): xyz" in out
    assert "row 4: file 'thiếu.png' not found under the folders given" in out


def test_a_manifest_without_title_column_is_refused_in_vietnamese(lot):
    folder, _ = lot
    manifest = folder / "khong-tieu-de.csv"
    manifest.write_text("Tệp\n0.png\n", encoding="utf-8")
    result = _ingest("vi", folder, manifest)
    assert result.exit_code == 2
    assert "không có cột Tiêu đề" in result.stderr and "has no title" not in result.stderr
