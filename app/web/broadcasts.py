"""Broadcast log: "aired on <date> on <commune> radio", its withdrawal, and the list
per commune.

The outcome of logging or withdrawing is shown beside the form in the product page's
broadcast section, never only as a flash at the top: a refused log renders the product
page in place (status 409/422, the typed date, commune and note kept, the field named
and focused); a written one redirects to ``/products/<id>?logged=<log id>#broadcasts``
and the section says what was logged. Works without JavaScript: the form posts to
``…#broadcasts`` so the browser lands on the section either way. Withdrawing asks first
(a ``<details>`` with the confirming button inside, no script needed).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import (Blueprint, current_app, g, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _

from app.web.common import current_actor, error_message, kho, signed_in
from app.web.formatting import vn_date
from app.web.labels import choices
from archive.errors import KhoError, ValidationError

bp = Blueprint("broadcast", __name__)

SHOWN_HERE = ("invalid", "conflict")      # other errors: the error page with its status
STATUS = {"invalid": 422, "conflict": 409, "forbidden": 403}
LEVEL_WORDS = ("Xã ", "Phường ", "Thị trấn ")   # "trên đài xã …", mid-sentence


def _field_labels() -> dict[str, str]:
    return {"aired_on": _("Aired on"), "commune": _("Commune"), "note": _("Note")}


def _refusal(exc: KhoError) -> str:
    """The error in the page's language, led by the name of the field it is about."""
    label = _field_labels().get(exc.field or "")
    text = error_message(exc)
    return f"{label}: {text}" if label else text


def _in_sentence(name: str) -> str:
    """A commune's name inside a sentence: "Xã Đăk Kôi" -> "xã Đăk Kôi"."""
    for word in LEVEL_WORDS:
        if name.startswith(word):
            return word.lower() + name[len(word):]
    return name


def _vn(iso: str) -> str:
    return vn_date(date.fromisoformat(iso))


def _product_page_in_place(product_id: int, outcome: dict[str, Any], status: int):
    """The product page (its own view, found by endpoint: areas never import each
    other) with ``outcome`` beside the broadcast form."""
    g.broadcast_outcome = dict(outcome, product_id=product_id)
    body = current_app.view_functions["product.product_page"](product_id=product_id)
    return make_response(body, status)


@bp.route("/products/<int:product_id>/broadcasts", methods=["POST"])
@signed_in
def log(product_id: int):
    from app.services.broadcasts.log import log_broadcast

    form = request.form
    values = {name: form.get(name, "") for name in ("aired_on", "commune", "note")}
    try:
        row = log_broadcast(kho(), current_actor(), product_id, values["aired_on"],
                            commune_code=values["commune"] or None, note=values["note"])
    except KhoError as exc:
        if exc.code not in SHOWN_HERE:
            raise  # forbidden / not found: the error page with its status
        return _product_page_in_place(product_id, {
            "kind": "error", "message": _refusal(exc), "field": exc.field,
            "values": values}, STATUS[exc.code])
    return redirect(url_for("product.product_page", product_id=product_id,
                            logged=row["id"]) + "#broadcasts")


@bp.route("/broadcasts/<int:broadcast_id>/withdraw", methods=["POST"])
@signed_in
def withdraw(broadcast_id: int):
    """Withdraw a log (the confirming button of the "Withdraw…" control); back to the
    product page, or to the list (``back=list``, its filters kept)."""
    from app.services.broadcasts.withdrawal import get_broadcast, withdraw_broadcast

    actor = current_actor()
    to_list = request.form.get("back") == "list"
    filters = {k: request.form.get(k, "") for k in ("commune", "year") if request.form.get(k)}
    try:
        row = withdraw_broadcast(kho(), actor, broadcast_id)
    except KhoError as exc:
        if exc.code not in SHOWN_HERE + ("forbidden",):
            raise
        shown = {"kind": "error", "message": _refusal(exc), "withdraw_id": broadcast_id}
        if to_list:
            return make_response(list_page(outcome=shown), STATUS[exc.code])
        row = get_broadcast(kho(), actor, broadcast_id)      # visible: only refused
        return _product_page_in_place(row["product_id"], shown, STATUS[exc.code])
    if to_list:
        return redirect(url_for("broadcast.list_page", withdrawn=row["id"], **filters))
    return redirect(url_for("product.product_page", product_id=row["product_id"],
                            withdrawn=row["id"]) + "#broadcasts")


def _withdrawn_message(row: dict[str, Any]) -> str:
    return _("Withdrawn: the airing of %(day)s on %(commune)s radio no longer counts.",
             day=_vn(row["aired_on"]), commune=_in_sentence(row["commune"]["name"]))


def _withdrawn_outcome(product_id: Optional[int]) -> Optional[dict[str, Any]]:
    """``?withdrawn=<id>``: the log withdrawn just now, said plainly (nothing if the
    id is not a withdrawn log of this product that the reader may see)."""
    from app.services.broadcasts.withdrawal import get_broadcast

    withdrawn = request.args.get("withdrawn", type=int)
    if withdrawn is None:
        return None
    try:
        row = get_broadcast(kho(), current_actor(), withdrawn)
    except KhoError:
        return None
    if not row["withdrawn_at"] or product_id not in (None, row["product_id"]):
        return None
    return {"kind": "ok", "message": _withdrawn_message(row)}


@bp.app_template_global("broadcast_outcome")
def broadcast_outcome(product_id: int, rows: list[dict[str, Any]]) -> Optional[dict]:
    """What the broadcast section of product ``product_id`` says beside its form: a
    refusal rendered in place (with the typed values), or the log written or withdrawn
    just now (``?logged=`` / ``?withdrawn=``); None otherwise."""
    shown = g.get("broadcast_outcome")
    if shown and shown.get("product_id") == product_id:
        return shown
    logged = request.args.get("logged", type=int)
    row = next((r for r in rows if r["id"] == logged), None) if logged else None
    if row is not None:
        return {"kind": "ok", "message": _(
            "Logged: aired on %(day)s on %(commune)s radio.", day=_vn(row["aired_on"]),
            commune=_in_sentence(row["commune"]["name"]))}
    return _withdrawn_outcome(product_id)


@bp.app_template_global("broadcast_airable")
def broadcast_airable(files: list[dict[str, Any]]) -> bool:
    """Whether the product with these files may be logged as aired (a broadcast MP3
    or a playable video proxy): the form is shown only then."""
    from app.services.broadcasts.log import airable

    return airable(files)


@bp.route("/broadcasts")
@signed_in
def list_page(outcome: Optional[dict[str, Any]] = None):
    """Broadcast logs per commune (commune staff: their own), filter by year."""
    from app.services.access.unit_scope import visible_codes
    from app.services.broadcasts.log import list_broadcasts, names_commune

    actor = current_actor()
    args = request.form if request.method == "POST" else request.args
    commune = args.get("commune") or None
    year_text = args.get("year", "").strip()
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
        row["commune_in_sentence"] = _in_sentence(row["commune"]["name"])
    mine = visible_codes(kho(), actor) if names_commune(actor) else None
    communes = [c for c in choices("communes") if mine is None or c[0] in mine] \
        if names_commune(actor) else []
    return render_template("broadcasts.html", rows=rows, communes=communes,
                           commune=commune or "", year=year_text, error=error,
                           outcome=outcome or _withdrawn_outcome(None))
