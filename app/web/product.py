"""The product page, its processing status (JSON for polling), the byte route
serving originals and renditions with HTTP Range support, and the page-by-page
reader of PDFs (one rendered page image per page, links to the previous and next)."""
from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.services.catalogue.product_view import (download_name, extension_for,
                                                 shows_technical_details)
from app.services.captions.reading import open_track
from app.services.catalogue.products import product_history
from app.services.common.clock import local_today
from app.services.files.downloads import RangeNotSatisfiable, open_rendition, parse_range
from app.services.files.pdf_pages import check_page, page_image, pdf_pages
from app.web import captions
from app.web.common import current_actor, kho, message_text, signed_in
from app.web import near_duplicates as near_words
from app.web.formatting import paragraphs
from app.web.history import history_entries
from app.web.labels import suggestion_label, suggestion_reason
from app.web.technical import (downloads, file_facts, type_mismatch,
                               original_extension, technical_rows)
from app.web.views import (broadcasts_of_product, communes_for, media_url, product_view,
                           status_label, term_label)
from archive.errors import NotFound
from archive.storage import content_disposition

bp = Blueprint("product", __name__)
_PAGE_NUMBER = re.compile(r"[0-9]{1,9}")

TEXT_PREVIEW_BYTES = 20_000  # bytes of extracted text shown on the page
CATEGORY_ORDER = {"video": 0, "audio": 1, "image": 2, "pdf": 3, "text": 4}


def _text_excerpt(product_id: int, file: dict) -> str:
    """The first TEXT_PREVIEW_BYTES of a file's extracted text ("" if none)."""
    if not any(r["name"] == "text" for r in file["renditions"]):
        return ""
    download = open_rendition(kho(), current_actor(), product_id, file["id"], "text",
                              presign=False, record=False)    # the page's own read
    data = b"".join(download.iter_range(0, min(download.size, TEXT_PREVIEW_BYTES) - 1)) \
        if download.size else b""
    return data.decode("utf-8", errors="replace")


def _original_ending(file: dict) -> str:
    """The ending of the original's download name: what the content really is."""
    if file["type_mismatch"]:
        return original_extension(file) or "bin"
    return extension_for(file["original_filename"], file["media_type"])


def _broadcast_file(files: list[dict]) -> dict | None:
    return next((f for f in files if any(r["name"] == "broadcast" for r in f["renditions"])),
                None)


@bp.route("/products/<int:product_id>")
@signed_in
def product_page(product_id: int):
    actor = current_actor()
    product = product_view(product_id)   # NotFound for what search hides from the actor
    files = sorted(product["files"], key=lambda f: (CATEGORY_ORDER.get(f["category"], 9),
                                                    f["id"]))
    texts = {f["id"]: _text_excerpt(product_id, f) for f in files}
    history = history_entries(product_history(kho(), actor, product_id),
                              {f["id"]: f["original_filename"] for f in files})
    names = {(f["id"], "original"): download_name(product_id, product["title"], "original",
                                                  _original_ending(f))
             for f in files}
    return render_template(
        "product.html", p=product, files=files, texts=texts, history=history,
        names=names, broadcast_file=_broadcast_file(files), term_label=term_label,
        media_url=media_url, status_label=status_label, paragraphs=paragraphs,
        downloads=downloads, file_facts=file_facts, technical_rows=technical_rows,
        type_mismatch=type_mismatch, near_flags=near_words.flag_rows,
        technical=shows_technical_details(actor),
        broadcasts=broadcasts_of_product(product_id), communes=communes_for(actor),
        today=local_today(kho().settings).strftime("%d/%m/%Y"),
        **captions.page_context(product_id, files, request.args))


@bp.route("/products/<int:product_id>/status.json")
@signed_in
def product_status(product_id: int):
    """Processing status for the polling script: product and per-file status."""
    product = product_view(product_id)   # NotFound as its page
    return jsonify(
        id=product["id"], status=product["status"], warnings=product["warnings"],
        status_label=status_label(product["status"], product["warnings"]),
        done=product["status"] in ("ready", "failed", "draft"),
        files=[{"id": f["id"], "name": f["original_filename"], "status": f["status"],
                "status_label": status_label(f["status"] if f["status"] != "queued"
                                             else "processing"),
                "error": message_text(f["error"]) if f["error"] else None,
                "near_duplicates": f["near_duplicates"],
                "notices": near_words.notices(product_id, f)}
               for f in product["files"]],
        suggestions=[dict(s, label=(shown := suggestion_label(s["kind"], s["code"])),
                          kind_label={"theme": _("theme"), "language": _("language")}.get(
                              s["kind"], _("convention")),
                          reason=suggestion_reason(s, shown))
                     for s in product["suggestions"]])


