"""People trained and the spokesperson mechanism, for office and admin accounts:

- ``/activities/<id>/attendance``: the activity's attendance list (personal data) and
  the sheet import with its QC report (one line per problem naming row and column);
- ``/people``: the correction screen (find people, merge spellings of one person) and
  ``/people/<id>`` (their attendances; split off a namesake);
- ``/people/staff``: staff per unit and target group of a year (the denominators);
- ``/people/spokespersons``: the spokesperson mechanism per body and year.

Rules: :mod:`app.services.activities` (attendance_import, people_matching, people_view,
spokespersons). Works without JavaScript; a refusal the reader can fix is shown above
the form (422), other refusals are the error page.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from app.web.common import current_actor, error_message, kho, local_today, signed_in
from archive.errors import KhoError, ValidationError
from app.services.activities.attendance_import import import_attendance_stream
from app.services.activities.people_matching import (list_people, merge_people, person_attendances,
                                                     split_person)
from app.services.activities.people_view import attendance_list
from app.services.activities.spokespersons import (set_spokesperson, set_staff_count,
                                                   spokespersons, staff_counts, target_groups)
from app.web.labels import choices
from flask_babel import get_translations

bp = Blueprint("people", __name__)


def _fixable(exc: KhoError) -> bool:
    return exc.code in ("invalid", "conflict")


@bp.route("/activities/<int:activity_id>/attendance", methods=["GET", "POST"])
@signed_in
def attendance_page(activity_id: int):
    """The list, and (POST, a ``sheet`` file) the import with its QC report."""


    actor = current_actor()
    outcome, error, status = None, "", 200
    if request.method == "POST":
        upload = request.files.get("sheet")
        try:
            if upload is None or not upload.filename:
                raise ValidationError("choose the attendance sheet (CSV or XLSX)", field="sheet")
            outcome = import_attendance_stream(kho(), actor, activity_id, upload.stream,
                                               upload.filename,
                                               dry_run=bool(request.form.get("dry_run")))
            status = 422 if outcome.problems else 200
        except KhoError as exc:
            if not _fixable(exc):
                raise
            error, status = error_message(exc), 422
    people = attendance_list(kho(), actor, activity_id)
    reader = get_translations().gettext
    problems = [p.render(reader) for p in outcome.problems] if outcome else []
    notes = [n.render(reader) for n in outcome.notes] if outcome else []
    body = render_template("people_attendance.html", activity_id=activity_id, people=people,
                           outcome=outcome, problems=problems, notes=notes, error=error)
    return make_response(body, status)


@bp.route("/people")
@signed_in
def people_page():

    query = request.args.get("q", "").strip()
    people = list_people(kho(), current_actor(), query)
    return render_template("people.html", people=people, query=query, error="")


@bp.route("/people/merge", methods=["POST"])
@signed_in
def merge():

    ids = [int(i) for i in request.form.getlist("person") if i.isdigit()]
    keep = request.form.get("keep", "")
    try:
        if not keep.isdigit():
            raise ValidationError("choose the person to keep", field="keep")
        merge_people(kho(), current_actor(), int(keep), ids)
    except KhoError as exc:
        if not _fixable(exc):
            raise
        body = render_template("people.html", error=error_message(exc),
                               people=list_people(kho(), current_actor(), ""), query="")
        return make_response(body, 422)
    return redirect(url_for("people.person_page", person_id=int(keep)), 303)


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@signed_in
def person_page(person_id: int):
    """A person's attendances; POST moves the ticked ones to a new namesake."""

    error, status = "", 200
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("attendance") if i.isdigit()]
        try:
            new_id = split_person(kho(), current_actor(), person_id, ids,
                                  request.form.get("name") or None)
            return redirect(url_for("people.person_page", person_id=new_id), 303)
        except KhoError as exc:
            if not _fixable(exc):
                raise
            error, status = error_message(exc), 422
    person, rows = person_attendances(kho(), current_actor(), person_id)
    return make_response(render_template("person.html", person=person, rows=rows,
                                         error=error), status)


def _year() -> str:
    return (request.values.get("year") or "").strip() or str(local_today().year)


@bp.route("/people/staff", methods=["GET", "POST"])
@signed_in
def staff_page():
    """Staff per unit and target group of ``?year=``; POST records one number."""

    year, error, status = _year(), "", 200
    if request.method == "POST":
        f = request.form
        try:
            set_staff_count(kho(), current_actor(), f.get("unit", ""), year,
                            f.get("target_group", ""), f.get("staff", ""))
            return redirect(url_for("people.staff_page", year=year), 303)
        except KhoError as exc:
            if not _fixable(exc):
                raise
            error, status = error_message(exc), 422
    lines = staff_counts(kho(), current_actor(), year)
    return make_response(render_template(
        "people_records.html", kind="staff", year=year, lines=lines, error=error,
        units=choices("lead_unit"), groups=_groups()), status)


@bp.route("/people/spokespersons", methods=["GET", "POST"])
@signed_in
def spokespersons_page():
    """Spokesperson records of ``?year=``; POST records one body."""

    year, error, status = _year(), "", 200
    if request.method == "POST":
        f = request.form
        try:
            set_spokesperson(kho(), current_actor(), f.get("unit", ""), year,
                             f.get("designated") == "yes", f.get("name", ""),
                             f.get("position", ""), f.get("note", ""))
            return redirect(url_for("people.spokespersons_page", year=year), 303)
        except KhoError as exc:
            if not _fixable(exc):
                raise
            error, status = error_message(exc), 422
    lines = spokespersons(kho(), current_actor(), year)
    return make_response(render_template(
        "people_records.html", kind="spokespersons", year=year, lines=lines, error=error,
        units=choices("lead_unit"), groups=[]), status)


def _groups() -> list[Any]:

    return target_groups(kho())
