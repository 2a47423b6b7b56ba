"""Server-rendered pages, assembled: each area module holds one blueprint (sign-in,
search, product, upload, edit, broadcasts, admin); this module registers them with the
error pages and the template helpers. Nothing else lives here.
"""
from __future__ import annotations

from flask import Flask

from app.web import activities
from app.web import people
from app.web import access_requests
from app.web import (admin, admin_exports, admin_preservation, auth, broadcasts, consents,
                     contributions, dashboard, edit, product, report, search, upload)
from app.web.common import can, current_actor, local_today, message_text
from app.web.errors import register_error_pages
from app.web.formatting import (change_value, filesize, locale_code, number, percent,
                                vn_date, vn_datetime, vn_iso, vn_iso_time)
from app.web.labels import label, level_label, suggestion_label, suggestion_reason, use_label

AREAS = (auth, search, product, upload, edit, broadcasts, admin, admin_exports, report,
         admin_preservation, dashboard, contributions, activities, people, consents,
         access_requests)


def register_web(app: Flask) -> None:
    """Register every page area, the error pages and the Jinja globals and filters."""
    register_error_pages(app)   # the early upload-size check runs before CSRF
    for area in AREAS:
        app.register_blueprint(area.bp)
    app.add_url_rule("/", "index", auth.index)
    app.jinja_env.globals.update(current_actor=current_actor, locale_code=locale_code,
                                 can=can, label_of=suggestion_label, local_today=local_today,
                                 suggestion_reason=suggestion_reason,
                                 preservation_alert=admin_preservation.alert,
                                 level_label=level_label, use_label=use_label,
                                 field_label=label,
                                 access_decisions=access_requests.decisions_notice,
                                 holds_access_queue=access_requests.may_decide,
                                 access_waiting=access_requests.waiting,
                                 access_asked=access_requests.asked_before)
    app.jinja_env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime, number=number,
                                 filesize=filesize, vn_iso=vn_iso, vn_iso_time=vn_iso_time,
                                 change_value=change_value, message=message_text,
                                 percent=percent)
