"""Shared CLI fixtures."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main
from tests.conftest import point_cli_at


@pytest.fixture
def kho_cli(kho, tmp_path, monkeypatch):
    """``kho_cli("report", ...)``: run ``kho`` in-process on the ``kho`` fixture's instance."""
    point_cli_at(monkeypatch, kho, tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    return invoke
