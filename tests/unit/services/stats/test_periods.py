"""The year picker, the report year the dashboard offers and that year's deadline."""
from __future__ import annotations

from datetime import date

import pytest

from app.services.stats.figures import Scope
from app.services.stats.periods import (ALL_YEARS, CUSTOM, picked_year, report_year,
                                        year_deadline, year_options, year_period)
from app.services.stats.plan_progress import YearRow
from archive.errors import ValidationError

DATES = {"from": "01/03/2024", "to": "30/06/2024", "unit": "phong-vhtt-kon-ray"}


def test_a_year_sets_the_period_and_wins_over_the_dates():
    assert year_period(DATES, "2025") == {"from": "2025-01-01", "to": "2025-12-31",
                                          "unit": "phong-vhtt-kon-ray"}
    assert year_period({}, " 2023 ") == {"from": "2023-01-01", "to": "2023-12-31"}


def test_all_years_drops_the_period_and_custom_keeps_the_dates():
    assert year_period(DATES, ALL_YEARS) == {"unit": "phong-vhtt-kon-ray"}
    assert year_period(DATES, CUSTOM) == DATES
    assert year_period(DATES, None) == DATES == year_period(DATES, "")   # old links


@pytest.mark.parametrize("bad", ["20x5", "-1", "123456", "1800"])
def test_a_bad_year_is_named(bad):
    with pytest.raises(ValidationError) as err:
        year_period({}, bad)
    assert err.value.field == "year"


def test_the_option_a_scope_shows():
    assert picked_year(Scope()) == ALL_YEARS
    assert picked_year(Scope(date(2024, 1, 1), date(2024, 12, 31))) == "2024"
    assert picked_year(Scope(date(2024, 1, 2), date(2024, 12, 31))) == CUSTOM
    assert picked_year(Scope(date(2024, 1, 1), None)) == CUSTOM
    assert picked_year(Scope(date(2023, 1, 1), date(2024, 12, 31))) == CUSTOM


def test_the_picker_offers_the_plan_years_and_every_year_with_products():
    rows = [YearRow(2, 0, 0, 0, 0, 0, 0, year=2019), YearRow(0, 0, 0, 0, 0, 0, 0, year=2030)]
    assert year_options(rows, date(2026, 5, 1), Scope()) == [2019, 2023, 2024, 2025, 2026,
                                                            2027, 2028]
    assert year_options([], date(2029, 5, 1), Scope(date(2021, 1, 1), date(2021, 12, 31))) \
        == [2021, 2023, 2024, 2025, 2026, 2027, 2028, 2029]


def test_the_report_year_is_the_period_s_when_it_lies_in_one_year():
    today = date(2026, 12, 6)
    assert report_year(Scope(date(2024, 1, 1), date(2024, 12, 31)), today) == 2024
    assert report_year(Scope(date(2024, 3, 1), date(2024, 4, 30)), today) == 2024
    assert report_year(Scope(), today) == 2026
    assert report_year(Scope(date(2023, 1, 1), date(2025, 12, 31)), today) == 2026


@pytest.mark.parametrize("year, today, days", [
    (2026, date(2026, 11, 20), 5), (2026, date(2026, 11, 25), 0),
    (2026, date(2026, 12, 6), -11),            # passed: the 2026 report, not 2027's
    (2024, date(2026, 12, 6), -741)])
def test_the_deadline_is_that_of_the_report_year(kho, year, today, days):
    deadline = year_deadline(kho.settings, year, today)
    assert (deadline.on, deadline.days_left, deadline.today) == (date(year, 11, 25), days,
                                                                 today)
