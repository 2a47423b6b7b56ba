"""Broadcast log: "aired on <date>, in the morning, on <commune> radio", its
withdrawal, and the list per commune.

Every form here ends in a redirect to a page (POST-redirect-GET), so a reload never
sends a log or a withdrawal again. The outcome is shown beside the form in the product
page's broadcast section, never only as a flash at the top: a refused log or
withdrawal is kept in the session for the next page (the message, the field it names
and what was typed; shown once) and the browser is sent back to
``/products/<id>#broadcasts``, where the typed values are filled in again and the field
named is focused; a written log redirects to ``/products/<id>?logged=<log id>#broadcasts``
and the section says what was logged. Works without JavaScript: the form posts to
``…#broadcasts`` so the browser lands on the section either way. Withdrawing asks first
(a ``<details>`` with the confirming button inside, no script needed).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional, Union

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.web.common import current_actor, error_message, kho, signed_in
from app.web.formatting import vn_date
from app.web.labels import SLOT_NAMES, SLOT_WORDS, choices
from archive.errors import KhoError, ValidationError

bp = Blueprint("broadcast", __name__)

SHOWN_HERE = ("invalid", "conflict")      # other errors: the error page with its status
LEVEL_WORDS = ("Xã ", "Phường ", "Thị trấn ")   # "trên đài xã …", mid-sentence
OUTCOME = "broadcast_outcome"    # session key: a refusal shown on the next page, once
# characters of each typed value kept across the redirect (the session is a cookie)
KEPT = {"aired_on": 40, "slot": 20, "commune": 60, "note": 1000}


def _field_labels() -> dict[str, str]:
    return {"aired_on": _("Aired on"), "slot": _("Part of the day"),
            "commune": _("Commune"), "note": _("Note")}


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


def _keep(outcome: dict[str, Any], where: Union[int, str]) -> None:
    """Show ``outcome`` on the next page ``where`` is (a product id, or "list")."""
    session[OUTCOME] = dict(outcome, where=where)


def _take(where: Union[int, str]) -> Optional[dict[str, Any]]:
    """The outcome kept for this page, taken out of the session (a reload shows the
    page plain); one kept for another page is dropped too (the reader went elsewhere)."""
    kept = session.pop(OUTCOME, None)
    return kept if isinstance(kept, dict) and kept.get("where") == where else None


def _back_to_product(product_id: int, **args: Any):
    return redirect(url_for("product.product_page", product_id=product_id, **args)
                    + "#broadcasts")


@bp.app_template_global("broadcast_slots")
def broadcast_slots() -> list[tuple[str, str]]:
    """(code, name) of the parts of the day, for the form's choice."""
    return [(code, str(name)) for code, name in SLOT_NAMES.items()]


@bp.app_template_global("airing_text")
def airing_text(row: dict[str, Any], commune: Optional[str] = None) -> str:
    """A log in a sentence: "Aired on 02/08/2025 in the morning on Xã X radio"
    (without the slot when it is not known)."""
    commune = commune or row["commune"]["name"]
    slot = SLOT_WORDS.get(row.get("slot") or "")
    if slot is not None:
        return _("Aired on %(day)s %(slot)s on %(commune)s radio", day=_vn(row["aired_on"]),
                 slot=str(slot), commune=commune)
    return _("Aired on %(day)s on %(commune)s radio", day=_vn(row["aired_on"]),
             commune=commune)


@bp.route("/products/<int:product_id>/broadcasts", methods=["POST"])
@signed_in
def log(product_id: int):
    from app.services.broadcasts.log import log_broadcast

    form = request.form
    values = {name: form.get(name, "")[:most] for name, most in KEPT.items()}
    try:
        row = log_broadcast(kho(), current_actor(), product_id, values["aired_on"],
                            commune_code=values["commune"] or None, note=values["note"],
                            slot=values["slot"] or None)
    except KhoError as exc:
        if exc.code not in SHOWN_HERE:
            raise  # forbidden / not found: the error page with its status
        _keep({"kind": "error", "message": _refusal(exc), "field": exc.field,
               "values": values}, product_id)
        return _back_to_product(product_id)
    return _back_to_product(product_id, logged=row["id"])


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
        # refused for this log (not the author, not on the day): said beside it; a role
        # that may not withdraw at all (no button was shown): the error page, 403
        if exc.code not in SHOWN_HERE and not (exc.code == "forbidden" and exc.field == "id"):
            raise
        shown = {"kind": "error", "message": _refusal(exc), "withdraw_id": broadcast_id}
        if to_list:
            _keep(shown, "list")
            return redirect(url_for("broadcast.list_page", **filters))
        row = get_broadcast(kho(), actor, broadcast_id)      # visible: only refused
        _keep(shown, row["product_id"])
        return _back_to_product(row["product_id"])
    if to_list:
        return redirect(url_for("broadcast.list_page", withdrawn=row["id"], **filters))
    return _back_to_product(row["product_id"], withdrawn=row["id"])


def _withdrawn_message(row: dict[str, Any]) -> str:
    slot = SLOT_WORDS.get(row.get("slot") or "")
    commune = _in_sentence(row["commune"]["name"])
    if slot is not None:
        return _("Withdrawn: the airing of %(day)s %(slot)s on %(commune)s radio no longer "
                 "counts.", day=_vn(row["aired_on"]), slot=str(slot), commune=commune)
    return _("Withdrawn: the airing of %(day)s on %(commune)s radio no longer counts.",
             day=_vn(row["aired_on"]), commune=commune)


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
    refusal kept from the form just sent (with the typed values), or the log written
    or withdrawn just now (``?logged=`` / ``?withdrawn=``); None otherwise."""
    shown = _take(product_id)
    if shown:
        return shown
    logged = request.args.get("logged", type=int)
    row = next((r for r in rows if r["id"] == logged), None) if logged else None
    if row is not None:
        return {"kind": "ok", "message": _logged_message(row)}
    return _withdrawn_outcome(product_id)


def _logged_message(row: dict[str, Any]) -> str:
    slot = SLOT_WORDS.get(row.get("slot") or "")
    commune = _in_sentence(row["commune"]["name"])
    if slot is not None:
        return _("Logged: aired on %(day)s %(slot)s on %(commune)s radio.",
                 day=_vn(row["aired_on"]), slot=str(slot), commune=commune)
    return _("Logged: aired on %(day)s on %(commune)s radio.", day=_vn(row["aired_on"]),
             commune=commune)


@bp.app_template_global("broadcast_airable")
def broadcast_airable(files: list[dict[str, Any]]) -> bool:
    """Whether the product with these files may be logged as aired (a broadcast MP3
    or a playable video proxy): the form is shown only then."""
    from app.services.broadcasts.log import airable

    return airable(files)


@bp.route("/broadcasts")
@signed_in
def list_page():
    """Broadcast logs per commune (commune staff: their own), filter by year."""
    from app.services.access.unit_scope import visible_codes
    from app.services.broadcasts.log import list_broadcasts, names_commune

    actor = current_actor()
    args = request.args
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
        row["slot_name"] = str(SLOT_NAMES[row["slot"]]) if row["slot"] in SLOT_NAMES else ""
        row["slot_words"] = str(SLOT_WORDS[row["slot"]]) if row["slot"] in SLOT_WORDS else ""
    mine = visible_codes(kho(), actor) if names_commune(actor) else None
    communes = [c for c in choices("communes") if mine is None or c[0] in mine] \
        if names_commune(actor) else []
    return render_template("broadcasts.html", rows=rows, communes=communes,
                           commune=commune or "", year=year_text, error=error,
                           outcome=_take("list") or _withdrawn_outcome(None))
