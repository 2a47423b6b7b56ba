"""Files of a product: upload (multipart, several at once), downloads of originals
and renditions with HTTP byte ranges (or a redirect to a presigned S3 URL), and the
producers' answers about near-duplicates."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, redirect, request

from app.api.common import (actor, blueprint, error, gettext, json_object, kho,
                            product_json, rendition_url, track_url)
from app.services.captions import naming as track_naming
from app.services.captions import reading as track_reading
from app.services.catalogue import near_duplicates
from app.services.files import downloads
from app.services.files import intake
from app.uploads import sent_filename
from archive.errors import TooLarge, ValidationError
from archive.storage import content_disposition
from archive.text import normalize_filename


def _receive_one(destination: intake.Destination, upload,
                 options: track_naming.TrackOptions) -> dict[str, Any]:
    name = sent_filename(upload.headers, upload.filename) or "file"
    got = intake.receive_into(kho(), destination, upload.stream, name, track=options)
    product_id = destination.product_id
    if got.track is not None:      # a caption file: a track of the audio or video file
        t = got.track
        return {"filename": got.filename, "file_id": t.file_id, "track_id": t.track_id,
                "sha256": t.sha256, "size": t.size, "media_type": t.media_type,
                "track": {"id": t.track_id, "file_id": t.file_id, "kind": t.kind,
                          "language": t.language, "machine_generated": t.machine_generated,
                          "cues": t.cues},
                "duplicate": "same-product" if t.duplicate else None,
                "url": track_url(product_id, t.file_id, t.track_id)}
    return {"filename": got.filename, "file_id": got.file_id, "sha256": got.sha256,
            "size": got.size, "media_type": got.media_type,
            "type_mismatch": got.type_mismatch, "duplicate": got.duplicate or None,
            "duplicate_of": got.duplicate_of, "duplicate_product": got.duplicate_product,
            "kind_mismatch": got.kind_mismatch, "expected": list(got.expected),
            "processing": got.processing,
            # found at processing time: here when it ran at once, else in the product
            "near_duplicates": near_duplicates.for_received(kho(), destination.actor,
                                                            got.file_id),
            "url": rendition_url(product_id, got.file_id, downloads.ORIGINAL)}


@blueprint.post("/products/<int:product_id>/files")
def upload_files(product_id: int) -> tuple[Response, int]:
    # may upload, may see the product: checked once, before reading a large body; the
    # whole body is capped by app.web's guard (intake.request_limit), each file by
    # intake while it is spooled
    destination = intake.open_upload(kho(), actor(), product_id)
    uploads = [u for u in request.files.getlist("file") if u.filename or u.content_length]
    if not uploads:
        raise ValidationError("send the file(s) as multipart/form-data field 'file'",
                              field="file")
    options = track_naming.parse_options(request.form.get("track_kind"),
                                   request.form.get("track_language"),
                                   request.form.get("machine_generated"))
    # caption files last: the audio or video file they belong to may be in this request
    uploads.sort(key=lambda u: track_naming.is_caption_name(u.filename or ""))
    results, failures = [], []
    for upload in uploads:
        try:
            results.append(_receive_one(destination, upload, options))
        except (TooLarge, ValidationError) as err:
            failures.append(err)
            results.append({"filename": normalize_filename(sent_filename(upload.headers,
                                                                         upload.filename)),
                            "error": err.code,
                            "message": err.render(gettext())})
    if len(failures) == len(uploads):   # nothing stored: the first error, naming all
        for err in failures[1:]:
            failures[0].fields.update(err.fields)
        raise failures[0]
    return jsonify(files=results, product=product_json(product_id)), 201


@blueprint.get("/products/<int:product_id>/files/<int:file_id>/<rendition>")
def rendition(product_id: int, file_id: int, rendition: str) -> Response:
    found = downloads.open_rendition(kho(), actor(), product_id, file_id, rendition,
                                     record=request.method != "HEAD")
    if found.presigned_url:
        moved = redirect(found.presigned_url, 302)
        moved.headers.update(found.digest_headers)   # the client can verify S3's bytes
        moved.headers.update(found.warning_headers)  # consent does not allow radio
        return moved
    headers = {"Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": content_disposition(found.filename),
               "Cache-Control": "private, max-age=3600", **found.digest_headers,
               **found.warning_headers}
    try:
        span = downloads.parse_range(request.headers.get("Range"), found.size)
    except downloads.RangeNotSatisfiable as err:
        response = error(416, "range_not_satisfiable", err.render(gettext()),
                          err.render_fields(gettext()))
        response.headers["Content-Range"] = f"bytes */{found.size}"
        return response
    start, end = span or (0, found.size - 1)
    status = 206 if span else 200
    if span:
        headers["Content-Range"] = f"bytes {start}-{end}/{found.size}"
    body = found.iter_range(start, end) if found.size and request.method != "HEAD" else []
    response = Response(body, status=status, headers=headers, content_type=found.media_type,
                        direct_passthrough=True)
    response.content_length = max(0, end - start + 1)
    return response


@blueprint.get("/products/<int:product_id>/files/<int:file_id>/tracks/<int:track_id>")
def track(product_id: int, file_id: int, track_id: int) -> Response:
    """A caption or transcript track as WebVTT (SRT converted), or the file as received
    with ``?original=1``."""
    found = track_reading.open_track(kho(), actor(), product_id, file_id, track_id,
                              original=request.args.get("original") == "1")
    headers = {"Content-Disposition": content_disposition(found.filename),
               "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    return Response(found.body, 200, headers=headers, content_type=found.media_type)


@blueprint.put("/products/<int:product_id>/files/<int:file_id>/near-duplicates/"
               "<int:other_file_id>")
def answer_near_duplicate(product_id: int, file_id: int, other_file_id: int) -> Response:
    """A producer's answer about a near-duplicate: ``{"answer": "same"}`` (the same
    work: the figures count it once) or ``"different"``; the file's flags afterwards."""
    said = json_object().get("answer")
    flags = near_duplicates.answer(kho(), actor(), product_id, file_id, other_file_id,
                                   said if isinstance(said, str) else "")
    return jsonify(near_duplicates=flags)
