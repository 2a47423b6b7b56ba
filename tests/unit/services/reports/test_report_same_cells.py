"""The workbook's cells do not depend on how the report got them (issue 27): figures
added up from the summary cells or counted again from the products, product lines
streamed in batches of any size, the garbage collector's freeze undone after."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.unit.services.reports import report_catalogue


@pytest.fixture
def catalogue(kho):
    return report_catalogue.build(kho)


def _cells(path: Path) -> dict:
    """Every sheet's cells: value, number format, bold, wrap; and its row heights."""
    book = load_workbook(path)
    out = {}
    for ws in book.worksheets:
        out[ws.title] = ([[(c.value, c.number_format, c.font.b, c.alignment.wrap_text)
                           for c in row] for row in ws.iter_rows()],
                         {k: d.height for k, d in ws.row_dimensions.items()},
                         ws.auto_filter.ref, ws.freeze_panes)
    return out


def _write(kho, catalogue, out: Path):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    return write_report(kho, actor_by_name(kho, "vanphong"), catalogue.year, out)


def test_figures_from_the_summary_cells_write_the_same_workbook_as_a_recount(
        kho, catalogue, tmp_path, monkeypatch):
    from app.services.reports import yearly
    from app.services.stats import breakdowns, cell_sums, plan_progress, summary

    summary.fold(kho)
    used = []
    cells_rows = cell_sums.product_rows
    monkeypatch.setattr(cell_sums, "product_rows",
                        lambda *a, **k: used.append(1) or cells_rows(*a, **k))
    from_cells = _write(kho, catalogue, tmp_path / "cells.xlsx")
    assert used, "the year of the whole catalogue is answered from the summary cells"
    monkeypatch.undo()

    def recounted(kho, actor, scope):
        scope = plan_progress.for_account(kho, actor, scope)
        return plan_progress._stats(kho, scope, breakdowns.aggregate(kho, scope,
                                                                     recount=True))
    monkeypatch.setattr(yearly, "compute_stats", recounted)
    from_rows = _write(kho, catalogue, tmp_path / "recount.xlsx")
    assert (from_cells.products, from_cells.listed) == (from_rows.products, from_rows.listed)
    assert _cells(tmp_path / "cells.xlsx") == _cells(tmp_path / "recount.xlsx")


def test_product_lines_are_the_same_in_batches_of_any_size(kho, catalogue):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.product_list import product_lines
    from app.services.stats.plan_progress import year_scope

    office = actor_by_name(kho, "vanphong")
    for scope in (year_scope(kho, catalogue.year, None, None),
                  year_scope(kho, catalogue.year - 1, None, None)):
        whole = list(product_lines(kho, office, scope))
        assert whole and [list(product_lines(kho, office, scope, batch=n))
                          for n in (1, 2, 3)] == [whole] * 3
    listed = {line.id: line for line in product_lines(
        kho, office, year_scope(kho, catalogue.year, None, None), batch=1)}
    feature = listed[catalogue.feature]
    assert (feature.broadcasts, feature.downloads, len(feature.languages),
            len(feature.channels), len(feature.communes)) == (2, 1, 2, 2, 1)


def test_the_collector_is_unfrozen_after_a_report_even_a_refused_one(kho, catalogue,
                                                                     tmp_path, monkeypatch):
    from app.services.reports import yearly

    _write(kho, catalogue, tmp_path / "a.xlsx")
    assert gc.get_freeze_count() == 0

    def broken(*_a, **_k):
        assert gc.get_freeze_count() > 0        # frozen while the file is written
        raise RuntimeError("disk full")
    monkeypatch.setattr(yearly, "write_workbook", broken)
    with pytest.raises(RuntimeError):
        _write(kho, catalogue, tmp_path / "b.xlsx")
    assert gc.get_freeze_count() == 0 and not (tmp_path / "b.xlsx").exists()
