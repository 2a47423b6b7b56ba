"""The ``kho`` command: init, users, vocabularies, languages and exit codes."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    for name in ("KHO_LANG", "KHO_DEFAULT_LOCALE", "KHO_SECRET_KEY", "KHO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KHO_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    invoke.instance = instance
    return invoke


def test_init_is_idempotent_and_writes_a_secret(run):
    first = run("--lang", "en", "init")
    assert first.exit_code == 0, first.output
    assert "Wrote a new secret key" in first.output
    secret = (run.instance / "kho.toml").read_text()
    assert "secret_key" in secret
    second = run("--lang", "en", "init")
    assert second.exit_code == 0
    assert "secret key" not in second.output and "0 entries added" in second.output
    assert (run.instance / "kho.toml").read_text() == secret


def test_messages_are_vietnamese_by_default(run):
    result = run("init")
    assert result.exit_code == 0
    assert "Kho đã sẵn sàng." in result.output


def test_user_add_with_password_on_stdin_then_token(run):
    run("init")
    added = run("--lang", "en", "user", "add", "hoa", "--role", "commune", "--commune",
                "xa-dak-koi-2025", "--password-stdin", input="một mật khẩu\n")
    assert added.exit_code == 0, added.output
    assert "Xã Đăk Kôi" in added.output
    token = run("user", "token", "hoa")
    assert token.exit_code == 0 and token.stdout.strip().startswith("kho_")
    listed = run("user", "list")
    assert "hoa\tcommune\txa-dak-koi-2025" in listed.output


@pytest.mark.parametrize("args, field", [
    (["user", "add", "xuan", "--role", "boss", "--password-stdin"], "role"),
    (["user", "add", "xuan", "--role", "commune", "--commune", "00000", "--password-stdin"],
     "commune"),
])
def test_bad_input_exits_2_with_one_line(run, args, field):
    run("init")
    result = run("--lang", "en", *args, input="long enough password\n")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{field}:" in lines[0]


def test_duplicate_user_exits_1(run):
    run("init")
    run("user", "add", "lan", "--role", "office", "--password-stdin", input="12345678\n")
    again = run("user", "add", "lan", "--role", "office", "--password-stdin", input="12345678\n")
    assert again.exit_code == 1
    assert "lan" in again.stderr


def _signs_in(run, name: str, password: str) -> bool:
    from app.bootstrap import build
    from app.services.access import accounts
    from archive.errors import AuthenticationRequired

    kho = build({"instance_path": str(run.instance)})
    try:
        accounts.sign_in(kho, name, password)
        return True
    except AuthenticationRequired:
        return False
    finally:
        kho.close()


def test_user_password_from_stdin_replaces_the_old_one(run):
    run("init")
    run("user", "add", "hoa", "--role", "commune", "--commune", "xa-dak-koi-2025",
        "--password-stdin", input="mật khẩu cũ dài\n")
    result = run("--lang", "en", "user", "password", "hoa", "--password-stdin",
                 input="mật khẩu mới dài\n")
    assert result.exit_code == 0, result.output
    assert "New password set for hoa" in result.output
    assert _signs_in(run, "hoa", "mật khẩu mới dài")
    assert not _signs_in(run, "hoa", "mật khẩu cũ dài")


def test_user_password_prompts_twice_in_vietnamese(run):
    run("init")
    run("user", "add", "lan", "--role", "admin", "--password-stdin", input="12345678\n")
    result = run("user", "password", "lan", input="mật khẩu mới dài\nmật khẩu mới dài\n")
    assert result.exit_code == 0, result.output
    assert "Mật khẩu mới" in result.output and "Đã đặt mật khẩu mới cho lan" in result.output
    assert "mật khẩu mới dài" not in result.output        # hidden input
    assert _signs_in(run, "lan", "mật khẩu mới dài")


def test_user_password_for_an_unknown_user_fails_in_one_line(run):
    run("init")
    result = run("--lang", "en", "user", "password", "nobody", "--password-stdin",
                 input="long enough password\n")
    assert result.exit_code == 2           # NotFound, as for 'kho user token'
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "username:" in lines[0] and "nobody" in lines[0]


def test_user_password_too_short_is_refused_naming_the_field(run):
    run("init")
    run("user", "add", "lan", "--role", "office", "--password-stdin", input="12345678\n")
    result = run("--lang", "en", "user", "password", "lan", "--password-stdin",
                 input="short\n")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "password:" in lines[0] and "8" in lines[0]
    assert _signs_in(run, "lan", "12345678")


def test_unknown_configuration_key_exits_2_naming_it(run, monkeypatch):
    monkeypatch.setenv("KHO_STORGAE", "s3")
    result = run("--lang", "en", "init")
    assert result.exit_code == 2
    assert "KHO_STORGAE" in result.stderr


def test_unreachable_database_exits_1_naming_it(run, monkeypatch):
    monkeypatch.setenv("KHO_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/kho")
    result = run("--lang", "en", "init")
    assert result.exit_code == 1
    assert "127.0.0.1:1" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_vocab_list_shows_communes_with_successors(run):
    run("init")
    names = run("vocab", "list")
    assert "communes" in names.output.split()
    communes = run("vocab", "list", "communes")
    assert communes.exit_code == 0
    assert "xa-tan-lap\tXã Tân Lập" in communes.output
    assert "successor=xa-kon-braih-2025" in communes.output
    english = run("--lang", "en", "vocab", "list", "conventions")
    assert "Convention on the Rights of the Child" in english.output or "CRC" in english.output
    unknown = run("--lang", "en", "vocab", "list", "colours")
    assert unknown.exit_code == 2 and "colours" in unknown.stderr


def test_every_command_has_help(run):
    for args in (["--help"], ["init", "--help"], ["user", "add", "--help"],
                 ["user", "token", "--help"], ["user", "password", "--help"],
                 ["vocab", "list", "--help"]):
        result = run(*args)
        assert result.exit_code == 0 and "Usage:" in result.output


def test_retry_of_an_unknown_file_fails_in_one_line_naming_it(run):
    run("init")
    result = run("retry", "99999")
    assert result.exit_code == 2           # NotFound, like the other commands
    lines = result.stderr.strip().splitlines()
    assert lines == ["kho: lỗi: file_id: không có tệp 99999"]
    assert result.stdout == ""
