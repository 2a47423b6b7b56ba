"""The preservation page for admins: faulty copies of originals, audit coverage and the
replica's lag; and the banner every admin page shows while something is faulty."""
from __future__ import annotations

from typing import Optional

from flask import Blueprint, render_template

from app.web.common import current_actor, kho, signed_in

bp = Blueprint("admin_preservation", __name__, url_prefix="/admin/preservation")


@bp.route("/")
@signed_in
def overview():
    """Faulty files first (product, file, copy, what was found); 403 for non-admins."""
    from app.services.preservation import status

    return render_template("admin_preservation.html",
                           view=status.overview(kho(), current_actor()))


def alert() -> Optional[dict[str, int]]:
    """For base.html: the banner's counts for an admin, None for everyone else."""
    from app.services.preservation import status

    try:
        return status.alert(kho(), current_actor())
    except Exception:  # noqa: BLE001 - an error page must render even when the database is down
        return None
