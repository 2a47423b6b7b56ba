"""Page parts several areas share: a product as pages show it, its labels and media
URLs, and the broadcast logs beside it. Areas import these; nothing here registers a
route.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from app.web.common import current_actor, kho
from app.web.formatting import locale_code
from app.web.labels import choices

STATUS_LABELS = {"draft": "Draft", "processing": "Processing", "ready": "Ready",
                 "failed": "Failed"}


def status_label(code: str, warnings: int = 0) -> str:
    """A status in words; a ready product with failed files (``warnings``) is "ready,
    with a warning" (its status stays ``ready``: it can be used)."""
    if code == "ready" and warnings:
        return _("Ready, with a warning")
    return _(STATUS_LABELS.get(code, code))


def term_label(term: dict | None) -> str:
    if not term:
        return ""
    return (term.get("label_en") if locale_code() == "en" else "") or term.get("label_vi") \
        or term.get("code", "")


def media_url(product_id: int, file_id: int, rendition: str, download: bool = False) -> str:
    return url_for("product.file_bytes", product_id=product_id, file_id=file_id,
                   rendition=rendition, **({"download": 1} if download else {}))


def product_view(product_id: int) -> dict:
    from app.services.catalogue.product_view import product_view as view

    return view(kho(), current_actor(), product_id)


def broadcasts_of_product(product_id: int) -> list[dict]:
    """Logs of one product the signed-in user may see (commune staff: their own)."""
    from app.services.broadcasts.log import list_broadcasts

    return list_broadcasts(kho(), current_actor(), product_id=product_id)


def communes_for(actor) -> list[tuple[str, str, bool]]:
    """Communes an admin may pick when logging (today's first, then the merged ones,
    for airings before their merger); commune staff log for their own."""
    from app.services.broadcasts.log import names_commune

    if actor is None or not (actor.can("broadcast.log") and names_commune(actor)):
        return []
    return choices("communes")
