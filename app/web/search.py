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
from app.web.captions import clock_text
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
# flags shown as switches above the facets: has a broadcast copy, captions, a transcript
SWITCHES = (BROADCAST_FILTER, "has_captions", "has_transcript")
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
        if field in SWITCHES:
            continue    # shown as their own switches, above the facets
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
    thumbs = thumbnails(kho(), [h.id for h in result.hits], current_actor())
    media = search_service.hit_media(kho(), [h.id for h in result.hits], current_actor())
    pages = max(1, -(-result.total // result.per_page))
    return render_template(
        "search.html", result=result, args=args, error=error, thumbs=thumbs, media=media,
        facets=_facet_groups(result, args), pages=pages, status_label=status_label,
        broadcast_filter=_broadcast_switch(result, args),
        track_filters=[dict(_switch(result, args, "has_captions"), label=_("Has captions"),
                            role="captions-filter"),
                       dict(_switch(result, args, "has_transcript"),
                            label=_("Has a transcript"), role="transcript-filter")],
        cue_link=_cue_link, cue_words=_cue_words,
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
    return _switch(result, args, BROADCAST_FILTER)


def _switch(result, args: MultiDict, field: str) -> dict:
    """A yes/no filter as a switch: on or off, its link and how many it leaves."""
    on = "true" in args.getlist(field)
    count = result.facets.get(field, {}).get("true", 0)
    return {"on": on, "count": count,
            "url": _url_with(args, **{field: None if on else "true", "page": None})}


def _cue_link(hit) -> str:
    """The product page at the moment a hit's words are said (the player seeks there)."""
    return url_for("product.product_page", product_id=hit.id, t=int(hit.cue.start_s),
                   file=hit.cue.file_id) + f"#file-{hit.cue.file_id}"


def _cue_words(hit) -> str:
    """"Trong bản ghi lời, tại 02:15" / "Trong phụ đề, tại 1:02:15"."""
    moment = clock_text(hit.cue.start_s)
    if hit.cue.kind == "transcript":
        return _("In the transcript, at %(time)s", time=moment)
    return _("In the captions, at %(time)s", time=moment)
