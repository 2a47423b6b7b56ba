"""The dashboard's period as years: the year picker, the report year and its deadline.

- **The year picker** (parameter ``year``): a plan year (or any year with products)
  stands for its calendar year, 1/1 to 31/12, and wins over the ``from``/``to`` dates
  of the custom range; :data:`ALL_YEARS` drops the period; :data:`CUSTOM` (or no
  ``year``) keeps ``from``/``to`` as given, so bookmarked links still work.
- **The report year**: the yearly report the dashboard offers is that of the period
  when the period lies within one calendar year, else this year (Vietnam's).
- **Its deadline**: ``report_deadline`` (dd/mm) *of that year* (see
  :func:`app.services.contributions.rules.deadline`), so the banner and the buttons
  speak of the same report; the days left are negative once it has passed.
"""
from __future__ import annotations

from datetime import date
from typing import Mapping

from app.services.common.parameters import parse_year
from app.services.contributions.rules import deadline
from app.services.stats.figures import (PLAN_FIRST_YEAR, TARGET_YEAR, Deadline, Scope,
                                        YearRow)
from archive.errors import ValidationError
from config import Settings

ALL_YEARS = "all"
CUSTOM = "custom"
FIRST_YEAR, LAST_YEAR = 1900, 2999       # the years a period may name (as year_scope)


def year_period(params: Mapping[str, str], year: str | None) -> dict[str, str]:
    """The statistics parameters ``params`` with the period the year picker chose:
    ``from``/``to`` replaced by 1/1 and 31/12 of a year, removed for
    :data:`ALL_YEARS`, kept for :data:`CUSTOM` or no year. ValidationError naming
    ``year`` for anything else."""
    raw = (year or "").strip()
    if raw in ("", CUSTOM):
        return dict(params)
    out = {k: v for k, v in params.items() if k not in ("from", "to")}
    if raw == ALL_YEARS:
        return out
    value = parse_year(raw)
    if value is None or not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError("not a year: %(value)s", field="year", value=raw[:20])
    out["from"], out["to"] = f"{value}-01-01", f"{value}-12-31"
    return out


def picked_year(scope: Scope) -> str:
    """The picker's option for ``scope``: the year when the period is exactly one
    calendar year, :data:`ALL_YEARS` without a period, else :data:`CUSTOM`."""
    first, last = scope.date_from, scope.date_to
    if first is None and last is None:
        return ALL_YEARS
    if first and last and first == date(first.year, 1, 1) \
            and last == date(first.year, 12, 31):
        return str(first.year)
    return CUSTOM


def year_options(by_year: list[YearRow], today: date, scope: Scope) -> list[int]:
    """The years the picker offers: the plan's years 2023–2028 (and up to this year),
    every year of ``by_year`` with products, and the year picked, in order."""
    years = set(range(PLAN_FIRST_YEAR, max(TARGET_YEAR, today.year) + 1))
    years |= {r.year for r in by_year if r.total}
    picked = picked_year(scope)
    if picked.isdigit():
        years.add(int(picked))
    return sorted(years)


def report_year(scope: Scope, today: date) -> int:
    """The year of the report offered for ``scope``: the period's year when it lies in
    one calendar year, else ``today``'s."""
    first, last = scope.date_from, scope.date_to
    if first and last and first.year == last.year:
        return first.year
    return today.year


def year_deadline(settings: Settings, year: int, today: date) -> Deadline:
    """The deadline of ``year``'s report and the days from ``today`` to it (0 on the
    day, negative after). ValidationError naming ``report_deadline`` for a setting
    that is not a dd/mm day."""
    on = deadline(settings, year)
    return Deadline(on=on, days_left=(on - today).days, today=today)


__all__ = ["ALL_YEARS", "CUSTOM", "picked_year", "report_year", "year_deadline",
           "year_options", "year_period"]
