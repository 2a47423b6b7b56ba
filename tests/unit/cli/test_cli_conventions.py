"""Conventions of a well-behaved command: KHO_LANG picks the language (it is not a
setting), and a reader closing the pipe early ends the command quietly."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KHO = [sys.executable, "-m", "app"]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    values.update(KHO_INSTANCE_PATH=str(tmp_path / "instance"), KHO_QUEUE_URL="immediate",
                  KHO_OCR_ENABLED="false")
    subprocess.run(KHO + ["init"], env=values, cwd=ROOT, check=True, capture_output=True)
    return values


def test_kho_lang_en_switches_messages_to_english(env):
    result = subprocess.run(KHO + ["check"], env=env | {"KHO_LANG": "en"}, cwd=ROOT,
                            capture_output=True, text=True)
    assert "unknown configuration key" not in result.stderr
    assert result.returncode == 0, result.stderr
    failed = subprocess.run(KHO + ["user", "token", "nobody"], env=env | {"KHO_LANG": "en"},
                            cwd=ROOT, capture_output=True, text=True)
    assert failed.returncode != 0 and "no user 'nobody'" in failed.stderr


def test_a_closed_pipe_ends_the_command_quietly(env):
    # `kho vocab list communes | head -0`: the reader is gone before the first line
    reader, writer = os.pipe()
    os.close(reader)
    kho = subprocess.Popen(KHO + ["vocab", "list", "communes"], env=env, cwd=ROOT,
                           stdout=writer, stderr=subprocess.PIPE)
    os.close(writer)
    _, errors = kho.communicate(timeout=60)
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors, errors
    assert b"error" not in errors, errors
    assert kho.returncode == 0
