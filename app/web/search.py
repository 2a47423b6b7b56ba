"""The search page: one box, facet filters with counts, snippets, thumbnails, pages.

A hit shows what commune staff need to choose what to air: the duration ("4 phút 05
giây", as on the product page), a "Broadcast MP3" badge and, for sound without a
picture, the waveform. On a phone the results come first and the filters fold into one
"Filters" control (search.js opens it on wide screens and sends the form when the sort
changes).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.services.catalogue.product_view import thumbnails
from app.services.search import queries as search_service
from app.web.common import current_actor, error_message, kho, signed_in
from app.web.formatting import duration
from app.web.labels import label
from app.web.views import status_label
from archive.errors import ValidationError

bp = Blueprint("search", __name__)

FACET_TITLES = {
    "kind": "Kind", "languages": "Language", "themes": "Theme", "conventions": "Convention",
    "plan_task": "Plan task", "lead_unit": "Lead unit", "communes": "Commune",
    "channels": "Channel", "year": "Year", "status": "Status",
}
FACETS_SHOWN = 8  # values per facet before "more"
BROADCAST_FILTER = "broadcast_copy"   # the "has a broadcast copy" flag (value "true")
# query parameters that are not filters (the "Filters (n)" count leaves them out)
NOT_FILTERS = ("q", "page", "sort", "per_page")


def _facet_label(field: str, value: str) -> str:
    if field == "status":
        return status_label(value)
    return label(field, value)


def _url_with(args: MultiDict, **changes) -> str:
    """The search URL with some parameters replaced (None removes), page reset."""
    merged = MultiDict(args)
    for key, value in changes.items():
        merged.poplist(key)
        if value is not None:
            merged.setlist(key, value if isinstance(value, list) else [value])
    return url_for("search.search_page", **merged.to_dict(flat=False))


def _toggle(args: MultiDict, field: str, value: str) -> str:
    chosen = args.getlist(field)
    new = [v for v in chosen if v != value] if value in chosen else chosen + [value]
    return _url_with(args, **{field: new or None, "page": None})


def _facet_groups(result, args: MultiDict) -> list[dict]:
    groups = []
    for field, counts in result.facets.items():
        if field == BROADCAST_FILTER:
            continue    # shown as its own switch, above the facets
        chosen = set(args.getlist(field))
        if not counts and not chosen:
            continue
        items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if field == "year":
            items = sorted(counts.items(), reverse=True)
        values = [{"value": v, "label": _facet_label(field, v), "count": n,
                   "chosen": v in chosen, "url": _toggle(args, field, v)} for v, n in items]
        groups.append({"field": field, "title": _(FACET_TITLES.get(field, field)),
                       "values": values, "open": bool(chosen), "shown": FACETS_SHOWN})
    return groups


@bp.route("/search")
@signed_in
def search_page():
    args = request.args.copy()
    args.poplist("lang")
    error = ""
    try:
        result = search_service.search(kho(), current_actor(), args)
    except ValidationError as exc:
        error = error_message(exc)
        result = search_service.search(kho(), current_actor(), {"q": args.get("q", "")})
    thumbs = thumbnails(kho(), [h.id for h in result.hits])
    media = search_service.hit_media(kho(), [h.id for h in result.hits])
    pages = max(1, -(-result.total // result.per_page))
    return render_template(
        "search.html", result=result, args=args, error=error, thumbs=thumbs, media=media,
        facets=_facet_groups(result, args), pages=pages, status_label=status_label,
        broadcast_filter=_broadcast_switch(result, args),
        chosen_filters=sum(len(v) for k, v in args.lists() if k not in NOT_FILTERS),
        duration_text=duration,
        kind_label=lambda code: label("kind", code),
        language_label=lambda code: label("languages", code),
        page_url=lambda n: _url_with(args, page=str(n)),
        clear_url=url_for("search.search_page", q=args.get("q", "")) if args.get("q")
        else url_for("search.search_page"),
        sort_options=[("relevance", _("Most relevant")), ("newest", _("Newest")),
                      ("title", _("Title A–Z"))])


def _broadcast_switch(result, args: MultiDict) -> dict:
    """The "has a broadcast copy" switch: on or off, its link and how many it leaves."""
    on = "true" in args.getlist(BROADCAST_FILTER)
    count = result.facets.get(BROADCAST_FILTER, {}).get("true", 0)
    return {"on": on, "count": count,
            "url": _url_with(args, **{BROADCAST_FILTER: None if on else "true", "page": None})}
