"""Search (one query string, facet filters) and the controlled vocabularies."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from app.api.common import actor, blueprint, kho, rendition_url
from app.services.search import queries as search_service
from app.services.catalogue import product_view
from app.services.catalogue import vocabularies


def _hit_json(hit, thumbnail_file: int | None,
              media: search_service.HitMedia) -> dict[str, Any]:
    def url_of(file_id: int | None, rendition: str) -> str | None:
        return rendition_url(hit.id, file_id, rendition) if file_id else None

    return {"id": hit.id, "title": hit.title, "title_html": hit.title_html,
            "snippet": hit.snippet, "kind": hit.kind or None, "languages": hit.languages,
            "year": hit.year, "status": hit.status or None,
            "produced_on": hit.produced_on.isoformat() if hit.produced_on else None,
            "url": url_for("api.product", product_id=hit.id),
            "thumbnail_url": url_of(thumbnail_file, "thumbnail"),
            "duration_s": media.duration_s,
            "broadcast_copy": media.broadcast_file is not None,
            "broadcast_url": url_of(media.broadcast_file, "broadcast"),
            "waveform_url": url_of(media.waveform_file, "waveform"),
            # said in a caption or transcript track: when (seconds) and the cue's words
            "cue": {"file_id": hit.cue.file_id, "track_id": hit.cue.track_id,
                    "kind": hit.cue.kind, "start_s": hit.cue.start_s, "html": hit.cue.html}
            if hit.cue else None}


@blueprint.get("/search")
def search() -> Response:
    result = search_service.search(kho(), actor(), request.args)
    ids = [h.id for h in result.hits]
    thumbs = product_view.thumbnails(kho(), ids, actor())
    media = search_service.hit_media(kho(), ids, actor())
    none = search_service.HitMedia()
    return jsonify(total=result.total, page=result.page, per_page=result.per_page,
                   hits=[_hit_json(h, thumbs.get(h.id), media.get(h.id, none))
                         for h in result.hits],
                   facets=result.facets)


def _entry_json(entry) -> dict[str, Any]:
    return {"code": entry.code, "label_vi": entry.label_vi, "label_en": entry.label_en,
            **entry.flags}


@blueprint.get("/vocabularies")
def vocabulary_lists() -> Response:
    lists = vocabularies.all_vocabularies(kho())
    return jsonify({name: [_entry_json(e) for e in entries] for name, entries in lists.items()})


@blueprint.get("/vocabularies/<name>")
def vocabulary(name: str) -> Response:
    entries = vocabularies.list_vocabulary(kho(), name)
    return jsonify(name=name, entries=[_entry_json(e) for e in entries])
