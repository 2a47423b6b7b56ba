"""``kho user add NAME --role office --unit CODE``: the account belongs to a unit that
exists today; an unknown or ended unit is one line naming the code (exit 2)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    for name in ("KHO_LANG", "KHO_DEFAULT_LOCALE", "KHO_SECRET_KEY", "KHO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KHO_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    assert invoke("init").exit_code == 0
    return invoke


def test_an_office_account_is_added_with_its_unit(run):
    added = run("user", "add", "so.vhttdl", "--role", "office", "--unit",
                "so-vhttdl-quang-ngai-2025", "--password-stdin", input="một mật khẩu dài\n")
    assert added.exit_code == 0, added.output
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi" in added.output
    listed = run("user", "list").output
    assert "so.vhttdl\toffice\tso-vhttdl-quang-ngai-2025" in listed


@pytest.mark.parametrize("code, words", [
    ("khong-co", ["mã đơn vị không tồn tại: khong-co"]),
    ("phong-vhtt-kon-ray", ["phong-vhtt-kon-ray", "đã kết thúc ngày 30/06/2025"]),
    ("xa-dak-to-lung", ["xa-dak-to-lung", "xa-dak-koi-2025"]),
])
def test_an_unknown_or_ended_unit_is_one_line_naming_the_code(run, code, words):
    result = run("user", "add", "ai.do", "--role", "office", "--unit", code,
                 "--password-stdin", input="một mật khẩu dài\n")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unit:" in lines[0]
    assert all(w in lines[0] for w in words), lines[0]
    assert "ai.do" not in run("user", "list").output


def test_an_existing_account_moves_to_a_unit_and_back(run):
    run("user", "add", "vanphong", "--role", "office", "--password-stdin",
        input="một mật khẩu dài\n")
    moved = run("user", "unit", "vanphong", "xa-dak-koi-2025")
    assert moved.exit_code == 0 and "Xã Đăk Kôi" in moved.output
    assert "vanphong\toffice\txa-dak-koi-2025" in run("user", "list").output
    refused = run("user", "unit", "vanphong", "xa-tan-lap")
    assert refused.exit_code == 2 and "xa-tan-lap" in refused.stderr
    assert run("user", "unit", "vanphong", "-").exit_code == 0
    assert "vanphong\toffice\t-" in run("user", "list").output
