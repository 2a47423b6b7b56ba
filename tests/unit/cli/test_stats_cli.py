"""``kho stats``: a readable table in Vietnamese or English, and --json equal to the API."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.cli import main
from app.services.activities import people_view
from app.services.stats import plan_progress
from app.services.access.actors import Actor
from tests.conftest import point_cli_at
from tests.unit.services.stats.test_stats import _build


@pytest.fixture
def run(kho, tmp_path, monkeypatch):
    point_cli_at(monkeypatch, kho, tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    return invoke


@pytest.fixture
def catalogue(kho):
    return _build(kho)


def test_json_is_the_service_json(run, kho, catalogue):
    office = Actor(None, "office", "office")
    for args, params in ((), {}), (("--commune", "23497"), {"commune": "23497"}), (
            ("--from", "01/01/2024", "--to", "31/12/2024"), {"from": "2024-01-01",
                                                             "to": "2024-12-31"}):
        result = run("stats", "--json", *args)
        assert result.exit_code == 0, result.output
        figures = plan_progress.compute_stats(kho, office, plan_progress.parse_scope(kho, params))
        expected = plan_progress.stats_json(figures)
        expected.update(people_view.stats_blocks(
            people_view.scope_figures(kho, office, figures.scope)))
        assert json.loads(result.output) == expected


def test_readable_table_in_vietnamese(run, catalogue):
    result = run("stats")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Số sản phẩm trong phạm vi: 7" in out
    assert "Tỷ lệ số hóa" in out and "57,1 %" in out and "4/7" in out
    assert "Tỷ lệ tiếng nước ngoài" in out and "14,3 %" in out and "dưới mức chỉ tiêu" in out
    assert "Tỷ lệ chung (Quyết định 1079)" in out and "vượt mức chỉ tiêu" in out
    assert "Mức 15,0 % – 20,0 %" in out
    assert "Theo xã" in out and "Xã Kon Braih" in out and "Hạn báo cáo" in out


def test_readable_table_in_english_and_as_filed(run, catalogue):
    out = run("--lang", "en", "stats", "--as-filed", "--unit", "trung-tam-vhttdltt-kon-ray")
    assert out.exit_code == 0, out.output
    assert "Products in scope: 5" in out.output and "Digitisation rate" in out.output
    assert "60.0%" in out.output                      # 3 of 5 digitised
    assert "Xã Tân Lập" in out.output                  # old commune shown as filed


def test_a_bad_option_names_it_and_exits_2(run):
    result = CliRunner().invoke(main, ["--lang", "en", "stats", "--commune", "99999"])
    assert result.exit_code == 2
    assert "commune" in result.output and "99999" in result.output
    bad_date = CliRunner().invoke(main, ["stats", "--from", "32/01/2024"])
    assert bad_date.exit_code == 2 and "from" in bad_date.output


def test_rebuild_counts_the_summary_rows_over(run, kho, catalogue):
    """``kho stats rebuild`` repairs lost product and usage cells; ``kho stats`` still
    shows the figures (the group keeps its options)."""
    from sqlalchemy import delete

    from app.services.stats import breakdowns
    from app.services.stats.figures import Scope
    from archive.stats import StatsCell, StatsUsageCell

    expected = [part(kho, Scope(), recount=True) for part in (
        breakdowns.products_part, breakdowns.broadcasts_part, breakdowns.downloads_part)]
    with kho.transaction() as s:
        s.execute(delete(StatsCell))
        s.execute(delete(StatsUsageCell))
    result = run("--lang", "en", "stats", "rebuild")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Counted over: ") and "usage cells" in result.output
    assert [part(kho, Scope()) for part in (breakdowns.products_part,
            breakdowns.broadcasts_part, breakdowns.downloads_part)] == expected
    assert run("stats", "--json").exit_code == 0
