"""The yearly workbook's sheets of the activities register (counts only, no names):

- ``Hoạt động``: one row per activity of the year (kind, days, organiser, communes, plan
  task, participants, women, ethnic-minority people, people on its attendance list);
- ``Người được tập huấn``: people trained per target group (all units, then per unit)
  against the staff of the group and its target (100 %, 70 %), with the people still to
  train, and the spokesperson mechanism (bodies with one against 100 %).

The sheets are written through the workbook's own sheet writer (``new_sheet(title,
header)``, the one :mod:`app.services.reports.yearly_xlsx` uses, so headers, widths and
filters look alike) and ``percent(value)`` for percent cells; figures come from
:func:`app.services.activities.people_view.report_sheets`.
"""
from __future__ import annotations

from typing import Any, Callable

from app.services.activities.figures import GroupLine
from app.services.activities.people_view import ReportSheets

ACTIVITY_COLUMNS = ("Mã", "Tên hoạt động", "Loại hoạt động", "Từ ngày", "Đến ngày",
                    "Đơn vị tổ chức", "Địa bàn", "Nhiệm vụ kế hoạch", "Địa điểm",
                    "Số người tham dự", "Nữ", "Dân tộc thiểu số", "Người trong danh sách")
PEOPLE_COLUMNS = ("Đơn vị", "Nhóm đối tượng", "Số người được tập huấn", "Số cán bộ",
                  "Tỷ lệ", "Mục tiêu", "Còn phải tập huấn")
ALL_UNITS = "Toàn bộ"


def _people_row(g: GroupLine, percent: Callable[[float], Any]) -> list[Any]:
    return [g.unit_vi or ALL_UNITS, g.label_vi, g.trained, g.staff,
            percent(g.share.value) if g.staff else "",
            percent(g.target_percent / 100) if g.target_percent else "",
            g.to_train if g.to_train is not None else ""]


def write_activity_sheets(sheets: ReportSheets, new_sheet: Callable[..., Any],
                          percent: Callable[[float], Any]) -> None:
    """Add the two sheets (see the module docstring)."""
    listing = new_sheet("Hoạt động", ACTIVITY_COLUMNS)
    for a in sheets.activities:
        listing.add(a.id, a.title, a.kind, a.starts_on.strftime("%d/%m/%Y"),
                    a.ends_on.strftime("%d/%m/%Y"), a.organiser, a.communes, a.plan_task,
                    a.place, a.participants, a.women, a.ethnic_minority, a.listed)
    listing.close()
    fig = sheets.people
    people = new_sheet("Người được tập huấn", PEOPLE_COLUMNS)
    for g in list(fig.by_group) + list(fig.by_unit):
        people.add(*_people_row(g, percent))
    sp = fig.spokespersons
    people.add("Cơ chế người phát ngôn", "Cơ quan hành chính có người phát ngôn",
               sp.designated, sp.bodies, percent(sp.share.value) if sp.bodies else "",
               percent(1.0), sp.bodies - sp.designated)
    people.close()
