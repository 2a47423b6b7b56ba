"""Caption and transcript tracks on the product page: the ``<track>`` elements of the
players, the transcript panel whose lines seek the player, the tracks' downloads, and
the moment a search hit points at (``?t=135&file=12``).

Without script the page still works: a transcript line is a link to the same page at
that moment, and the player's address then carries a media fragment (``#t=135``) that
the browser seeks to; ``kho.js`` only makes it happen without reloading.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import url_for
from flask_babel import gettext as _

from app.services.captions import naming as track_naming
from app.services.captions import reading as track_reading
from app.web.common import current_actor, kho
from app.web.formatting import locale_code
from app.web.labels import entries, label

SEEK_LIMIT_S = 100 * 3600      # a moment beyond 100 hours is no moment of a broadcast


def clock_text(seconds: float | int | None) -> str:
    """A moment as a player shows it: ``02:15``, ``1:02:15`` (whole seconds)."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def kind_label(kind: str) -> str:
    """What a track is for, in words."""
    return _("Captions") if kind == "captions" else _("Transcript")


def language_label(track: dict[str, Any]) -> str:
    """A track's language, and who made it: ``Tiếng Ba Na (máy tạo)``."""
    text = label("languages", track["language"]) or track["language"]
    if track["machine_generated"]:
        text = _("%(language)s (made by a machine)", language=text)
    return text


def track_label(track: dict[str, Any]) -> str:
    """A track as a player's menu names it: ``Tiếng Việt``, ``Tiếng Việt, bản ghi lời``,
    ``Tiếng Ba Na (máy tạo)``."""
    text = label("languages", track["language"]) or track["language"]
    if track["kind"] == "transcript":
        text = _("%(language)s, transcript", language=text)
    if track["machine_generated"]:
        text = _("%(language)s (made by a machine)", language=text)
    return text


def track_src(product_id: int, file_id: int, track_id: int, download: bool = False) -> str:
    return url_for("product.track_text", product_id=product_id, file_id=file_id,
                   track_id=track_id, **({"download": 1} if download else {}))


def seek_from(args) -> Optional[dict[str, Any]]:
    """The moment a link asks for (``t`` seconds, ``file`` id), None without one."""
    try:
        seconds = float(args.get("t", ""))
        file_id = int(args.get("file", "0") or 0)
    except ValueError:
        return None
    if not 0 <= seconds <= SEEK_LIMIT_S:
        return None
    return {"t": round(seconds, 3), "file": file_id}


def player_tracks(product_id: int, files: list[dict]) -> dict[int, list[dict[str, Any]]]:
    """file id -> its ``<track>`` elements: captions first, the first one shown."""
    out: dict[int, list[dict[str, Any]]] = {}
    for f in files:
        ordered = sorted(f.get("tracks") or [], key=lambda t: (t["kind"] != "captions", t["id"]))
        out[f["id"]] = [{"src": track_src(product_id, f["id"], t["id"]),
                         "kind": "captions" if t["kind"] == "captions" else "subtitles",
                         "srclang": track_naming.srclang(t["language"]),
                         "label": track_label(t), "default": i == 0 and t["kind"] == "captions",
                         "id": t["id"]}
                        for i, t in enumerate(ordered)]
    return out


def transcript_panels(product_id: int) -> dict[int, dict[str, Any]]:
    """file id -> the track its transcript panel reads (a transcript first, else the
    first captions) with its cues, each with its moment in words."""
    panels = {}
    for file_id, found in track_reading.tracks_with_cues(kho(), current_actor(),
                                                         product_id).items():
        chosen = sorted(found, key=lambda t: (t["kind"] != "transcript", t["id"]))[0]
        if not chosen["cues"]:
            continue
        panels[file_id] = dict(chosen, label=language_label(chosen), cues=[
            dict(c, clock=clock_text(c["start"]), second=int(c["start"]))
            for c in chosen["cues"]])
    return panels


def page_context(product_id: int, files: list[dict], args) -> dict[str, Any]:
    """What the product page's players, panels and track lists need."""
    return {"player_tracks": player_tracks(product_id, files),
            "transcripts": transcript_panels(product_id), "seek": seek_from(args),
            "track_src": track_src, "track_language": language_label,
            "track_kind": kind_label,
            "language_choices": [(e.code, e.label(locale_code()))
                                 for e in entries("languages")]}
