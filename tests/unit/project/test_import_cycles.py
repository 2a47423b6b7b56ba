"""The circle check run by ``make lint`` finds a planted circle and passes on Kho."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.import_cycles import circles, import_graph

ROOT = Path(__file__).resolve().parents[3]


def test_kho_has_no_import_circle():
    result = subprocess.run([sys.executable, "tools/import_cycles.py"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert "import circles: none" in result.stdout


def test_a_planted_circle_is_found_even_through_a_function_level_import(tmp_path,
                                                                         monkeypatch):
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "registrar.py").write_text("from planted import part\n", encoding="utf-8")
    (package / "part.py").write_text(
        "def later():\n    from planted.registrar import something\n", encoding="utf-8")
    (package / "leaf.py").write_text("import json\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = circles(import_graph(["planted"]))
    assert found == [["planted.part", "planted.registrar"]]


def test_circles_of_three_and_self_contained_chains():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"x": {"y"}, "y": set()}) == []
