"""constraints.txt holds the versions the suite runs with: make run and make test
install through it, so a fresh machine gets what CI tested."""
from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line.strip())
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def test_the_installed_versions_are_the_pinned_ones():
    pins = pinned()
    for name in ("flask", "sqlalchemy", "boto3", "huey", "prometheus_client", "pytest"):
        assert any(p.lower().replace("-", "_") == name for p in pins), name
    different = {}
    for name, wanted in pins.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            different[name] = (wanted, None)
            continue
        if installed != wanted:
            different[name] = (wanted, installed)
    assert different == {}, "refresh with `make constraints`, or reinstall: " + str(different)


def test_make_installs_through_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install -q -c constraints.txt -e .\n" in makefile
    assert "pip install -q -c constraints.txt -e '.[test]'" in makefile
    assert "\nconstraints:" in makefile
