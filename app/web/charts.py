"""Geometry of the dashboard's server-rendered SVG charts (no JavaScript, no assets).

Plain functions from figures to coordinates in each chart's ``viewBox``; the template
draws them with SVG elements and CSS classes from ``kho.css`` (the strict CSP forbids
inline ``style`` attributes; SVG presentation attributes and classes are fine). Each
chart's numbers are also printed as a table beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

GAUGE_WIDTH = 100.0       # viewBox units of the band gauge: 0..100 %


@dataclass(frozen=True)
class Gauge:
    """A horizontal 0-100 % bar: the value, the target band (or a single target)."""

    value: float                       # 0..100
    band_from: Optional[float] = None  # 0..100
    band_to: Optional[float] = None


def gauge(value: float, band: Optional[tuple[float, float]] = None,
          target: Optional[float] = None) -> Gauge:
    """A fraction (0..1) against a band ``(min, max)`` or a single ``target``."""
    def pct(x: float) -> float:
        return round(max(0.0, min(1.0, x)) * GAUGE_WIDTH, 2)
    if band is not None:
        return Gauge(pct(value), pct(band[0]), pct(band[1]))
    if target is not None:
        return Gauge(pct(value), pct(target), pct(target))
    return Gauge(pct(value))


@dataclass
class Trend:
    """A per-year line chart of fractions (0..1), with the band and a projection."""

    width: int = 480
    height: int = 240
    left: int = 48
    right: int = 16
    top: int = 14
    bottom: int = 30
    years: list[int] = field(default_factory=list)
    x_ticks: list[dict[str, Any]] = field(default_factory=list)
    y_ticks: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    band: Optional[dict[str, float]] = None
    projections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    def x(self, year: int) -> float:
        span = max(1, self.years[-1] - self.years[0])
        inner = self.width - self.left - self.right
        return round(self.left + (year - self.years[0]) * inner / span, 1)

    def y(self, fraction: float) -> float:
        inner = self.height - self.top - self.bottom
        return round(self.top + (1 - max(0.0, min(1.0, fraction))) * inner, 1)


def trend(years: Sequence[int], lines: Sequence[tuple[str, str, Sequence[tuple[int, float]]]],
          band: Optional[tuple[float, float]] = None,
          projections: Sequence[tuple[int, float, int]] = ()) -> Trend:
    """The chart over ``years`` of ``lines`` — (css class, label, (year, fraction)
    points) — with the shaded ``band`` and dashed ``projections`` (index of the line,
    value, year), each drawn from that line's last point."""
    chart = Trend(years=sorted(years))
    chart.x_ticks = [{"x": chart.x(y), "label": str(y)} for y in chart.years]
    chart.y_ticks = [{"y": chart.y(v / 100), "percent": v} for v in (0, 25, 50, 75, 100)]
    for css, label, values in lines:
        points = [(chart.x(y), chart.y(v)) for y, v in values]
        chart.series.append({"css": css, "label": label, "points": points,
                             "path": " ".join(f"{x},{y}" for x, y in points)})
    if band is not None:
        chart.band = {"x": chart.left, "width": chart.width - chart.left - chart.right,
                      "y": chart.y(band[1]),
                      "height": round(chart.y(band[0]) - chart.y(band[1]), 1)}
    for index, value, year in projections:
        line = chart.series[index]
        if line["points"]:
            x1, y1 = line["points"][-1]
            chart.projections.append({"css": line["css"], "x1": x1, "y1": y1,
                                      "x2": chart.x(year), "y2": chart.y(value),
                                      "value": value, "year": year})
    return chart