@bp.route("/products/<int:product_id>/files/<int:file_id>/<rendition>")
@signed_in
def file_bytes(product_id: int, file_id: int, rendition: str):
    """The bytes of an original or rendition; honours ``Range`` (206/416).

    ``?download=1`` sends it as an attachment with the safe name ``<id>-<slug>.<ext>``.
    With S3 storage the browser is redirected to a short-lived presigned URL.
    """
    download = open_rendition(kho(), current_actor(), product_id, file_id, rendition,
                              record=request.method != "HEAD")
    as_attachment = request.args.get("download") == "1"
    if download.presigned_url:
        moved = redirect(download.presigned_url)
        moved.headers.update(download.digest_headers)   # the client can verify S3's bytes
        moved.headers.update(download.warning_headers)  # consent does not allow radio
        return moved
    disposition = content_disposition(download.filename)
    if not as_attachment:
        disposition = disposition.replace("attachment", "inline", 1)
    headers = {"Accept-Ranges": "bytes", "Content-Disposition": disposition,
               "ETag": f'"{download.sha256[:32]}-{rendition}"',
               "Cache-Control": "private, max-age=3600", **download.digest_headers,
               **download.warning_headers}
    try:
        selected = parse_range(request.headers.get("Range"), download.size)
    except RangeNotSatisfiable:
        headers["Content-Range"] = f"bytes */{download.size}"
        return Response(_("The requested byte range is not available."), 416,
                        headers=headers, mimetype="text/plain")
    if selected is None:
        start, end, status = 0, download.size - 1, 200
    else:
        (start, end), status = selected, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{download.size}"
    headers["Content-Length"] = str(max(0, end - start + 1))
    body = download.iter_range(start, end) if download.size else iter(())
    return Response(body, status, headers=headers, mimetype=download.media_type,
                    direct_passthrough=True)


@bp.route("/products/<int:product_id>/files/<int:file_id>/tracks/<int:track_id>.vtt")
@signed_in
def track_text(product_id: int, file_id: int, track_id: int):
    """A caption or transcript track as WebVTT (what ``<track>`` loads; an SRT file
    converted); ``?download=1`` as an attachment. Every role that sees the product."""
    found = open_track(kho(), current_actor(), product_id, file_id, track_id)
    return _track_response(found, request.args.get("download") == "1")


@bp.route("/products/<int:product_id>/files/<int:file_id>/tracks/<int:track_id>/original")
@signed_in
def track_original(product_id: int, file_id: int, track_id: int):
    """A caption or transcript file as it was received (an attachment)."""
    found = open_track(kho(), current_actor(), product_id, file_id, track_id, original=True)
    return _track_response(found, True)


def _track_response(found, as_attachment: bool) -> Response:
    disposition = content_disposition(found.filename)
    if not as_attachment:
        disposition = disposition.replace("attachment", "inline", 1)
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
               "Cache-Control": "private, max-age=3600",
               "ETag": f'"{found.sha256[:32]}-{"vtt" if "vtt" in found.media_type else "o"}"'}
    return Response(found.body, 200, headers=headers, content_type=found.media_type)


def _page_number(text: str) -> int:
    if not _PAGE_NUMBER.fullmatch(text):
        raise NotFound("%(page)s is not a page number", field="page", page=text[:20])
    return int(text)


@bp.route("/products/<int:product_id>/files/<int:file_id>/pages/<page>")
@signed_in
def pdf_page(product_id: int, file_id: int, page: str):
    """One page of a PDF to read on a phone: its image, "Trang 3/12", links to the
    previous and next page (plain links: no script needed). A page that does not exist
    answers 404 with the page count and a link to the first page."""
    doc = pdf_pages(kho(), current_actor(), product_id, file_id)
    try:
        number = _page_number(page)
        check_page(doc, number)
    except NotFound as problem:
        return render_template("product_pdf_page.html", doc=doc, page=None,
                               problem=problem), 404
    return render_template("product_pdf_page.html", doc=doc, page=number, problem=None,
                           image_url=url_for("product.pdf_page_image",
                                             product_id=product_id, file_id=file_id,
                                             page=number))


@bp.route("/products/<int:product_id>/files/<int:file_id>/pages/<page>/image")
@signed_in
def pdf_page_image(product_id: int, file_id: int, page: str):
    """The JPEG of one PDF page (rendered on first request, then kept in storage)."""
    number = _page_number(page)
    image = page_image(kho(), current_actor(), product_id, file_id, number)
    headers = {"Cache-Control": "private, max-age=86400", "Content-Length": str(image.size),
               "ETag": f'"{image.sha256[:32]}-page-{number}"',
               "Content-Disposition": f'inline; filename="{image.filename}"'}
    return Response(image.iter_range(0, image.size - 1), 200, headers=headers,
                    mimetype=image.media_type, direct_passthrough=True)
