"""Creating a product and adding its files.

Files arrive two ways at the same route: the page's script sends each file as the raw
request body (``X-File-Name`` header, progress shown per file), and without script the
form posts ``multipart/form-data``. Either way the request is checked once
(``intake.open_upload``: may upload, may see the product) before its body is read, and
the bytes go straight to ``intake.receive_into`` which streams them to a spool file and
enforces the limit.

A producer's answers to a file that is not right live here too: Thử lại (retry) and
Gỡ tệp (remove) for a failed file, and Thay tệp (replace), a page with a plain form
that puts the right file in the old one's place (``files.replacement``). What an upload
says back (``_notices``) includes a name that claims another type than the content is.
"""
from __future__ import annotations

from urllib.parse import unquote

from flask import (Blueprint, flash, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.errors import outcome
from app.services.catalogue import near_duplicates
from app.services.catalogue.products import create_product
from app.services.captions import editing as track_editing
from app.services.captions import naming as track_naming
from app.services.catalogue.suggestions import confirm
from app.services.files import failed_files, intake, replacement
from app.uploads import sent_filename
from app.web.common import current_actor, error_fields, error_message, kho, signed_in
from app.web import near_duplicates as near_words
from app.web.formatting import number
from app.web.labels import label
from app.web.forms import form_errors, form_values, metadata_from_form, pickers
from app.web.technical import type_mismatch
from app.web.views import product_view, status_label, term_label
from archive.errors import (Conflict, KhoError, NotFound, TooLarge, ValidationError,
                            human_bytes)
from archive.text import normalize_filename

bp = Blueprint("upload", __name__)


@bp.route("/products/new", methods=["GET", "POST"])
@signed_in
def new_product():
    actor = current_actor()
    actor.require("product.create")
    errors: dict = {}
    if request.method == "POST":
        try:
            product_id = create_product(kho(), actor, metadata_from_form(request.form))
        except ValidationError as exc:
            errors = form_errors(exc.fields)
        else:
            flash(_("Product created. Now add its files."), "ok")
            return redirect(url_for("upload.upload_page", product_id=product_id))
    values = form_values(form=request.form if request.method == "POST" else None)
    return render_template("product_new.html", v=values, errors=errors, pickers=pickers()), \
        (422 if errors else 200)


@bp.route("/products/<int:product_id>/upload")
@signed_in
def upload_page(product_id: int):
    current_actor().require("file.upload")
    product = product_view(product_id)
    limit = kho().settings.max_upload_bytes
    return render_template("upload.html", p=product, status_label=status_label,
                           term_label=term_label, max_bytes=limit, type_mismatch=type_mismatch,
                           max_text=size_text(limit), near_flags=near_words.flag_rows)


def size_text(size: int) -> str:
    """A size in bytes in human units, the page's way: ``4 GB``, ``1,5 MB``."""
    return human_bytes(size, number)


def category_label(category: str) -> str:
    """A media category in words (the kinds' ``media`` use these codes)."""
    words = {"audio": _("Audio"), "video": _("Video"), "image": _("Image"), "pdf": _("PDF"),
             "text": _("Text")}
    return words.get(category, category)


def _mismatch_notice(got) -> dict | None:
    """A file whose name says one thing and whose content is another, said at once:
    "The name ends in .jpg, as a JPEG image would, but the content is really plain
    text. Kho keeps it as plain text. If it is not the file you meant, replace it."
    with "replace it" leading to the page that replaces it."""
    found = type_mismatch({"type_mismatch": got.type_mismatch, "media_type": got.media_type,
                           "declared_type": got.declared_type,
                           "original_filename": got.filename})
    if found is None:
        return None
    if found["same_kind"]:
        return {"code": "type_note", "text": found["text"]}
    link = _("replace it")
    return {"code": "type_mismatch", "link": link,
            "text": found["text"] + " " + _("If it is not the file you meant, replace it."),
            "url": url_for("upload.replace_page", product_id=got.product_id,
                           file_id=got.file_id, back="upload")}


def _notices(got) -> list[dict]:
    """What the uploader should know about a received file, each as ``text`` (and a
    ``url`` to follow): a duplicate with a link to where it already is, a name that
    says another type than the content is (what it really is), a file whose type does
    not fit the product's kind, a queue that is not answering."""
    notices = []
    if got.track is not None and not got.track.duplicate:
        notices.append(_track_notice(got.track))
    if got.duplicate == "same-product":
        notices.append({"code": "duplicate", "text": _(
            "This file is already in this product: nothing was added."),
            "url": url_for("product.product_page", product_id=got.product_id)})
    elif got.duplicate:
        notices.append({"code": "duplicate", "text": _(
            "This file is already in the archive: product #%(id)s. It is added here too, "
            "stored once.", id=got.duplicate_product), "link": _(
                "product #%(id)s", id=got.duplicate_product),
            "url": url_for("product.product_page", product_id=got.duplicate_product)})
    mismatch = _mismatch_notice(got) if got.duplicate != "same-product" else None
    if mismatch is not None:
        notices.append(mismatch)
    if got.kind_mismatch:
        notices.append({"code": "kind_mismatch", "text": _(
            "This file is %(category)s, which does not fit the kind “%(kind)s” (it holds "
            "%(expected)s). The file was kept — check that it belongs to this product.",
            category=category_label(got.category), kind=term_label(got.kind),
            expected=", ".join(category_label(c) for c in got.expected))})
    if got.processing == "pending":
        notices.append({"code": "pending", "text": _(
            "The file is kept, but the job queue is not reachable right now: its "
            "processing starts as soon as the queue is back.")})
    return notices


def _track_notice(track) -> dict:
    """A caption file became a track: of which file, as what, in which language."""
    kind = _("captions") if track.kind == "captions" else _("transcript")
    text = _("Attached to %(file)s as its %(kind)s (%(language)s, %(cues)s cues).",
             file=track.file_name, kind=kind, language=label("languages", track.language),
             cues=number(track.cues))
    if track.machine_generated:
        text += " " + _("Marked as made by a machine.")
    return {"code": "track", "text": text}


def _receive_one(destination: intake.Destination, stream, filename: str,
                 declared_size: int | None = None) -> dict:
    got = intake.receive_into(kho(), destination, stream, filename,
                              declared_size=declared_size)
    notices = _notices(got)
    # found at processing time: already there when it ran at once, else the status
    # the page polls brings them (a caption file names its media file: no flags)
    near = [] if got.track is not None else near_duplicates.for_received(
        kho(), destination.actor, got.file_id)
    notices += near_words.notices(got.product_id, {"id": got.file_id, "near_duplicates": near})
    return {"file_id": got.file_id, "name": got.filename, "size": got.size,
            "media_type": got.media_type, "type_mismatch": got.type_mismatch,
            "duplicate": got.duplicate, "duplicate_of": got.duplicate_of,
            "duplicate_product": got.duplicate_product, "kind_mismatch": got.kind_mismatch,
            "processing": got.processing, "notices": notices, "near_duplicates": near,
            "notice": " ".join(n["text"] for n in notices if n["code"] == "pending")}


def _flash_notice(notice: dict) -> None:
    """A notice as a flash message; a duplicate's "product #2" links to that product."""
    text = escape(notice["text"])
    if notice.get("link") and notice.get("url"):
        link = Markup('<a href="%s">%s</a>') % (notice["url"], notice["link"])
        text = Markup(str(text).replace(str(escape(notice["link"])), link, 1))
    flash(text, "ok" if notice["code"] in ("duplicate", "type_note", "track")
          else "warning")


@bp.route("/products/<int:product_id>/files", methods=["POST"])
@signed_in
def add_files(product_id: int):
    """Raw body (script) -> JSON; multipart form (no script) -> back to the page."""
    if request.mimetype == "multipart/form-data":
        return _add_multipart(product_id)
    name = unquote(request.headers.get("X-File-Name", "")) or "file"
    try:
        destination = intake.open_upload(kho(), current_actor(), product_id)
        # the body is this one file: a Content-Length over the limit is refused unread
        received = _receive_one(destination, request.stream, name, request.content_length)
    except KhoError as exc:
        return jsonify(error=exc.code, message=error_message(exc), fields=error_fields(exc)), \
            outcome(exc).http_status
    received["status_url"] = url_for("product.product_status", product_id=product_id)
    return jsonify(received), 201


def _add_multipart(product_id: int):
    # checked before the form's body is read; forbidden / not found: the error page
    destination = intake.open_upload(kho(), current_actor(), product_id)
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    # caption files last: the audio or video file they belong to may be in this form
    uploads.sort(key=lambda f: track_naming.is_caption_name(f.filename))
    if not uploads:
        flash(_("Choose at least one file."), "error")
    for upload in uploads:
        try:
            got = _receive_one(destination, upload.stream,
                               sent_filename(upload.headers, upload.filename))
        except KhoError as exc:
            if exc.code not in ("invalid", "too_large"):
                raise  # forbidden / not found: the error page with its status
            shown = normalize_filename(sent_filename(upload.headers, upload.filename))
            flash(f"{shown}: {error_message(exc)}", "error")
        else:
            flash(_("Received %(name)s", name=got["name"]), "ok")
            for notice in got["notices"]:
                _flash_notice(notice)
    return redirect(url_for("upload.upload_page", product_id=product_id))


def _back_to(product_id: int):
    """Where a retry or removal returns: the page the button was on."""
    endpoint = "upload.upload_page" if request.form.get("back") == "upload" \
        else "product.product_page"
    return redirect(url_for(endpoint, product_id=product_id))


@bp.route("/products/<int:product_id>/files/<int:file_id>/near-duplicates/<int:other_file_id>",
          methods=["POST"])
@signed_in
def answer_near_duplicate(product_id: int, file_id: int, other_file_id: int):
    """Cùng một tác phẩm / Khác tác phẩm: a producer's answer about a near-duplicate,
    kept by the catalogue; back to the page the buttons were on."""
    said = request.form.get("answer", "")
    try:
        flags = near_duplicates.answer(kho(), current_actor(), product_id, file_id,
                                       other_file_id, said)
    except (NotFound, ValidationError) as exc:
        flash(error_message(exc), "error")
        return _back_to(product_id)
    other = next(f["product_id"] for f in flags if f["file_id"] == other_file_id)
    flash(near_words.answered_message(said, other), "ok")
    return _back_to(product_id)


@bp.route("/products/<int:product_id>/files/<int:file_id>/retry", methods=["POST"])
@signed_in
def retry_file(product_id: int, file_id: int):
    """Thử lại: process a failed file again (producers and admins)."""
    try:
        queued, name = failed_files.retry_file(kho(), current_actor(), product_id, file_id)
    except (Conflict, NotFound) as exc:
        flash(error_message(exc), "error")
        return _back_to(product_id)
    flash(_("%(name)s is being processed again.", name=name), "ok")
    if queued == "pending":
        flash(_("The job queue is not reachable right now: processing starts as soon as "
                "the queue is back."), "warning")
    return _back_to(product_id)


@bp.route("/products/<int:product_id>/files/<int:file_id>/remove", methods=["POST"])
@signed_in
def remove_file(product_id: int, file_id: int):
    """Gỡ tệp: remove a failed file from the product (its record stays in the history)."""
    try:
        removed = failed_files.remove_file(kho(), current_actor(), product_id, file_id)
    except (Conflict, NotFound) as exc:
        flash(error_message(exc), "error")
        return _back_to(product_id)
    flash(_("%(name)s was removed from the product; the history keeps a record of it.",
            name=removed["filename"]), "ok")
    return _back_to(product_id)


def _back_from_replacing(product_id: int):
    """Where a replacement returns (``?back=upload``: the upload page, else the
    product page): read from the address, not the form, so nothing of the body is
    needed to know it."""
    endpoint = "upload.upload_page" if request.args.get("back") == "upload" \
        else "product.product_page"
    return redirect(url_for(endpoint, product_id=product_id))


@bp.route("/products/<int:product_id>/files/<int:file_id>/replace", methods=["GET", "POST"])
@signed_in
def replace_page(product_id: int, file_id: int):
    """Thay tệp: choose the right file for one of the product's files. The page says
    what is wrong with the old one; the form works without script (multipart POST).
    The old file's record stays in the history; its original stays in storage."""
    try:   # may upload and remove, sees the product, the file is done: before the body
        slot = replacement.open_replacement(kho(), current_actor(), product_id, file_id)
    except (Conflict, NotFound) as exc:
        if exc.code == "not_found" and exc.fields.get("file_id") is None:
            raise                                   # no such product: the error page
        flash(error_message(exc), "error")
        return _back_from_replacing(product_id)
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            done = _replace(slot, upload)
            if done is not None:
                return done
        else:
            flash(_("Choose the new file."), "error")
    limit = kho().settings.max_upload_bytes
    return render_template("replace_file.html", p=product_view(product_id), slot=slot,
                           mismatch=type_mismatch({
                               "type_mismatch": slot.type_mismatch,
                               "media_type": slot.media_type,
                               "declared_type": slot.declared_type,
                               "original_filename": slot.filename}),
                           back=request.args.get("back") or "product",
                           max_text=size_text(limit)), \
        (422 if request.method == "POST" else 200)


def _replace(slot: replacement.Slot, upload):
    """Replace with one multipart part; a redirect when done, None (the page again,
    with the error flashed) when the new file was refused (empty, too large)."""
    name = sent_filename(upload.headers, upload.filename)
    try:
        done = replacement.replace_file(kho(), slot, upload.stream, name)
    except (Conflict, NotFound) as exc:    # the old file changed meanwhile: nothing done
        flash(error_message(exc), "error")
        return _back_from_replacing(slot.destination.product_id)
    except (TooLarge, ValidationError) as exc:
        flash(f"{normalize_filename(name)}: {error_message(exc)}", "error")
        return None
    got = done.received
    if not done.replaced:
        flash(_("%(name)s is already in this product: nothing was replaced.",
                name=got.filename), "warning")
        return _back_from_replacing(slot.destination.product_id)
    flash(_("Replaced %(old)s with %(new)s. The new file is being processed; the history "
            "keeps a record of both.", old=done.old_name, new=got.filename), "ok")
    for notice in _notices(got):
        _flash_notice(notice)
    return _back_from_replacing(slot.destination.product_id)


@bp.route("/products/<int:product_id>/suggestions", methods=["POST"])
@signed_in
def confirm_suggestions(product_id: int):
    """Confirm the ticked suggested themes/conventions (values ``theme:code``)."""
    chosen = request.form.getlist("confirm")
    for value in chosen:
        kind, _sep, code = value.partition(":")
        confirm(kho(), current_actor(), product_id, kind, code)
    if chosen:
        flash(_("Confirmed %(n)d suggestion(s).", n=len(chosen)), "ok")
    back = request.form.get("back") or "upload"
    endpoint = "upload.upload_page" if back == "upload" else "product.product_page"
    return redirect(url_for(endpoint, product_id=product_id))


def _back_to_tracks(product_id: int, file_id: int):
    return redirect(url_for("product.product_page", product_id=product_id)
                    + f"#file-{file_id}")


@bp.route("/products/<int:product_id>/files/<int:file_id>/tracks/<int:track_id>",
          methods=["POST"])
@signed_in
def edit_track(product_id: int, file_id: int, track_id: int):
    """A track's kind, language and machine flag, as the producer corrects them."""
    try:
        options = track_naming.parse_options(request.form.get("kind"), request.form.get("language"),
                                       "yes" if request.form.get("machine_generated")
                                       else "no")
        track_editing.edit_track(kho(), current_actor(), product_id, file_id, track_id, options)
    except (ValidationError, NotFound) as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("The track was saved."), "ok")
    return _back_to_tracks(product_id, file_id)


@bp.route("/products/<int:product_id>/files/<int:file_id>/tracks/<int:track_id>/remove",
          methods=["POST"])
@signed_in
def remove_track(product_id: int, file_id: int, track_id: int):
    """Gỡ phụ đề: the track leaves the file (its record stays in the history)."""
    try:
        track_editing.remove_track(kho(), current_actor(), product_id, file_id, track_id)
    except NotFound as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("The track was removed; the history keeps a record of it."), "ok")
    return _back_to_tracks(product_id, file_id)
