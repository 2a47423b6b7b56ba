"""The figures of the targets dashboard as plain data (no database, no Flask).

Every fraction is kept exact (:class:`Ratio`: numerator, denominator and the float);
a :class:`Tally` holds the counts of products of a scope or of one breakdown row. The
definitions of the counts are in :mod:`app.services.stats.plan_progress`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Optional

PLAN_FIRST_YEAR = 2023
TARGET_YEAR = 2028
# A straight line through fewer plan years says nothing (two points always fit one
# exactly): below this many years with products there is no projection.
MIN_PROJECTION_YEARS = 3
SHARES = ("ethnic_language_share", "foreign_language_share", "digital_platform_share",
          "combined_share")
VERDICTS = ("below", "within", "above", "no_data")


@dataclass(frozen=True)
class Ratio:
    """An exact fraction ``numerator / denominator`` and its value (0.0 for 0/0)."""

    numerator: int
    denominator: int
    value: float

    @classmethod
    def of(cls, numerator: int, denominator: int) -> "Ratio":
        return cls(numerator, denominator, numerator / denominator if denominator else 0.0)

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.numerator, self.denominator) if self.denominator else Fraction(0)

    @property
    def percent(self) -> float:
        return self.value * 100


def _over_total(count: str) -> property:
    """A property: the Ratio of the ``count`` field over ``total``."""
    return property(lambda self: Ratio.of(getattr(self, count), self.total),
                    doc=f"{count} / total")


@dataclass(frozen=True)
class Tally:
    """Counts of products (each product once) in a scope or a breakdown row."""

    total: int
    digitised: int
    ethnic_language: int
    foreign_language: int
    digital_platform: int
    combined: int
    online: int

    # each a Ratio over ``total``
    digitisation_rate = _over_total("digitised")
    ethnic_language_share = _over_total("ethnic_language")
    foreign_language_share = _over_total("foreign_language")
    digital_platform_share = _over_total("digital_platform")
    combined_share = _over_total("combined")
    online_rate = _over_total("online")

    def counts(self) -> dict[str, int]:
        return {"total": self.total, "digitised": self.digitised,
                "ethnic_language": self.ethnic_language,
                "foreign_language": self.foreign_language,
                "digital_platform": self.digital_platform, "combined": self.combined,
                "online": self.online}


EMPTY = Tally(0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class GroupRow(Tally):
    """One row of a breakdown: ``code`` None is the row of products with nothing set."""

    code: Optional[str]
    label_vi: str
    label_en: str

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi


@dataclass(frozen=True)
class YearRow(Tally):
    year: int


@dataclass(frozen=True)
class CountRow:
    """A count per commune (``code`` None: no commune, e.g. centre staff's downloads)."""

    code: Optional[str]
    label_vi: str
    label_en: str
    count: int

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi


@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    count: int


@dataclass(frozen=True)
class CommuneMonthRow:
    code: Optional[str]
    label_vi: str
    label_en: str
    year: int
    month: int
    count: int


# The plan's 2028 target for these rates is every product (Decision 1079, target 5):
# they are read against 100 %, the shares against the band of :class:`Target`.
FULL_TARGETS: dict[str, float] = {"digitisation_rate": 1.0, "online_rate": 1.0}


@dataclass(frozen=True)
class Target:
    """A share against the band of Decision 1079; ``verdict`` one of :data:`VERDICTS`."""

    band_min: float
    band_max: float
    verdict: str


@dataclass(frozen=True)
class Projection:
    """Straight line (least squares) through the per-year values, read at ``year``.

    ``None`` when fewer than :data:`MIN_PROJECTION_YEARS` plan years up to today have
    products (``basis_years`` then says how many there are)."""

    year: int
    combined_share: Optional[float]
    digitisation_rate: Optional[float]
    basis_years: tuple[int, ...]


@dataclass(frozen=True)
class Deadline:
    """The next yearly report deadline (setting ``report_deadline``, dd/mm)."""

    on: date
    days_left: int
    today: date


@dataclass(frozen=True)
class Scope:
    """Filters of a statistics request; codes are unit codes (GSO codes resolved).

    ``units``: the unit ids of the account's part (a unit-scoped account, see
    :mod:`app.services.access.unit_scope`), None for everything; products count when
    their lead unit or one of their communes is among them, broadcasts and downloads
    when their commune is. ``account_unit`` / ``account_unit_label``: that account's
    unit (code, name), to say whose part the figures are."""

    date_from: Optional[date] = None
    date_to: Optional[date] = None
    unit: Optional[str] = None
    commune: Optional[str] = None
    rollup: bool = True
    unit_label: Optional[str] = None
    commune_label: Optional[str] = None
    units: Optional[frozenset[int]] = None
    account_unit: Optional[str] = None
    account_unit_label: Optional[str] = None


@dataclass(frozen=True)
class Stats(Tally):
    """Every figure of the dashboard, the API and the yearly report for one scope."""

    scope: Scope
    today: date
    target: Target
    verdicts: dict[str, str]
    by_year: list[YearRow]
    by_unit: list[GroupRow]
    by_commune: list[GroupRow]
    by_kind: list[GroupRow]
    by_language: list[GroupRow]
    by_channel: list[GroupRow]
    by_theme: list[GroupRow]
    by_plan_task: list[GroupRow]
    broadcasts_by_commune: list[CountRow]
    broadcasts_by_month: list[MonthRow]
    broadcasts_by_commune_month: list[CommuneMonthRow]
    downloads_by_commune: list[CountRow]
    projection: Projection
    deadline: Deadline


@dataclass(frozen=True)
class CommuneUse:
    """Broadcasts and downloads of one commune side by side (which communes use Kho)."""

    code: Optional[str]
    label_vi: str
    label_en: str
    broadcasts: int
    downloads: int

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi
