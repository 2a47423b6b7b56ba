"""``GET`` and ``POST /oai``: the arguments go to the data provider service and its
XML comes back streamed (records written as they are made, sent in ~64 KiB blocks).
Protocol errors are answered inside the XML with HTTP 200, as OAI-PMH asks."""
from __future__ import annotations

from typing import Iterator

from flask import Blueprint, Response, current_app, request, stream_with_context

from app.services.oai.provider import respond
from app.services.records.native import base_url

bp = Blueprint("oai", __name__)
BLOCK = 64 * 1024      # bytes sent per write: a record per write costs a syscall each


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    kho = current_app.extensions["kho"]
    source = request.form if request.method == "POST" else request.args
    pairs = list(source.items(multi=True))
    # the base URL harvesters are told: the configured public one, or the one they used
    url = f"{base_url(kho.settings)}/oai" if kho.settings.public_url else request.base_url
    chunks = respond(kho, url, pairs)
    return Response(stream_with_context(_blocks(chunks)),
                    content_type="text/xml; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def _blocks(chunks: Iterator[str]) -> Iterator[bytes]:
    """The XML chunks re-cut into writes of about BLOCK bytes (still streamed)."""
    buffer, size = [], 0
    for chunk in chunks:
        data = chunk.encode("utf-8")
        buffer.append(data)
        size += len(data)
        if size >= BLOCK:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)
