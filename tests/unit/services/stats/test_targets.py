"""How far each indicator is from its target, in products: exact integer arithmetic at
the edges (already there, no products, exactly 15 %, a share that rounds to 15,0 %
but is below it), and the sentences' numbers for a whole Stats."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from app.i18n import format_percent
from app.services.stats.figures import EMPTY, Target
from app.services.stats.targets import (MORE, REMAINING, band_floor, more_needed,
                                        still_to_do, to_targets)
from tests.unit.services.stats.stats_rows import stats_of

FIFTEEN = Fraction(3, 20)


def brute_force(count: int, total: int, target: Fraction) -> int:
    """The fewest k with (count + k) / (total + k) >= target, by trying each k."""
    k = 0
    while total + k == 0 or Fraction(count + k, total + k) < target:
        k += 1
    return k


@pytest.mark.parametrize("count, total, needed", [
    (0, 0, 1),          # no products: one product with the property is 100 %
    (3, 20, 0),         # exactly 15 %: reached
    (30, 200, 0),       # exactly 15 % again, not in lowest terms
    (4, 20, 0),         # above
    (20, 20, 0),        # everything
    (2, 20, 2),         # 4/22 = 18,2 % ≥ 15 %; 3/21 = 14,3 % is not
    (0, 1, 1),          # 1/2
    (0, 17, 3),         # 3/20 exactly
    (0, 18, 4),         # 3/21 < 15 % ≤ 4/22
    (1, 7, 1),          # the foreign share of the test catalogue: 2/8 = 25 %
    (0, 100, 18),       # 18/118 = 15,25 %; 17/117 = 14,53 %
])
def test_more_products_needed_to_reach_15_percent(count, total, needed):
    assert more_needed(count, total, FIFTEEN) == needed
    assert needed == brute_force(count, total, FIFTEEN)


def test_a_share_that_reads_15_0_percent_is_not_15_percent():
    # 2,999 of 20,000 is 14.995 %: shown "15,0 %" once rounded, but below the band
    assert format_percent(2999 / 20000, "vi") == "15,0 %"
    assert more_needed(2999, 20000, FIFTEEN) == 2
    assert Fraction(3001, 20002) >= FIFTEEN > Fraction(3000, 20001)   # one is not enough
    assert more_needed(3000, 20000, FIFTEEN) == 0


def test_the_formula_agrees_with_trying_each_number():
    for target in (FIFTEEN, Fraction(1, 5), Fraction(1, 3), Fraction(7, 10), Fraction(0)):
        for total in range(0, 41):
            for count in range(0, total + 1):
                assert more_needed(count, total, target) == brute_force(count, total, target), \
                    (count, total, target)


def test_still_to_do_against_a_full_target():
    assert still_to_do(4, 7) == 3 and still_to_do(7, 7) == 0 and still_to_do(0, 0) == 0


@pytest.mark.parametrize("count, total, target", [
    (-1, 5, FIFTEEN), (6, 5, FIFTEEN), (0, -1, FIFTEEN), (1, 5, Fraction(1)),
    (1, 5, Fraction(-1, 10))])
def test_impossible_questions_are_refused(count, total, target):
    with pytest.raises(ValueError):
        more_needed(count, total, target)


def test_the_band_floor_is_exact():
    assert band_floor(0.15) == FIFTEEN and band_floor(0.2) == Fraction(1, 5)


def test_distance_of_every_indicator_of_a_scope():
    st = stats_of(total=7, digitised=4, ethnic_language=2, foreign_language=1,
                  digital_platform=2, combined=4, online=1)
    gaps = to_targets(st)
    assert (gaps["digitisation_rate"].kind, gaps["digitisation_rate"].needed) == (REMAINING, 3)
    assert gaps["online_rate"].needed == 6 and not gaps["online_rate"].reached
    assert (gaps["foreign_language_share"].kind, gaps["foreign_language_share"].needed) \
        == (MORE, 1)
    assert gaps["foreign_language_share"].target == FIFTEEN
    for name in ("ethnic_language_share", "digital_platform_share", "combined_share"):
        assert gaps[name].reached and gaps[name].needed == 0


def test_an_empty_scope_has_reached_nothing():
    gaps = to_targets(stats_of(**EMPTY.counts()))
    assert gaps["digitisation_rate"].needed == 0 and not gaps["digitisation_rate"].reached
    assert gaps["ethnic_language_share"].needed == 1
    assert not any(g.reached for g in gaps.values())


def test_the_band_comes_from_the_settings():
    st = stats_of(total=10, digitised=10, ethnic_language=1, foreign_language=0,
                  digital_platform=0, combined=1, online=10)
    st = replace(st, target=Target(0.2, 0.3, "below"))
    gaps = to_targets(st)
    assert gaps["ethnic_language_share"].needed == 2          # 3/12 = 25 % ≥ 20 %
    assert gaps["digitisation_rate"].reached and gaps["online_rate"].reached
