"""One rounding rule for every share: the page (``format_percent``), the document and
the workbook read 1/16 alike (the workbook's cell holds the rounded share, so Excel's
own rounding of 0.0625 to 6.3 % can no longer differ from the document's 6,2 %)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("fraction, shown", [(1 / 16, "6,2 %"), (3 / 16, "18,8 %"),
                                             (1 / 3, "33,3 %"), (0.185, "18,5 %"),
                                             (1.0, "100,0 %"), (0.0, "0,0 %")])
def test_the_page_the_document_and_the_workbook_round_a_share_alike(fraction, shown):
    from app.i18n import format_percent
    from app.services.reports.wording import percent_words
    from app.services.reports.yearly_xlsx import _share

    assert format_percent(fraction, "vi") == shown
    assert percent_words(fraction) == shown
    cell = _share(fraction)
    assert cell.number_format == "0.0%"
    excel = f"{cell.value * 100:.1f}".replace(".", ",") + " %"    # Excel's display
    assert excel == shown
