"""The office's dashboard (``/dashboard``): the plan's indicators against their targets,
the per-year trend with its projection to 2028, breakdowns and what to do next.

Office and admin accounts only (others get the 403 page). The filters are a GET form,
so a view can be bookmarked or sent; the period is a year from the picker (or a custom
range), and the yearly report's buttons right under the filters carry the unit and
commune. The rules (the year picked, the report year and its deadline, the distance to
each target, which communes lag) are in ``app/services/stats/periods.py``,
``targets.py`` and ``lagging.py``. Numbers come from :mod:`app.services.stats.plan_progress`, the
same as ``GET /api/v1/stats`` and ``kho stats``.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from app.services.stats.figures import FULL_TARGETS, MIN_PROJECTION_YEARS
from app.web.charts import gauge, trend
from app.web.dashboard_rows import Rows
from app.web.common import current_actor, error_message, kho, signed_in
from app.web.labels import choices, entries
from archive.errors import ValidationError

bp = Blueprint("dashboard", __name__)

INDICATORS = ("digitisation_rate", "combined_share", "ethnic_language_share",
              "foreign_language_share", "digital_platform_share", "online_rate")
BREAKDOWNS = ("by_unit", "by_commune", "by_kind", "by_language", "by_channel", "by_theme",
              "by_plan_task")
REPORT_ENDPOINT = "report.download"     # app/web/report.py (the yearly report engineer's)


def _params() -> dict[str, str]:
    """The statistics filters of the query string, the year picker's period applied
    (ValidationError naming ``year`` for a bad one)."""
    from app.services.stats.periods import year_period
    from app.services.stats.plan_progress import PARAMS

    given = {k: request.args.get(k, "").strip() for k in PARAMS
             if request.args.get(k, "").strip()}
    return year_period(given, request.args.get("year"))


def _ended_units() -> dict[str, str]:
    """Code -> ``merged`` (a successor carries it on) or ``ended`` for every unit no
    longer valid today, so pickers and tables can say so beside the name."""
    return {e.code: "merged" if e.flags.get("successor") else "ended"
            for e in entries("units") if not e.flags.get("current", True)}


def _trend_chart(figures: Any) -> Any:
    from app.services.stats.plan_progress import PLAN_FIRST_YEAR, TARGET_YEAR

    rows = [r for r in figures.by_year
            if PLAN_FIRST_YEAR <= r.year <= figures.today.year and r.total]
    p = figures.projection
    lines = [("series-combined", _("Combined share"),
              [(r.year, r.combined_share.value) for r in rows]),
             ("series-digitised", _("Digitisation rate"),
              [(r.year, r.digitisation_rate.value) for r in rows])]
    projections = [(i, value, p.year) for i, value in
                   enumerate((p.combined_share, p.digitisation_rate)) if value is not None]
    years = range(PLAN_FIRST_YEAR, max(TARGET_YEAR, figures.today.year) + 1)
    return trend(years, lines, band=(figures.target.band_min, figures.target.band_max),
                 projections=projections)


def _cards(figures: Any) -> list[dict[str, Any]]:
    band = (figures.target.band_min, figures.target.band_max)
    cards = []
    for name in INDICATORS:
        ratio = getattr(figures, name)
        target: Optional[float] = FULL_TARGETS.get(name)
        cards.append({"name": name, "ratio": ratio, "verdict": figures.verdicts.get(name),
                      "gauge": gauge(ratio.value, None if target else band, target)})
    return cards


def _within(options: list, codes: Optional[frozenset[str]]) -> list:
    """The picker's options a unit-scoped account may filter on (all when None)."""
    return options if codes is None else [o for o in options if o[0] in codes]


@bp.route("/dashboard")
@signed_in
def dashboard_page():
    """The dashboard for the filters in the query string."""
    from app.services.access.unit_scope import visible_codes
    from app.services.stats.lagging import commune_progress
    from app.services.stats.cache import fingerprint
    from app.services.stats.next_steps import request_next_steps
    from app.services.stats.people_part import scope_people
    from app.services.stats.periods import (picked_year, report_year, year_deadline,
                                            year_options)
    from app.services.stats.plan_progress import request_stats, usage_by_commune
    from app.services.stats.targets import to_targets

    actor = current_actor()
    actor.require("stats.view")          # 403 page for producer and commune accounts
    error, figures, params = "", None, {}
    marks = fingerprint(kho())       # what every figure of the page depends on, read once
    try:
        params = _params()
        figures = request_stats(kho(), actor, params, marks)
    except ValidationError as exc:
        error = error_message(exc)
    mine = visible_codes(kho(), actor)
    communes = _within(choices("communes"), mine)
    view: dict[str, Any] = {}
    if figures is not None:
        year = report_year(figures.scope, figures.today)
        view = dict(
            todo=request_next_steps(kho(), actor, figures.scope, marks=marks),
            people=scope_people(kho(), actor, figures.scope, marks),
            cards=_cards(figures), to_target=to_targets(figures),
            usage=usage_by_commune(figures), chart=_trend_chart(figures),
            commune_rows=commune_progress(figures, {c for c, _name, now in communes if now}),
            years=year_options(figures.by_year, figures.today, figures.scope),
            picked=picked_year(figures.scope), report_year=year,
            deadline=year_deadline(kho().settings, year, figures.today))
    return render_template(
        "dashboard.html", figures=figures, error=error, params=params,
        picked_raw=request.args.get("year", "").strip(), breakdowns=BREAKDOWNS,
        units=_within(choices("lead_unit"), mine), communes=communes,
        ended=_ended_units(), min_years=MIN_PROJECTION_YEARS,
        report_ready=REPORT_ENDPOINT in current_app.view_functions, owed=_owed(actor),
        table_rows=Rows, **view)


def _owed(actor: Any) -> list[dict[str, Any]]:
    """The yearly contributions the account's unit still owes (app/web/contributions.py)."""
    from app.services.contributions.checklist import owed

    return owed(kho(), actor)
