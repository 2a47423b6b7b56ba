"""Read models: a product as JSON-ready data, download file names, thumbnails.

Shared by the pages and the JSON API, so both show the same facts. The values are
plain Python (str, int, bool, list, dict, None): dates and times are ISO 8601 strings
(times in UTC with an offset). URLs are not added here; each front door adds its own.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.common.clock import iso_datetime, local_today
from app.services.access.actors import Actor
from app.services.access.consent import BROADCAST_USE, allowed_uses
from app.services.access.visibility import (Viewer, facts_of, file_clause, may_see_file,
                                            viewer_for)
from app.services.catalogue import near_duplicates
from app.services.catalogue.products import load_product, load_visible, person_name
from archive.access import USES
from archive.errors import Message
from archive.models import Derivative, File, Product, Term, Unit
from archive.problems import retry_helps
from archive.tracks import CaptionTrack
from ingest.captions import stored_problem
from archive.text import fold

TECHNICAL_DETAILS_HIDDEN_FROM = frozenset({"commune"})   # roles
SLUG_MAX = 60          # characters of the title slug in a download name
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_EXT = re.compile(r"[a-z0-9]{1,10}")
_PAGE_RENDITION = re.compile(r"page-([0-9]{1,9})")
# a rendition as a download name says it: the words of the page's labels, unmarked
RENDITION_WORDS = {"broadcast": "ban-phat-thanh", "lowband": "ban-nghe-tren-web",
                   "proxy": "ban-xem-tren-web", "preview": "anh-xem-truoc",
                   "poster": "anh-dai-dien", "text": "noi-dung-van-ban",
                   "thumbnail": "anh-nho", "waveform": "dang-song"}
# extensions for originals whose file name has none
_TYPE_EXT = {"audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
             "video/mp4": "mp4", "image/jpeg": "jpg", "image/png": "png",
             "application/pdf": "pdf", "text/plain": "txt", "image/webp": "webp",
             "audio/ogg": "ogg", "video/webm": "webm", "image/tiff": "tif"}


def term_view(term: Optional[Term]) -> Optional[dict[str, str]]:
    if term is None:
        return None
    return {"code": term.code, "label_vi": term.label_vi, "label_en": term.label_en}


def unit_view(unit: Optional[Unit]) -> Optional[dict[str, str]]:
    return None if unit is None else {"code": unit.code, "name": unit.name}


def rendition_view(d: Derivative) -> dict[str, Any]:
    return {"name": d.name, "media_type": d.media_type, "size": d.size}


def file_view(f: File) -> dict[str, Any]:
    """An original file and its renditions (derivatives), sizes in bytes."""
    return {
        "id": f.id, "original_filename": f.original_filename, "media_type": f.media_type,
        "category": f.category, "sha256": f.sha256, "size": f.size, "status": f.status,
        "error": f.error or None, "problem": problem_view(f),
        "type_mismatch": f.type_mismatch,
        "declared_type": f.declared_type, "technical": dict(f.technical or {}),
        "created_at": iso_datetime(f.created_at), "access_level": f.access_level,
        "renditions": [rendition_view(d) for d in f.derivatives],
        "tracks": [track_view(t) for t in f.tracks],
    }


def track_view(t: CaptionTrack) -> dict[str, Any]:
    """A caption or transcript track of a file (``archive.tracks``): what it is for,
    its language (a ``languages`` code), whether a machine made it, where it came from,
    the file as received (size in bytes), how many cues and words, when its last cue
    ends (seconds) and what a later check found (``problems``, by line)."""
    cues = t.cues or []
    return {"id": t.id, "kind": t.kind, "language": t.language, "label": t.label or "",
            "machine_generated": t.machine_generated, "source": t.source,
            "original_filename": t.original_filename, "media_type": t.media_type,
            "sha256": t.sha256, "size": t.size, "encoding": t.encoding, "cues": len(cues),
            "words": t.words, "end_s": max((c[1] for c in cues), default=0) / 1000,
            "problems": [dict(p, message=stored_problem(p)) for p in t.problems or []],
            "created_at": iso_datetime(t.created_at)}


def problem_view(f: File) -> Optional[dict[str, Any]]:
    """A failed file's problem: its code, values, the sentence (an English
    :class:`archive.errors.Message` each door renders in its reader's language), the
    tool's own output, and whether a retry can help (``retry_helps``: False when the
    file itself is at fault and only another file helps); None when it has none."""
    if not f.problem:
        return None
    return {"code": f.problem, "params": dict(f.problem_params or {}), "message": f.error,
            "tool_output": f.error_detail or "", "retry_helps": retry_helps(f.problem)}


def product_data(p: Product, viewer: Optional[Viewer] = None,
                 units: Optional[dict[int, str]] = None) -> dict[str, Any]:
    """JSON-ready view of a loaded product (terms, units, files already loaded).

    With a ``viewer``, only the files it may see (a file stricter than its product:
    :func:`~app.services.access.visibility.may_see_file`) are listed, and counted in
    ``warnings``; without one (maintenance jobs), every file. ``units`` names the
    audience's unit ids by code (:func:`audience_codes`)."""
    facts = facts_of(p)
    files = [f for f in p.files
             if viewer is None or may_see_file(viewer, facts, f.access_level)]
    today = viewer.today if viewer is not None else None
    uses = allowed_uses(p.consents, today) if today is not None else frozenset(USES)
    return {
        "id": p.id, "title": p.title, "description": p.description or "",
        "kind": term_view(p.kind),
        "languages": [term_view(t) for t in p.terms_of("language")],
        "themes": [term_view(t) for t in p.terms_of("theme")],
        "conventions": [term_view(t) for t in p.terms_of("convention")],
        "channels": [term_view(t) for t in p.terms_of("channel")],
        "plan_task": term_view(p.plan_task), "lead_unit": unit_view(p.lead_unit),
        "cooperating_units": [unit_view(u) for u in p.cooperating_units],
        "communes": [unit_view(u) for u in p.communes],
        "produced_on": p.produced_on.isoformat() if p.produced_on else None,
        "tags": list(p.tags or []), "suggestions": open_suggestions(p),
        "rights_note": p.rights_note or "", "status": p.status,
        "access": access_view(p, units or {}),
        "embargo_until": p.embargo_until.isoformat() if p.embargo_until else None,
        "protocol_note": p.protocol_note or "",
        # who consented is personal: only those who may edit the product read it
        "consents": [consent_view(c, personal=viewer is None or viewer.actor.can("product.edit"))
                     for c in p.consents],
        "allowed_uses": [u for u in USES if u in uses],
        # a download is a use Kho does not see: it goes ahead, with this warning
        "download_warning": download_warning(uses),
        # failed files beside the status: "ready" with warnings is "ready, with a warning"
        "warnings": sum(1 for f in files if f.status == "failed"),
        "created_at": iso_datetime(p.created_at), "updated_at": iso_datetime(p.updated_at),
        "created_by": p.created_by.username if p.created_by else None,
        "updated_by": p.updated_by.username if p.updated_by else None,
        "created_by_name": person_name(p.created_by),
        "updated_by_name": person_name(p.updated_by),
        "version": p.version,
        "files": [file_view(f) for f in files],
    }


