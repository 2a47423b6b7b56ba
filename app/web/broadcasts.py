"""Broadcast log: "aired on <date> on <commune> radio" and the list per commune."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.web.common import current_actor, error_message, kho, signed_in
from app.web.formatting import vn_date
from app.web.labels import choices
from archive.errors import KhoError, ValidationError

bp = Blueprint("broadcast", __name__)


@bp.route("/products/<int:product_id>/broadcasts", methods=["POST"])
@signed_in
def log(product_id: int):
    from app.services.broadcasts import log_broadcast

    form = request.form
    try:
        row = log_broadcast(kho(), current_actor(), product_id, form.get("aired_on", ""),
                            commune_code=form.get("commune") or None,
                            note=form.get("note", ""))
    except KhoError as exc:
        if exc.code not in ("invalid", "conflict"):
            raise  # forbidden / not found: the error page with its status
        flash(error_message(exc), "error")
    else:
        flash(_("Logged: aired on %(day)s on %(commune)s radio.",
                day=_vn(row["aired_on"]), commune=row["commune"]["name"]), "ok")
    return redirect(url_for("product.product_page", product_id=product_id) + "#broadcasts")


def _vn(iso: str) -> str:
    return vn_date(date.fromisoformat(iso))


@bp.route("/broadcasts")
@signed_in
def list_page():
    """Broadcast logs per commune (commune staff: their own), filter by year."""
    from app.services.broadcasts import list_broadcasts, names_commune

    actor = current_actor()
    commune = request.args.get("commune") or None
    year_text = request.args.get("year", "").strip()
    error = ""
    try:
        year = int(year_text) if year_text else None
        rows = list_broadcasts(kho(), actor, commune_code=commune, year=year)
    except ValueError:
        error, rows = _("Not a year: %(value)s", value=year_text), []
    except ValidationError as exc:
        error, rows = error_message(exc), []
    for row in rows:
        row["aired_on_date"] = date.fromisoformat(row["aired_on"])
    communes = choices("communes") if names_commune(actor) else []
    return render_template("broadcasts.html", rows=rows, communes=communes,
                           commune=commune or "", year=year_text, error=error)
