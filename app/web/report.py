"""The yearly report's download buttons: ``/dashboard/report.xlsx`` and
``/dashboard/report.docx`` (``?year=``, default this year), office and admin only.

The file is written into the spool folder, opened, unlinked and streamed from the
open handle, so nothing is left behind even when the download is aborted.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, request, send_file

from app.web.common import current_actor, kho, signed_in

bp = Blueprint("report", __name__, url_prefix="/dashboard")


@bp.route("/report.<any(xlsx, docx):fmt>")
@signed_in
def download(fmt: str):
    """The report of ``?year=`` as a download named ``bao-cao-<year>.<fmt>``;
    ``?issuer=`` (unit code) and ``?date=`` (dd/mm/yyyy) choose who issues it and on
    which day (default: the account's unit or the consolidating body, today).

    PermissionDenied (403) for producer and commune accounts; ValidationError (422)
    for a year that is not one, or a unit that cannot issue a report on that date (the
    sentence names the unit to pick; no file).
    """
    from app.services.reports.yearly import MEDIA_TYPES, report_filename, write_report
    from app.services.common.parameters import parse_year

    runtime, actor = kho(), current_actor()
    actor.require("stats.view")
    year = parse_year(request.args.get("year"))
    spool = runtime.settings.spool_dir
    spool.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="bao-cao-", suffix=f".{fmt}", dir=spool)
    os.close(handle)
    path = Path(name)
    try:
        written = write_report(runtime, actor, year, path,
                               issuer=request.args.get("issuer") or None,
                               on=request.args.get("date") or None)
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)     # the open handle keeps the bytes until sent
    return send_file(stream, mimetype=MEDIA_TYPES[fmt], as_attachment=True,
                     download_name=report_filename(written.year, fmt), max_age=0)
