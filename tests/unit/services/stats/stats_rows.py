"""A Stats built in memory (no database) for the tests of the dashboard's arithmetic."""
from __future__ import annotations

from datetime import date
from typing import Any

from app.services.stats.figures import (Deadline, GroupRow, Projection, Scope, Stats,
                                        Target)

TODAY = date(2026, 1, 1)


def group(code: Any, label: str, total: int, digitised: int = 0, combined: int = 0,
          **counts: int) -> GroupRow:
    values = {"ethnic_language": 0, "foreign_language": 0, "digital_platform": 0,
              "online": 0, **counts}
    return GroupRow(total=total, digitised=digitised, combined=combined, **values,
                    code=code, label_vi=label, label_en=label)


def stats_of(band: tuple[float, float] = (0.15, 0.20), **fields: Any) -> Stats:
    """Stats with the counts and lists given in ``fields``, every other list empty."""
    counts = {name: fields.pop(name) for name in ("total", "digitised", "ethnic_language",
                                                  "foreign_language", "digital_platform",
                                                  "combined", "online")}
    lists = {name: fields.pop(name, []) for name in (
        "by_year", "by_unit", "by_commune", "by_kind", "by_language", "by_channel",
        "by_theme", "by_plan_task", "broadcasts_by_commune", "broadcasts_by_month",
        "broadcasts_by_commune_month", "downloads_by_commune")}
    assert not fields, fields
    return Stats(**counts, **lists, scope=Scope(), today=TODAY,
                 target=Target(band[0], band[1], "below"), verdicts={},
                 projection=Projection(2028, None, None, ()),
                 deadline=Deadline(date(2026, 11, 25), 328, TODAY))