def access_view(p: Product, units: dict[int, str]) -> dict[str, Any]:
    """``{"level", "audience": {"units": [codes], "roles": [roles]}}`` of a product."""
    return {"level": p.access_level,
            "audience": {"units": sorted(units.get(a.unit_id, str(a.unit_id))
                                         for a in p.audience_units),
                         "roles": sorted(a.role for a in p.audience_roles)}}


def audience_codes(session: Session, p: Product) -> dict[int, str]:
    """unit id -> code of the units named in the product's audience (one query; none
    when it names none)."""
    ids = [a.unit_id for a in p.audience_units]
    if not ids:
        return {}
    return dict(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids))).all())


def consent_view(c: Any, *, personal: bool = True) -> dict[str, Any]:
    """A consent: who gave it, for which uses, until when (ISO date, None: no end), and
    its scanned form (``evidence``; the doors add its ``url``) when there is one.
    Without ``personal`` (a reader who may not edit the product: commune staff), the
    person, the note and the form are left out ("", "", None): the uses and the end
    are what such a reader needs."""
    if not personal:
        return {"id": c.id, "given_by": "", "uses": [u for u in USES if u in (c.uses or ())],
                "until": c.until.isoformat() if c.until else None, "note": "", "evidence": None}
    evidence = None
    if c.evidence_sha256:
        evidence = {"filename": c.evidence_filename, "size": c.evidence_size,
                    "media_type": c.evidence_media_type}
    return {"id": c.id, "given_by": c.given_by, "uses": [u for u in USES if u in (c.uses or ())],
            "until": c.until.isoformat() if c.until else None, "note": c.note or "",
            "evidence": evidence}


def download_warning(uses: frozenset[str]) -> Optional[Message]:
    """The warning a download of the product carries when its consents do not allow
    it on the radio (:data:`~app.services.access.consent.BROADCAST_USE`); None when
    they do. A download is not refused: Kho does not see what it is used for."""
    if BROADCAST_USE in uses:
        return None
    return Message("the people who gave consent for this product have not agreed to its "
                   "use on the radio: do not broadcast it")


