"""Fixtures for the ingest tests: small options and a work folder."""
from __future__ import annotations

import pytest

from ingest.results import ProcessingOptions


@pytest.fixture
def options() -> ProcessingOptions:
    """Default pipeline options with a timeout generous for tiny media."""
    return ProcessingOptions(tool_timeout=120)


@pytest.fixture
def workdir(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder
