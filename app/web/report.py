"""The yearly report's download buttons: ``/dashboard/report.xlsx`` and
``/dashboard/report.docx`` (``?year=``, default this year; ``?unit=`` and
``?commune=``, the dashboard's filters), office and admin only.

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
    """The report of ``?year=`` as a download named
    ``bao-cao-<year>[-<unit>][-<commune>].<fmt>``;
    ``?unit=`` (lead unit code) and ``?commune=`` (unit or GSO code) narrow it as the
    dashboard's filters do; ``?issuer=`` (unit code) and ``?date=`` (dd/mm/yyyy) choose
    who issues it and on which day (default: the commune reported on, the account's
    unit or the consolidating body, today).

    PermissionDenied (403) for producer and commune accounts, or for a unit or commune
    outside a unit-scoped account's part; ValidationError (422) for a year that is not
    one, an unknown unit or commune, or a unit that cannot issue a report on that date
    (the sentence names the unit to pick; no file).
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
    unit = request.args.get("unit", "").strip() or None
    commune = request.args.get("commune", "").strip() or None
    try:
        written = write_report(runtime, actor, year, path, unit=unit, commune=commune,
                               issuer=request.args.get("issuer") or None,
                               on=request.args.get("date") or None)
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)     # the open handle keeps the bytes until sent
    return send_file(stream, mimetype=MEDIA_TYPES[fmt], as_attachment=True,
                     download_name=report_filename(written.year, fmt, unit, commune),
                     max_age=0)