def open_suggestions(p: Product) -> list[dict[str, Any]]:
    """The product's suggestions less those already among its terms (a language or
    theme set by an edit rather than confirmed stays stored until the next
    processing; nobody should be asked to confirm it again)."""
    terms = {(t.vocabulary, t.code) for t in p.terms}
    return [s for s in p.suggestions or [] if (s.get("kind"), s.get("code")) not in terms]


def product_view(kho: Kho, actor: Actor, product_id: int) -> dict[str, Any]:
    """The product as JSON-ready data as ``actor`` may see it (files stricter than the
    product left out when the actor may not see them: :func:`product_data`), each file
    with its ``near_duplicates`` flags (``app.services.catalogue.near_duplicates``).

    Raises NotFound for a missing product, one the actor may not see (closed,
    embargoed), and for a draft without a file when search hides those from the actor
    (commune staff); PermissionDenied for a restricted product outside the actor's
    audience (with its title: see :func:`~app.services.catalogue.products.load_visible`)
    and if the actor may not view products at all.
    """
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id, local_today(kho.settings))
        data = product_data(product, viewer, audience_codes(session, product))
        near_duplicates.attach(session, actor, data["files"], viewer)   # each file's flags
        return data


def shows_technical_details(actor: Optional[Actor]) -> bool:
    """Whether pages show ``actor`` the technical side of files and processing (SHA-256,
    MIME types, tool names and versions, step output). Commune radio staff choose and
    air programmes: those details only get in their way, so they never see them."""
    return actor is not None and actor.role not in TECHNICAL_DETAILS_HIDDEN_FROM


def require_visible(kho: Kho, actor: Actor, product_id: int) -> None:
    """Raise NotFound/PermissionDenied unless ``actor`` may see the product (cheap check
    a door makes before reading a large request body)."""
    with kho.transaction() as session:
        load_product(session, actor, product_id, local_today(kho.settings))


def slug(text: str, max_length: int = SLUG_MAX) -> str:
    """ASCII ``[a-z0-9-]`` slug: ``Quyền trẻ em`` -> ``quyen-tre-em`` (may be "")."""
    folded = _NOT_SLUG.sub("-", fold(text or "")).strip("-")
    if len(folded) > max_length:
        folded = folded[:max_length].rsplit("-", 1)[0] if "-" in folded[:max_length] \
            else folded[:max_length]
    return folded.strip("-")


def extension_for(filename: str = "", media_type: str = "", storage_key: str = "") -> str:
    """A lower-case ASCII extension from a storage key, a file name or a media type."""
    for name in (storage_key, filename):
        if "." in name:
            ext = name.rsplit(".", 1)[1].lower()
            if _EXT.fullmatch(ext):
                return ext
    return _TYPE_EXT.get(media_type, "bin")


def rendition_words(rendition: str) -> str:
    """What a rendition is called in a download name: Vietnamese words without marks
    (``broadcast`` -> ``ban-phat-thanh``, ``page-3`` -> ``trang-3``); an unknown name
    as its own slug, "" for none."""
    found = RENDITION_WORDS.get(rendition)
    if found:
        return found
    page = _PAGE_RENDITION.fullmatch(rendition or "")
    if page:
        return f"trang-{page.group(1)}"
    return slug(rendition, 20)


def download_name(product_id: int, title: str, rendition: str, ext: str) -> str:
    """``<id>-<ascii-slug>.<ext>``; renditions other than the original add what they
    are, in Vietnamese without marks (:func:`rendition_words`:
    ``12-quyen-tre-em-ban-phat-thanh.mp3``), so two downloads never clash. ASCII only:
    every browser and every radio station's computer saves it as it is."""
    words = slug(title) or "product"
    if rendition and rendition != "original":
        words = f"{words}-{rendition_words(rendition) or 'rendition'}"
    ext = ext.lower().lstrip(".")
    ext = ext if _EXT.fullmatch(ext) else "bin"
    return f"{product_id}-{words}.{ext}"


def thumbnails(kho: Kho, product_ids: Iterable[int], actor: Actor) -> dict[int, int]:
    """product id -> id of its first file that has a ``thumbnail`` rendition and that
    ``actor`` may see (a closed raw scan of a public product draws no thumbnail)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, local_today(kho.settings))
        rows = session.execute(
            select(File.product_id, File.id).join(Derivative, Derivative.file_id == File.id)
            .join(Product, Product.id == File.product_id)
            .where(File.product_id.in_(ids), Derivative.name == "thumbnail",
                   file_clause(viewer, File, Product))
            .order_by(File.product_id, File.id)).all()
    found: dict[int, int] = {}
    for product_id, file_id in rows:
        found.setdefault(product_id, file_id)
    return found
