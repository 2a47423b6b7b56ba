"""Yearly contributions (``/contributions``): the consolidating body's checklist (who was
expected, who submitted, who is late, days left) and one unit's contribution page,
where its office writes results, difficulties and proposals, saves and submits, and
the consolidating body returns it with a reason or accepts it.

Rules and permissions are :mod:`app.services.contributions`; a refusal the reader can
fix (422) or a state that changed (409) is shown above the form with the typed text
kept, other refusals are the error page with their status. Works without JavaScript.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.web.common import current_actor, error_message, kho, local_today, signed_in
from archive.errors import KhoError
from app.services.contributions import filing
from app.services.contributions.checklist import bodies, checklist, owed
from app.services.contributions.contribution_view import get_contribution
from app.services.contributions.rules import PLAN_YEARS, parse_ids

bp = Blueprint("contributions", __name__)

SHOWN_HERE = {"invalid": 422, "conflict": 409}
TEXT_FIELDS = ("results", "difficulties", "proposals")


def _field_labels() -> dict[str, str]:
    return {"results": _("Results"), "difficulties": _("Difficulties"),
            "proposals": _("Proposals"), "product_ids": _("Linked products"),
            "activity_ids": _("Linked activities"), "reason": _("Reason for returning"),
            "year": _("Year"), "unit": _("Unit"), "state": _("State")}


def _refusal(exc: KhoError) -> str:
    label = _field_labels().get(exc.field or "")
    text = error_message(exc)
    return f"{label}: {text}" if label else text


def _default_year() -> int:

    return min(max(local_today().year, PLAN_YEARS[0]), PLAN_YEARS[-1])


@bp.route("/contributions")
@signed_in
def checklist_page():
    """The checklist of ``?unit=`` (default: the account's unit) for ``?year=``."""

    actor = current_actor()
    year = request.args.get("year", "").strip() or str(_default_year())
    unit = request.args.get("unit", "").strip() or None
    owes = owed(kho(), actor)
    error, board, status, choices = "", None, 200, []
    try:
        board = checklist(kho(), actor, year, unit)
        choices = board["bodies"]
    except KhoError as exc:
        if exc.code not in SHOWN_HERE:
            raise
        choices = bodies(kho(), actor, year)
        # a contributing unit's own account (no body in its scope): what it owes, no refusal
        if unit is not None or exc.field != "unit" or choices:
            error, status = _refusal(exc), SHOWN_HERE[exc.code]
    body = render_template("contributions.html", board=board, error=error, year=year,
                           unit=unit or "", years=list(PLAN_YEARS), owed=owes,
                           choices=choices)
    return make_response(body, status)


def _page(unit: str, year: str, *, outcome: Optional[dict[str, Any]] = None,
          typed: Optional[dict[str, str]] = None, status: int = 200):

    item = get_contribution(kho(), current_actor(), unit, year)
    shown = dict(item)
    if typed:
        shown.update(typed)
    body = render_template("contribution.html", item=item, shown=shown, outcome=outcome,
                           labels=_field_labels())
    return make_response(body, status)


@bp.route("/contributions/<unit>/<year>")
@signed_in
def contribution_page(unit: str, year: str):
    done = request.args.get("done", "")
    words = {"save": _("Draft saved."), "submit": _("Submitted to the consolidating body."),
             "return": _("Returned to the unit with your reason."),
             "accept": _("Accepted.")}
    outcome = {"kind": "ok", "message": words[done]} if done in words else None
    return _page(unit, year, outcome=outcome)


@bp.route("/contributions/<unit>/<year>", methods=["POST"])
@signed_in
def file_contribution(unit: str, year: str):
    """Save (``action=save``) or submit (``action=submit``) the typed fields."""

    form = request.form
    typed = {name: form.get(name, "") for name in TEXT_FIELDS}
    raw = {name: form.get(name, "") for name in ("product_ids", "activity_ids")}
    action = "submit" if form.get("action") == "submit" else "save"
    try:
        data: dict[str, Any] = dict(typed)
        for name, value in raw.items():
            data[name] = parse_ids(name, value)
        if action == "submit":
            filing.submit_contribution(kho(), current_actor(), unit, year, data)
        else:
            filing.save_contribution(kho(), current_actor(), unit, year, data)
    except KhoError as exc:
        if exc.code not in SHOWN_HERE:
            raise
        return _page(unit, year, outcome={"kind": "error", "message": _refusal(exc),
                                          "field": exc.field},
                     typed={**typed, "typed_ids": raw}, status=SHOWN_HERE[exc.code])
    return redirect(url_for("contributions.contribution_page", unit=unit, year=year,
                            done=action))


@bp.route("/contributions/<unit>/<year>/review", methods=["POST"])
@signed_in
def review_contribution(unit: str, year: str):
    """Return (``action=return`` with ``reason``) or accept (``action=accept``)."""

    action = "accept" if request.form.get("action") == "accept" else "return"
    reason = request.form.get("reason", "")
    try:
        if action == "accept":
            filing.accept_contribution(kho(), current_actor(), unit, year)
        else:
            filing.return_contribution(kho(), current_actor(), unit, year, reason)
    except KhoError as exc:
        if exc.code not in SHOWN_HERE:
            raise
        return _page(unit, year, outcome={"kind": "error", "message": _refusal(exc),
                                          "field": exc.field},
                     typed={"typed_reason": reason}, status=SHOWN_HERE[exc.code])
    return redirect(url_for("contributions.contribution_page", unit=unit, year=year,
                            done=action))
