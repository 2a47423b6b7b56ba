"""``GET`` and ``POST /oai``: the arguments go to the data provider service and its
XML comes back streamed, record by record. Protocol errors are answered inside the
XML with HTTP 200, as OAI-PMH asks."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from app.services.oai_provider import respond
from app.services.records import base_url

bp = Blueprint("oai", __name__)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    kho = current_app.extensions["kho"]
    source = request.form if request.method == "POST" else request.args
    pairs = list(source.items(multi=True))
    # the base URL harvesters are told: the configured public one, or the one they used
    url = f"{base_url(kho.settings)}/oai" if kho.settings.public_url else request.base_url
    chunks = respond(kho, url, pairs)
    return Response(stream_with_context(chunk.encode("utf-8") for chunk in chunks),
                    content_type="text/xml; charset=utf-8",
                    headers={"Cache-Control": "no-store"})
