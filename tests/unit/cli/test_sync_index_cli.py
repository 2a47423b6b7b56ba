"""``kho sync-index``: the writer publishes, a reader copies the newest generation, a
single machine is told it follows no one; ``kho reindex`` is refused on a reader."""
from __future__ import annotations

from click.testing import CliRunner

from app.cli import main
from tests.conftest import point_cli_at


def test_sync_index_on_the_writer_a_reader_and_a_single_machine(kho, tmp_path, monkeypatch):
    point_cli_at(monkeypatch, kho, tmp_path)
    monkeypatch.setenv("KHO_STORAGE_PATH", str(tmp_path / "objects"))
    runner = CliRunner()

    single = runner.invoke(main, ["--lang", "en", "sync-index"])
    assert single.exit_code != 0 and "only a search reader" in single.output

    monkeypatch.setenv("KHO_SEARCH_ROLE", "writer")
    published = runner.invoke(main, ["--lang", "en", "sync-index"])
    assert published.exit_code == 0, published.output
    assert "Search generation" in published.output and "published" in published.output

    monkeypatch.setenv("KHO_SEARCH_ROLE", "reader")
    monkeypatch.setenv("KHO_INDEX_PATH", str(tmp_path / "reader-index"))
    copied = runner.invoke(main, ["--lang", "en", "sync-index"])
    assert copied.exit_code == 0, copied.output
    assert "Serving search generation" in copied.output
    refused = runner.invoke(main, ["--lang", "en", "reindex"])
    assert refused.exit_code != 0 and "run kho reindex on the writer" in refused.output
    vietnamese = runner.invoke(main, ["--lang", "vi", "reindex"])
    assert "máy ghi" in vietnamese.output
