"""The activities register's pages (``/activities``): the list with filters and folded
word search (the "Hoạt động" tab beside product search), one activity with its
participants per target group, products, evidence files and history, and the form that
records or edits one (producer, office, admin). Rules: :mod:`app.services.activities`.

A refusal the reader can fix is shown beside its field with what was typed kept (422);
an edit saved meanwhile by someone else re-opens the form with the current values
(409). Works without JavaScript.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import (Blueprint, Response, flash, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _

from app.web.common import current_actor, error_message, kho, signed_in
from archive.errors import KhoError, PreconditionFailed, ValidationError
from app.services.activities.choices import form_choices
from app.services.activities.evidence import (add_evidence as add, evidence_kind_words,
                                              open_evidence, remove_evidence as remove)
from app.services.activities.register import (ActivityFilter, activity_history, create_activity,
                                              delete_activity as delete, get_activity,
                                              list_activities, update_activity)
from app.services.common.parameters import parse_year
from archive.storage import content_disposition

bp = Blueprint("activities", __name__)

COUNT_PARTS = ("total", "women", "ethnic_minority")


def _labels() -> dict[str, str]:
    return {"kind": _("Kind of activity"), "title": _("Title"), "starts_on": _("First day"),
            "ends_on": _("Last day"), "organiser": _("Organising unit"),
            "communes": _("Communes where it took place"), "plan_task": _("Plan task"),
            "place": _("Place"), "description": _("Description"),
            "participants": _("Participants"), "products": _("Products used"),
            "version": _("Version"), "file": _("File"), "kind_of_evidence": _("Kind of file")}


def _choices():

    return form_choices(kho())


@bp.route("/activities")
@signed_in
def list_page():

    args = request.args
    error, status = "", 200
    try:
        year = parse_year(args.get("year"))
    except ValidationError as exc:
        year, error, status = None, error_message(exc), 422
    page_no = int(args["page"]) if args.get("page", "").isdigit() else 1
    f = ActivityFilter(q=args.get("q", "").strip(), kind=args.get("kind", ""),
                       unit=args.get("unit", ""), year=year)
    try:
        page = list_activities(kho(), current_actor(), f, page=min(page_no, 100_000))
    except ValidationError as exc:       # a year out of range: say so, list without it
        error, status = error_message(exc), 422
        f = ActivityFilter(q=f.q, kind=f.kind, unit=f.unit)
        page = list_activities(kho(), current_actor(), f)
    body = render_template("activities.html", page=page, f=f, year=args.get("year", ""),
                           choices=_choices(), error=error)
    return make_response(body, status)


@bp.route("/activities/<int:activity_id>")
@signed_in
def activity_page(activity_id: int):

    activity, people = get_activity(kho(), current_actor(), activity_id)
    history = activity_history(kho(), current_actor(), activity_id)
    return render_template("activity.html", a=activity, people=people, history=history,
                           evidence_words=evidence_kind_words(), labels=_labels())


def _form_data(form) -> dict[str, Any]:
    """The form's fields as the service takes them: one row of counts per target group
    (blank boxes: none), one line per linked product ``id use``."""

    data: dict[str, Any] = {name: form.get(name, "") for name in (
        "kind", "title", "starts_on", "ends_on", "organiser", "plan_task", "place",
        "description")}
    data["communes"] = form.getlist("communes")
    rows = []
    for group in form_choices(kho()).target_groups:
        values = {part: form.get(f"count-{group.code}-{part}", "").strip()
                  for part in COUNT_PARTS}
        if any(values.values()):
            rows.append({"target_group": group.code, **values})
    data["participants"] = rows
    products = []
    for line in form.get("products", "").splitlines():
        parts = line.replace(",", " ").split()
        if parts:
            products.append({"product_id": parts[0].lstrip("#"),
                             "use": parts[1] if len(parts) > 1 else "shown"})
    data["products"] = products
    return data


def _values_of(activity) -> dict[str, Any]:
    """The form's values for an existing activity."""
    values: dict[str, Any] = {
        "kind": activity.kind.code, "title": activity.title,
        "starts_on": activity.starts_on.strftime("%d/%m/%Y"),
        "ends_on": "" if activity.one_day else activity.ends_on.strftime("%d/%m/%Y"),
        "organiser": activity.organiser.code,
        "communes": [c.unit.code for c in activity.communes],
        "plan_task": activity.plan_task.code if activity.plan_task else "",
        "place": activity.place, "description": activity.description,
        "products": "\n".join(f"{p.product_id} {p.use}" for p in activity.products
                              if p.product_id not in activity.hidden_products)}
    for c in activity.counts:
        for part in COUNT_PARTS:
            values[f"count-{c.target_group.code}-{part}"] = str(getattr(c, part))
    return values


