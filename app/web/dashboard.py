"""The office's dashboard (``/dashboard``): the plan's indicators against their targets,
the per-year trend with its projection to 2028, breakdowns and what to do next.

Office and admin accounts only (others get the 403 page). The filters are a GET form,
so a view can be bookmarked or sent. Numbers come from :mod:`app.services.stats.plan_progress`, the
same as ``GET /api/v1/stats`` and ``kho stats``.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from app.services.stats.figures import FULL_TARGETS
from app.web.charts import gauge, trend
from app.web.common import current_actor, error_message, kho, signed_in
from app.web.labels import choices
from archive.errors import ValidationError

bp = Blueprint("dashboard", __name__)

INDICATORS = ("digitisation_rate", "combined_share", "ethnic_language_share",
              "foreign_language_share", "digital_platform_share", "online_rate")
BREAKDOWNS = ("by_unit", "by_commune", "by_kind", "by_language", "by_channel", "by_theme",
              "by_plan_task")
REPORT_ENDPOINT = "report.download"     # app/web/report.py (the yearly report engineer's)


def _params() -> dict[str, str]:
    from app.services.stats.plan_progress import PARAMS

    return {k: request.args.get(k, "").strip() for k in PARAMS if request.args.get(k, "").strip()}


def _report_year(figures: Any) -> int:
    """The year the report buttons ask for: the period's, when it lies in one year."""
    sc = figures.scope
    if sc.date_from and sc.date_to and sc.date_from.year == sc.date_to.year:
        return sc.date_from.year
    return figures.today.year


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
    from app.services.stats.plan_progress import request_stats, usage_by_commune
    from app.services.stats.next_steps import request_next_steps
    from app.services.activities.people_view import scope_figures

    actor = current_actor()
    actor.require("stats.view")          # 403 page for producer and commune accounts
    params = _params()
    error, figures, todo = "", None, None
    try:
        figures = request_stats(kho(), actor, params)
    except ValidationError as exc:
        error = error_message(exc)
    if figures is not None:
        todo = request_next_steps(kho(), actor, figures.scope)
    mine = visible_codes(kho(), actor)
    people = scope_figures(kho(), actor, figures.scope) if figures is not None else None
    return render_template(
        "dashboard.html", figures=figures, todo=todo, error=error, params=params,
        cards=_cards(figures) if figures else [], breakdowns=BREAKDOWNS,
        usage=usage_by_commune(figures) if figures else [],
        chart=_trend_chart(figures) if figures else None,
        units=_within(choices("lead_unit"), mine), communes=_within(choices("communes"), mine),
        report_year=_report_year(figures) if figures else None,
        report_ready=REPORT_ENDPOINT in current_app.view_functions, owed=_owed(actor),
        people=people)


def _owed(actor: Any) -> list[dict[str, Any]]:
    """The yearly contributions the account's unit still owes (app/web/contributions.py)."""
    from app.services.contributions.checklist import owed

    return owed(kho(), actor)
