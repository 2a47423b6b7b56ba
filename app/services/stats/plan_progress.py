"""The office's figures: how far the plan's 2028 targets are (Decision 1079/QĐ-TTg).

Definitions (the same words are on the dashboard, in docs/DASHBOARD.md and the report):

- **digitisation rate** = digitised products / products in scope; *digitised* means at
  least one original stored with its SHA-256 recorded and processing finished (file
  status ``ready``). A product with no file is not digitised.
- **ethnic-language share**: products with a language flagged ``ethnic_minority``;
  **foreign-language share**: a language flagged ``foreign``, or any language that is
  neither Vietnamese (``vie``) nor ethnic-minority; **digital-platform share**: a channel
  flagged ``digital_platform`` (being uploaded to Kho is not one); **combined share**:
  products that are any of the three, each counted once. Each share is judged against
  the band ``[target_band_min, target_band_max]`` (settings): below, within, above.
- **online rate**: products whose newest published record (``publications``, OAI-PMH or
  export) is not older than the product (``version_at >= products.updated_at``).

Scope: the period is on ``produced_on`` (a product without a date counts in the year,
in Vietnam, it was created in Kho); the lead unit; the commune. Old units roll up into
their successors (``Unit.lineage()``) unless ``rollup`` is off. Everything is counted by
SQL aggregates (:mod:`app.services.stats.breakdowns`); no product row is loaded.
Sensitive products are counted; they are only ever *listed* to roles that may see them
(:mod:`app.services.stats.next_steps`). Only office and admin accounts see statistics.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any, Mapping, Optional

from sqlalchemy import select

from app.bootstrap import Kho
from app.services.stats import breakdowns
from app.services.stats import cache
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units, require_unit
from app.services.common.parameters import parse_bool, parse_date
from app.services.stats.figures import (MIN_PROJECTION_YEARS, PLAN_FIRST_YEAR, SHARES,
                                        TARGET_YEAR, VERDICTS,
                                        EMPTY, CommuneMonthRow, CommuneUse, CountRow, Deadline,
                                        GroupRow,
                                        MonthRow, Projection, Ratio, Scope, Stats, Tally,
                                        Target, YearRow)
from app.services.stats.scope import resolve_unit
from app.services.common.clock import local_today
from archive.errors import ValidationError
from archive.models import Unit
from archive.text import normalize_text

__all__ = ["PLAN_FIRST_YEAR", "SHARES", "TARGET_YEAR", "VERDICTS", "EMPTY", "CommuneMonthRow",
           "CommuneUse", "CountRow", "Deadline", "GroupRow", "MonthRow", "Projection", "Ratio",
           "Scope", "Stats", "Tally", "Target", "YearRow", "compute_stats", "for_account",
           "parse_scope",
           "projection", "report_deadline", "request_stats", "stats_json", "usage_by_commune",
           "verdict", "year_scope"]


def verdict(ratio: Ratio, band_min: float, band_max: float) -> str:
    """``below``/``within``/``above`` the band, compared exactly; ``no_data`` for 0/0."""
    if ratio.denominator == 0:
        return "no_data"
    low, high = Fraction(str(band_min)), Fraction(str(band_max))
    share = ratio.fraction
    return "below" if share < low else "above" if share > high else "within"


def _date_param(params: Mapping[str, Any], name: str) -> Optional[date]:
    """A date; a bare year is its first day for ``from`` and its last day for ``to``."""
    raw = normalize_text(str(params.get(name) or ""))
    if name == "to" and raw.isdigit() and len(raw) == 4:
        raw = f"{raw}-12-31"
    try:
        return parse_date(raw) if raw else None
    except ValueError:
        raise ValidationError("not a date: %(value)s (use dd/mm/yyyy)", field=name,
                              value=raw) from None


def parse_scope(kho: Kho, params: Mapping[str, Any]) -> Scope:
    """Filters from request parameters ``from``, ``to`` (ISO or dd/mm/yyyy), ``unit``
    (lead unit code), ``commune`` (unit code or GSO code), ``rollup`` (default true).

    Raises ValidationError naming the parameter (bad date, ``from`` after ``to``,
    unknown unit or commune, a ``rollup`` that is not yes/no).
    """
    date_from, date_to = _date_param(params, "from"), _date_param(params, "to")
    if date_from and date_to and date_from > date_to:
        raise ValidationError("the period ends (%(to)s) before it starts (%(from)s)",
                              field="to", to=date_to.strftime("%d/%m/%Y"),
                              **{"from": date_from.strftime("%d/%m/%Y")})
    raw_rollup = params.get("rollup")
    try:
        rollup = True if raw_rollup in (None, "") else parse_bool(raw_rollup)
    except ValueError:
        raise ValidationError("not yes or no: %(value)s", field="rollup",
                              value=str(raw_rollup)) from None
    found: dict[str, tuple[Optional[str], Optional[str]]] = {}
    for name, commune in (("unit", False), ("commune", True)):
        code = normalize_text(str(params.get(name) or ""))
        found[name] = resolve_unit(kho, code, commune=commune, field=name) if code \
            else (None, None)
    return Scope(date_from=date_from, date_to=date_to, rollup=rollup,
                 unit=found["unit"][0], unit_label=found["unit"][1],
                 commune=found["commune"][0], commune_label=found["commune"][1])


def year_scope(kho: Kho, year: int, unit: Optional[str] = None,
               commune: Optional[str] = None, rollup: bool = True) -> Scope:
    """The calendar year ``year`` (the yearly report's default period)."""
    if not 1900 <= int(year) <= 2999:
        raise ValidationError("not a year: %(value)s", field="year", value=year)
    return parse_scope(kho, {"from": date(year, 1, 1).isoformat(),
                             "to": date(year, 12, 31).isoformat(), "unit": unit,
                             "commune": commune, "rollup": "true" if rollup else "false"})


def report_deadline(kho: Kho) -> Deadline:
    """The next ``report_deadline`` (dd/mm) on or after Vietnam's today, days left."""
    today = local_today(kho.settings)
    raw = kho.settings.report_deadline
    try:
        day, month = (int(part) for part in raw.strip().split("/")[:2])
        on = date(today.year, month, day)
    except ValueError:
        raise ValidationError("not a day and month (dd/mm): %(value)s",
                              field="report_deadline", value=raw) from None
    if on < today:
        on = on.replace(year=today.year + 1)
    return Deadline(on=on, days_left=(on - today).days, today=today)


def _line_at(points: list[tuple[int, Fraction]], year: int) -> Optional[float]:
    """Least-squares straight line through ``points`` read at ``year``, within 0..1."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = Fraction(sum(x for x, _ in points), n)
    mean_y = sum((y for _, y in points), Fraction(0)) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    value = mean_y + slope * (year - mean_x)
    return float(min(Fraction(1), max(Fraction(0), value)))


def projection(by_year: list[YearRow], today: date) -> Projection:
    """The 2028 projection of the combined share and the digitisation rate from the
    plan years (2023 up to this year) that have products; no values (None) from fewer
    than :data:`MIN_PROJECTION_YEARS` such years (a line through two points is no
    trend: it read "0,0 % in 2028" after one weaker year)."""
    rows = [r for r in by_year if PLAN_FIRST_YEAR <= r.year <= today.year and r.total]
    if len(rows) < MIN_PROJECTION_YEARS:
        return Projection(year=TARGET_YEAR, combined_share=None, digitisation_rate=None,
                          basis_years=tuple(r.year for r in rows))
    return Projection(
        year=TARGET_YEAR,
        combined_share=_line_at([(r.year, r.combined_share.fraction) for r in rows],
                                TARGET_YEAR),
        digitisation_rate=_line_at([(r.year, r.digitisation_rate.fraction) for r in rows],
                                   TARGET_YEAR),
        basis_years=tuple(r.year for r in rows))


def for_account(kho: Kho, actor: Actor, scope: Scope) -> Scope:
    """``scope`` narrowed to ``actor``'s part (:func:`app.services.access.unit_scope.
    actor_units`): unchanged for an account that sees everything. PermissionDenied,
    naming the unit and the field, for a ``unit`` or ``commune`` filter outside it."""
    with kho.transaction() as session:
        units = actor_units(session, actor)
        if units is None:
            return scope
        for field in ("unit", "commune"):
            code = getattr(scope, field)
            unit_id = session.scalar(select(Unit.id).where(Unit.code == code)) if code else None
            if unit_id is not None and unit_id not in units:
                require_unit(session, actor, unit_id, field=field)
        own = session.get(Unit, actor.unit_id)
        return replace(scope, units=units, account_unit=own.code if own else None,
                       account_unit_label=own.name if own else None)


def compute_stats(kho: Kho, actor: Actor, scope: Scope) -> Stats:
    """All figures for ``scope`` within ``actor``'s part (:func:`for_account`), counted
    now; PermissionDenied unless office or admin, or for a filter outside that part.
    ``Stats.scope`` is the narrowed scope."""
    actor.require("stats.view")
    scope = for_account(kho, actor, scope)
    return _stats(kho, scope, breakdowns.aggregate(kho, scope))


def _stats(kho: Kho, scope: Scope, counted: Mapping[str, Any]) -> Stats:
    """Stats from the counts of :func:`app.services.stats.breakdowns.aggregate`."""
    today = local_today(kho.settings)
    parts = dict(counted)
    total: Tally = parts.pop("total")
    s = kho.settings
    verdicts = {name: verdict(getattr(total, name), s.target_band_min, s.target_band_max)
                for name in SHARES}
    return Stats(**total.counts(), scope=scope, today=today,
                 target=Target(s.target_band_min, s.target_band_max,
                               verdicts["combined_share"]),
                 verdicts=verdicts, projection=projection(parts["by_year"], today),
                 deadline=report_deadline(kho), **parts)


PARAMS = ("from", "to", "unit", "commune", "rollup")


def request_stats(kho: Kho, actor: Actor, params: Mapping[str, Any],
                  marks: Optional[cache.Marks] = None) -> Stats:
    """Figures for request parameters (see :func:`parse_scope`), the role checked first
    (PermissionDenied before any parameter is looked at); an unknown parameter is a
    ValidationError naming it (a typo never silently widens the scope).

    The front doors call this one: the counts of products, of broadcasts and of
    downloads are each reused while what they count is unchanged
    (:mod:`app.services.stats.cache`): new downloads or airings are added to the kept
    downloads or broadcasts (the rows since read by id), an edited product recounts
    only the products (added up from the summary cells where they answer the scope).
    ``marks``: the fingerprint the caller already read for this request (a page showing
    other figures too reads it once); read here otherwise."""
    actor.require("stats.view")
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ValidationError("unknown parameter(s): %(names)s; use %(choices)s",
                              field=unknown[0], names=", ".join(unknown),
                              choices=", ".join(PARAMS))
    scope = for_account(kho, actor, parse_scope(kho, params))   # the part is in the key
    marks = marks or cache.fingerprint(kho)       # folds the summary cells first
    counted: dict[str, Any] = {}
    current = isinstance(marks.products[0], int)     # the fingerprint's fold: cells current
    counted.update(cache.cached(kho, ("products", scope), marks.of("products", scope),
                                lambda: breakdowns.products_part(kho, scope, current=current)))
    for part in ("broadcasts", "downloads"):
        compute = getattr(breakdowns, f"{part}_part")

        def grow(old: tuple, counted_then: Any, part=part) -> Any:
            newest = marks.grew(part, scope, old)      # only rows added since?
            return None if newest is None else breakdowns.more_use(
                kho, scope, counted_then, newest, breakdowns.ROWS_SINCE[part])
        counted.update(cache.cached(kho, (part, scope), marks.of(part, scope),
                                    lambda compute=compute: compute(kho, scope),
                                    grow).figures)
    return _stats(kho, scope, counted)


def usage_by_commune(stats: Stats) -> list[CommuneUse]:
    """Broadcasts and downloads per commune in one list, in the order of the broadcasts
    list (Vietnamese alphabetical, "no commune" last)."""
    rows: dict[Optional[str], list] = {}
    for r in stats.broadcasts_by_commune:
        rows[r.code] = [r.label_vi, r.label_en, r.count, 0]
    for r in stats.downloads_by_commune:
        rows.setdefault(r.code, [r.label_vi, r.label_en, 0, 0])[3] = r.count
    ordered = sorted(rows.items(), key=lambda item: item[0] is None)
    return [CommuneUse(code, *values) for code, values in ordered]


def _ratio_json(ratio: Ratio) -> float:
    return ratio.value


def _tally_json(row: Tally) -> dict[str, Any]:
    out: dict[str, Any] = row.counts()
    for name in ("digitisation_rate", "online_rate") + SHARES:
        out[name] = _ratio_json(getattr(row, name))
    return out


def _labelled(row: Any) -> dict[str, Any]:
    return {"code": row.code, "label_vi": row.label_vi, "label_en": row.label_en}


def stats_json(stats: Stats) -> dict[str, Any]:
    """The JSON body of ``GET /api/v1/stats`` (and ``kho stats --json``). Fractions are
    floats 0..1 computed from the exact counts given beside them in ``counts``."""
    sc = stats.scope
    body: dict[str, Any] = {
        "scope": {"from": sc.date_from.isoformat() if sc.date_from else None,
                  "to": sc.date_to.isoformat() if sc.date_to else None,
                  "unit": sc.unit, "commune": sc.commune, "rollup": sc.rollup,
                  "account_unit": sc.account_unit},
        "today": stats.today.isoformat(),
        "total": stats.total, "digitised": stats.digitised,
        "digitisation_rate": _ratio_json(stats.digitisation_rate),
        "online_rate": _ratio_json(stats.online_rate),
    }
    body.update({name: _ratio_json(getattr(stats, name)) for name in SHARES})
    body["counts"] = stats.counts()
    body["target"] = {"band_min": stats.target.band_min, "band_max": stats.target.band_max,
                      "verdict": stats.target.verdict}
    body["verdicts"] = dict(stats.verdicts)
    body["by_year"] = [{"year": r.year, **_tally_json(r)} for r in stats.by_year]
    for name in ("by_unit", "by_commune", "by_kind", "by_language", "by_channel",
                 "by_theme", "by_plan_task"):
        body[name] = [{**_labelled(r), **_tally_json(r)} for r in getattr(stats, name)]
    for name in ("broadcasts_by_commune", "downloads_by_commune"):
        body[name] = [{**_labelled(r), "count": r.count} for r in getattr(stats, name)]
    body["broadcasts_by_month"] = [{"year": r.year, "month": r.month, "count": r.count}
                                   for r in stats.broadcasts_by_month]
    body["broadcasts_by_commune_month"] = [
        {**_labelled(r), "year": r.year, "month": r.month, "count": r.count}
        for r in stats.broadcasts_by_commune_month]
    p = stats.projection
    body["projection"] = {"year": p.year, "combined_share": p.combined_share,
                          "digitisation_rate": p.digitisation_rate,
                          "basis_years": list(p.basis_years)}
    body["deadline"] = {"date": stats.deadline.on.isoformat(),
                        "days_left": stats.deadline.days_left}
    return body
