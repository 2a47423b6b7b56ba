"""``kho contribution``: file, submit, return and accept from the command line, the
checklist in Vietnamese, and the exit codes of refusals (1) and bad input (2)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.cli import main
from tests.conftest import point_cli_at

COMMUNE = "xa-dak-koi-2025"
PROVINCE_BODY = "so-vhttdl-quang-ngai-2025"


@pytest.fixture
def run(kho, tmp_path, monkeypatch):
    from app.services.access.accounts import add_user

    point_cli_at(monkeypatch, kho, tmp_path)
    add_user(kho, "vh-xa", "office", "mat-khau-dai-du", unit=COMMUNE)
    add_user(kho, "vh-so", "office", "mat-khau-dai-du", unit=PROVINCE_BODY)

    def invoke(*args: str):
        return CliRunner().invoke(main, ["--lang", "vi", *args], catch_exceptions=False)
    return invoke


def test_file_submit_return_accept(run, tmp_path):
    text = tmp_path / "ketqua.txt"
    text.write_text("Tổ chức 3 hội nghị.\n\nPhát 12 bản tin.", encoding="utf-8")
    filed = run("contribution", "file", COMMUNE, "2026", "--results-file", str(text),
                "--submit", "--as", "vh-xa")
    assert filed.exit_code == 0, filed.output
    assert "Đã gửi" in filed.output and "Phát 12 bản tin." in filed.output
    board = run("contribution", "checklist", "--year", "2026", "--as", "vh-so")
    assert board.exit_code == 0, board.output
    assert "1/3 đơn vị đã gửi báo cáo" in board.output and COMMUNE in board.output
    back = run("contribution", "return", COMMUNE, "2026", "--reason", "Thiếu số liệu.",
               "--as", "vh-so")
    assert back.exit_code == 0 and "Thiếu số liệu." in back.output
    again = run("contribution", "file", COMMUNE, "2026", "--submit", "--as", "vh-xa")
    assert again.exit_code == 0, again.output
    done = run("contribution", "accept", COMMUNE, "2026", "--as", "vh-so")
    assert done.exit_code == 0 and "Đã chấp nhận" in done.output
    shown = json.loads(run("contribution", "show", COMMUNE, "2026", "--json").output)
    assert [h["action"] for h in shown["history"]] == [
        "contribution.submit", "contribution.return", "contribution.submit",
        "contribution.accept"]
    late = run("contribution", "file", COMMUNE, "2026", "--submit", "--as", "vh-xa")
    assert late.exit_code == 1 and "đã được chấp nhận" in late.output


def test_refusals_and_bad_input(run):
    other = run("contribution", "file", "xa-kon-braih-2025", "2026", "--results", "x",
                "--as", "vh-xa")
    assert other.exit_code == 1
    outside = run("contribution", "file", COMMUNE, "2030", "--results", "x", "--as", "vh-xa")
    assert outside.exit_code == 2 and "2030" in outside.output and "year" in outside.output
