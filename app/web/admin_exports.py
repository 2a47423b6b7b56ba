"""The export receipts page: which packages left Kho, when, by whom (admins and office)."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.web.common import current_actor, kho, signed_in

bp = Blueprint("admin_exports", __name__, url_prefix="/admin/exports")


@bp.route("/")
@signed_in
def receipts():
    """Newest receipts first; PermissionDenied (403) for roles that may not export."""
    from app.services.exports import packages

    rows = packages.receipt_rows(kho(), current_actor())
    return render_template("admin_exports.html", receipts=rows)
