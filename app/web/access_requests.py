"""Access requests in pages: the request form (on the 403 page of a restricted
product), "Yêu cầu truy cập của tôi" (the requester's requests with their status and
the office's reasons: this is how the requester is told), and the owning office's
queue with grant-until-a-date and refuse-with-a-reason (:mod:`app.services.access.requests`).

Every form ends in a redirect (POST-redirect-GET); a refusal of the form (no reason,
a date out of range, someone else deciding first) is a flash on the page it returns
to. Visiting "my requests" marks every decision as read: the page header's notice of
decisions (:func:`decisions_notice`) counts only those made since (kept in the
browser session; a new session shows the last 14 days' decisions once).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.web.common import current_actor, error_message, kho, local_today, signed_in
from app.web.formatting import vn_date
from archive.base import utcnow
from archive.errors import KhoError

bp = Blueprint("access_requests", __name__)

SEEN = "access_seen"          # session key: when the requester last read their requests


def _requests():
    from app.services.access import requests

    return requests


def status_words(row: dict[str, Any]) -> str:
    """A request's state in the reader's language ("Đã cấp quyền đến 31/12/2026")."""
    if row["status"] == "granted":
        until = vn_date(date.fromisoformat(row["grant_until"]))
        if row["active"]:
            return _("Granted until %(day)s", day=until)
        return _("Granted until %(day)s (ended)", day=until)
    return {"pending": _("Waiting for the office's decision"), "refused": _("Refused"),
            "withdrawn": _("Withdrawn")}.get(row["status"], row["status"])


def decisions_notice() -> int:
    """For base.html: how many of the signed-in user's requests were decided since they
    last opened "my requests" (0 on any failure: the header must always render)."""
    actor = current_actor()
    if actor is None:
        return 0
    try:
        seen = session.get(SEEN)
        since: Optional[datetime] = datetime.fromisoformat(seen) if seen else None
        return _requests().decided_since(kho(), actor, since)
    except Exception:  # noqa: BLE001 - a header notice must never break a page
        return 0


def may_decide() -> bool:
    """For base.html: whether the signed-in role holds an access-request queue."""
    return _requests().may_decide(current_actor())


def asked_before() -> bool:
    """For base.html: whether the signed-in user has any access request (False on any
    failure: the header must always render)."""
    try:
        return _requests().has_requests(kho(), current_actor())
    except Exception:  # noqa: BLE001 - a menu link must never break a page
        return False


def waiting() -> int:
    """For base.html: the pending requests in the signed-in officer's queue (0 on any
    failure: the header must always render)."""
    try:
        return _requests().waiting_count(kho(), current_actor())
    except Exception:  # noqa: BLE001 - a menu count must never break a page
        return 0


def _refused(exc: KhoError) -> None:
    flash(error_message(exc), "error")


@bp.post("/products/<int:product_id>/access-requests")
@signed_in
def ask(product_id: int):
    try:
        _requests().ask(kho(), current_actor(), product_id, request.form.get("reason"))
    except KhoError as exc:
        if exc.code not in ("invalid", "conflict"):
            raise
        _refused(exc)
        return redirect(url_for("product.product_page", product_id=product_id))
    flash(_("Your request was sent to the office that owns the product. You will see "
            "its answer here."), "success")
    return redirect(url_for("access_requests.mine"))


@bp.get("/access-requests")
@signed_in
def mine():
    seen = utcnow()       # before reading: a decision made meanwhile is told once more
    rows = _requests().my_requests(kho(), current_actor())
    session[SEEN] = seen.isoformat()
    return render_template("access_requests.html", rows=rows, status_words=status_words)


@bp.get("/access-requests/queue")
@signed_in
def queue():
    status = request.args.get("status") or "pending"
    rows = _requests().queue(kho(), current_actor(), None if status == "all" else status)
    today = local_today()
    days = {"first": today.isoformat(), "suggested": (today + timedelta(days=30)).isoformat(),
            "last": (today + timedelta(days=_requests().MAX_GRANT_DAYS)).isoformat()}
    return render_template("access_queue.html", rows=rows, status=status,
                           status_words=status_words, days=days)


def _decided(request_id: int, decide) -> Any:
    back = url_for("access_requests.queue")
    try:
        decide()
    except KhoError as exc:
        if exc.code not in ("invalid", "conflict"):
            raise
        _refused(exc)
        return redirect(back + f"#request-{request_id}")
    return redirect(back)


@bp.post("/access-requests/<int:request_id>/grant")
@signed_in
def grant(request_id: int):
    def decide() -> None:
        row = _requests().grant(kho(), current_actor(), request_id,
                                request.form.get("grant_until"),
                                version=request.form.get("version"),
                                note=request.form.get("note", ""))
        flash(_("Access granted to %(name)s until %(day)s.", name=row["requester_name"],
                day=vn_date(date.fromisoformat(row["grant_until"]))), "success")
    return _decided(request_id, decide)


@bp.post("/access-requests/<int:request_id>/refuse")
@signed_in
def refuse(request_id: int):
    def decide() -> None:
        row = _requests().refuse(kho(), current_actor(), request_id,
                                 request.form.get("reason"),
                                 version=request.form.get("version"))
        flash(_("The request of %(name)s was refused.", name=row["requester_name"]), "success")
    return _decided(request_id, decide)


@bp.post("/access-requests/<int:request_id>/withdraw")
@signed_in
def withdraw(request_id: int):
    try:
        _requests().withdraw(kho(), current_actor(), request_id,
                             version=request.form.get("version"))
        flash(_("Your request was withdrawn."), "success")
    except KhoError as exc:
        if exc.code not in ("invalid", "conflict"):
            raise
        _refused(exc)
    return redirect(url_for("access_requests.mine"))
