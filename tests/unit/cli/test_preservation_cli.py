"""``kho fixity``, ``kho check``, ``kho replicate``, ``kho backup``/``restore`` as an
operator runs them, on the embedded defaults with a local replica; and ``kill -9`` of a
repair half-way."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.services.access import accounts
from app.services.catalogue import products
from app.services.files.intake import receive
from tests.unit.services.preservation.test_fixity import PRODUCER, flip_byte


@pytest.fixture
def operator(tmp_path, monkeypatch):
    """Runs ``kho`` commands on an instance with a local replica; ``.kho()`` is the runtime."""
    yield from make_operator(tmp_path, monkeypatch)


def make_operator(tmp_path, monkeypatch, **extra_env: str):
    """The ``operator`` fixture's body; ``extra_env`` adds KHO_* variables (a database)."""
    for name in ("KHO_LANG", "KHO_DEFAULT_LOCALE", "KHO_DATABASE_URL", "KHO_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    env = {"KHO_INSTANCE_PATH": str(tmp_path / "instance"), "KHO_QUEUE_URL": "immediate",
           "KHO_SECRET_KEY": "test-secret", "KHO_OCR_ENABLED": "false",
           "KHO_REPLICA_STORAGE": "local", "KHO_REPLICA_STORAGE_PATH": str(tmp_path / "replica"),
           **extra_env}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()

    class Operator:
        environment = env
        kept = []

        def __call__(self, *args: str, lang: str = "en"):
            return runner.invoke(main, ["--lang", lang, *args], catch_exceptions=False)

        def kho(self):
            from app.bootstrap import build

            runtime = build()
            self.kept.append(runtime)
            return runtime

    op = Operator()
    assert op("init").exit_code == 0
    yield op
    for runtime in op.kept:
        runtime.close()


def add_original(kho, data: bytes, title: str = "Phóng sự Đăk Kôi", name: str = "phong-su.wav"):
    if not any(u.username == "sx" for u in accounts.list_users(kho)):
        accounts.add_user(kho, "sx", "producer", "12345678")
    product_id = products.create_product(kho, PRODUCER, {"title": title})
    got = receive(kho, PRODUCER, product_id, io.BytesIO(data), name, queue=False)
    return got, f"originals/{got.sha256[:2]}/{got.sha256[2:4]}/{got.sha256}"


def test_a_flipped_byte_is_found_reported_by_check_and_repaired(operator):
    kho = operator.kho()
    data = os.urandom(100_000)
    got, key = add_original(kho, data)
    assert operator("fixity", "--all").exit_code == 0
    flip_byte(kho.storage.root / key)

    found = operator("fixity", "--all")
    assert found.exit_code == 1
    assert "1 mismatch" in found.output and "Phóng sự Đăk Kôi" in found.output
    assert "phong-su.wav" in found.output and key in found.output
    check = operator("check")
    assert check.exit_code == 1
    assert "fixity: degraded: 1 faulty copies" in check.output
    assert "storage: ok" in check.output
    assert "suy giảm" in operator("check", lang="vi").output

    fixed = operator("fixity", "--product", str(got.product_id), "--repair")
    assert fixed.exit_code == 0, fixed.output
    assert f"Repaired: primary copy of {key}" in fixed.output
    assert (kho.storage.root / key).read_bytes() == data
    assert operator("check").exit_code == 0


def test_fixity_needs_a_choice_and_names_an_unknown_product(operator):
    assert operator("fixity").exit_code == 2
    assert operator("fixity", "--all", "--sample", "3").exit_code == 2
    unknown = operator("fixity", "--product", "999")
    assert unknown.exit_code != 0 and "999" in unknown.output


def test_replicate_fills_a_new_replica(operator, tmp_path, monkeypatch):
    kho = operator.kho()
    _, key = add_original(kho, os.urandom(5000))
    (kho.replica.root / key).unlink()
    result = operator("replicate")
    assert result.exit_code == 0 and "1 originals copied" in result.output
    assert (kho.replica.root / key).read_bytes() == (kho.storage.root / key).read_bytes()


def test_recovery_drill_with_the_kho_commands(operator, tmp_path, monkeypatch):
    kho = operator.kho()
    add_original(kho, os.urandom(5000), title="Quyền của người khuyết tật")
    assert operator("backup", "--out", str(tmp_path / "sao-luu")).exit_code == 0
    # a new machine: an empty instance on the same storage and replica
    monkeypatch.setenv("KHO_INSTANCE_PATH", str(tmp_path / "new"))
    monkeypatch.setenv("KHO_STORAGE_PATH", str(kho.settings.objects_dir))
    restored = operator("restore", str(tmp_path / "sao-luu"))
    assert restored.exit_code == 0, restored.output
    assert "Restored 1 products and 1 files" in restored.output
    assert operator("init").exit_code == 0
    assert operator("reindex").exit_code == 0
    assert operator("fixity", "--all").exit_code == 0
    again = operator("restore", str(tmp_path / "sao-luu"))
    assert again.exit_code == 1 and "not empty" in again.output


def test_kill_9_of_a_repair_half_way_leaves_nothing_half_written(operator, tmp_path):
    kho = operator.kho()
    data = os.urandom(3_000_000)
    _, key = add_original(kho, data)
    target = kho.storage.root / key
    flip_byte(target)
    corrupt = target.read_bytes()
    spool = kho.settings.spool_dir
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "fixity", "--all", "--repair", "--rate", "1"],
        env={**os.environ, **operator.environment}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size > 0 for p in spool.glob("copy-*")):   # copying now
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert target.read_bytes() == corrupt           # untouched: never half the new bytes
    assert [p.name for p in target.parent.iterdir() if not p.name.startswith(".")] \
        == [target.name]
    left = list(spool.glob("copy-*"))
    for path in left:                               # as if an hour went by
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    result = operator("fixity", "--all", "--repair")
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == data
    assert list(spool.glob("copy-*")) == []
    assert operator("fixity", "--all").exit_code == 0
