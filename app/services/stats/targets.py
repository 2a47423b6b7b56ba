"""How far each indicator is from its target, in products (plain data, no database).

A share is easier to act on as a number of products: "6 products still to digitise",
"4 more ethnic-language products reach 15 %". Two kinds of distance:

- **remaining** (the rates whose target is every product, :data:`FULL_TARGETS`): the
  products in scope that do not count yet — not digitised, not published online;
- **more** (the shares judged against the band of Decision 1079): the fewest *new*
  products with the property that bring the share up to the band's lower bound. A new
  product adds to the numerator and to the total alike, so the answer is the smallest
  integer ``k >= 0`` with ``(n + k) / (N + k) >= a / b``, i.e.
  ``k = ceil((a·N − b·n) / (b − a))`` — computed with integers only, so 3 of 20 is
  15 % exactly (reached) while 2,999 of 20,000 is not (one more is needed) although
  both read "15,0 %" once rounded. With no products at all one product is needed
  (a share of nothing is no share).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from app.services.stats.figures import FULL_TARGETS, SHARES, Stats

REMAINING = "remaining"
MORE = "more"
# the fields of Tally counted against each full target
FULL_COUNTS = {"digitisation_rate": "digitised", "online_rate": "online"}
SHARE_COUNTS = {"ethnic_language_share": "ethnic_language",
                "foreign_language_share": "foreign_language",
                "digital_platform_share": "digital_platform",
                "combined_share": "combined"}


@dataclass(frozen=True)
class ToTarget:
    """The distance of one indicator to its target.

    ``kind``: :data:`REMAINING` (products in scope still to bring in) or :data:`MORE`
    (new products with the property still to add); ``needed``: that number of
    products; ``target``: the fraction to reach (1 or the band's lower bound);
    ``reached``: the target is met (never for an empty scope)."""

    indicator: str
    kind: str
    needed: int
    target: Fraction
    reached: bool


def still_to_do(count: int, total: int) -> int:
    """Products of ``total`` not yet counted in ``count`` (a 100 % target).

    ValueError for negative numbers or ``count`` above ``total``."""
    _check(count, total)
    return total - count


def more_needed(count: int, total: int, target: Fraction) -> int:
    """The fewest new products with the property that bring ``count / total`` up to at
    least ``target`` (0 when it is already there; 1 when ``total`` is 0: there is no
    share of nothing). Exact: integers only, no float rounding.

    ValueError for negative numbers, ``count`` above ``total``, or a ``target`` outside
    0 ≤ target < 1 (a 100 % share cannot be reached by adding products; use
    :func:`still_to_do`)."""
    _check(count, total)
    target = Fraction(target)
    if not 0 <= target < 1:
        raise ValueError(f"a target share must be at least 0 and below 1, not {target}")
    if total == 0:
        return 1
    a, b = target.numerator, target.denominator
    short = a * total - b * count          # > 0 exactly when count / total < a / b
    if short <= 0:
        return 0
    return -(-short // (b - a))            # ceil(short / (b - a)), b > a


def _check(count: int, total: int) -> None:
    if count < 0 or total < 0 or count > total:
        raise ValueError(f"not a count of a total: {count} of {total}")


def band_floor(band_min: float) -> Fraction:
    """The band's lower bound as an exact fraction (0.15 is 3/20, as in the verdicts)."""
    return Fraction(str(band_min))


def to_targets(stats: Stats) -> dict[str, ToTarget]:
    """The distance to target of every indicator of ``stats``, by indicator name
    (``digitisation_rate``, ``online_rate`` and the :data:`SHARES`)."""
    out: dict[str, ToTarget] = {}
    for name, field in FULL_COUNTS.items():
        left = still_to_do(getattr(stats, field), stats.total)
        out[name] = ToTarget(name, REMAINING, left, Fraction(FULL_TARGETS[name]),
                             reached=stats.total > 0 and left == 0)
    floor = band_floor(stats.target.band_min)
    for name in SHARES:
        more = more_needed(getattr(stats, SHARE_COUNTS[name]), stats.total, floor)
        out[name] = ToTarget(name, MORE, more, floor, reached=stats.total > 0 and more == 0)
    return out


__all__ = ["MORE", "REMAINING", "ToTarget", "band_floor", "more_needed", "still_to_do",
           "to_targets"]