def _typed(form) -> dict[str, Any]:
    values = {k: form.get(k, "") for k in form}
    values["communes"] = form.getlist("communes")
    return values


def _form(values: dict[str, Any], errors: dict, *, activity=None, version=None,
          stale: bool = False, status: int = 200) -> Response:
    body = render_template("activity_form.html", v=values, errors=errors, a=activity,
                           version=version, stale=stale, choices=_choices(),
                           labels=_labels(), parts=COUNT_PARTS)
    return make_response(body, status)


@bp.route("/activities/new", methods=["GET", "POST"])
@signed_in
def new_activity():

    current_actor().require("activity.record")
    if request.method == "GET":
        return _form({"communes": []}, {})
    try:
        activity_id = create_activity(kho(), current_actor(), _form_data(request.form))
    except ValidationError as exc:
        return _form(_typed(request.form), exc.fields or {exc.field: error_message(exc)},
                     status=422)
    flash(_("The activity was recorded."), "ok")
    return redirect(url_for("activities.activity_page", activity_id=activity_id))


def _version() -> Optional[int]:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_activity(activity_id: int):

    current_actor().require("activity.record")
    activity, _people = get_activity(kho(), current_actor(), activity_id)
    if request.method == "GET":
        return _form(_values_of(activity), {}, activity=activity, version=activity.version)
    try:
        changes = update_activity(kho(), current_actor(), activity_id,
                                  _form_data(request.form), if_version=_version())
    except ValidationError as exc:
        return _form(_typed(request.form), exc.fields or {exc.field: error_message(exc)},
                     activity=activity, version=_version(), status=422)
    except PreconditionFailed:
        activity, _people = get_activity(kho(), current_actor(), activity_id)
        return _form(_values_of(activity), {}, activity=activity, version=activity.version,
                     stale=True, status=409)
    flash(_("Saved %(n)d change(s).", n=len(changes)) if changes else _("Nothing changed."),
          "ok")
    return redirect(url_for("activities.activity_page", activity_id=activity_id))


@bp.route("/activities/<int:activity_id>/delete", methods=["POST"])
@signed_in
def delete_activity(activity_id: int):

    delete(kho(), current_actor(), activity_id, if_version=_version())
    flash(_("The activity was deleted."), "ok")
    return redirect(url_for("activities.list_page"))


@bp.route("/activities/<int:activity_id>/evidence", methods=["POST"])
@signed_in
def add_evidence(activity_id: int):

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file first."), "error")
    else:
        try:
            added = add(kho(), current_actor(), activity_id, upload.stream, upload.filename,
                        kind=request.form.get("kind", "other"))
        except ValidationError as exc:
            flash(error_message(exc), "error")
        else:
            flash(_("%(name)s was already stored with this activity.", name=added.filename)
                  if added.duplicate else _("%(name)s stored (SHA-256 %(sha)s).",
                                            name=added.filename, sha=added.sha256[:16] + "…"),
                  "ok")
    return redirect(url_for("activities.activity_page", activity_id=activity_id) + "#evidence")


@bp.route("/activities/<int:activity_id>/evidence/<int:evidence_id>")
@signed_in
def evidence_file(activity_id: int, evidence_id: int):

    found = open_evidence(kho(), current_actor(), activity_id, evidence_id)
    return Response(found.chunks, mimetype=found.media_type, headers={
        "Content-Length": str(found.size),
        "Content-Disposition": content_disposition(found.filename)})


@bp.route("/activities/<int:activity_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@signed_in
def remove_evidence(activity_id: int, evidence_id: int):

    try:
        remove(kho(), current_actor(), activity_id, evidence_id)
    except KhoError as exc:
        if exc.code != "not_found":
            raise
        flash(error_message(exc), "error")
    else:
        flash(_("The file was removed from the activity."), "ok")
    return redirect(url_for("activities.activity_page", activity_id=activity_id) + "#evidence")
