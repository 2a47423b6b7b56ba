"""A product's history as sentences in the reader's language.

:func:`app.services.catalogue.products.product_history` gives audited edits (field ->
[old, new] with vocabulary and unit *codes*) and provenance events (step names such as
``broadcast`` or ``probe``, tools, outcomes, raw detail). Here each becomes one plain
sentence: "Nguyễn Thu Hà đã sửa: Ngôn ngữ: Tiếng Việt → Tiếng Việt, Tiếng Xơ Đăng",
"Đã tạo bản MP3 phát thanh". Codes become their labels, fields their names, people
their full names — never an event code. The archive's own work (processing steps,
fixity checks, replica copies, retries:
:func:`app.services.catalogue.products.technical_event`) is ``folded``: the page
lists it apart, folded, with the program and its version (``technical``), for
everyone but commune staff, whose history leaves it out altogether. A file removed or
replaced since keeps its name: the removal's record names it. Values typed by people
are escaped: a sentence is Markup built from escaped parts. Access fields, consents and
access requests are said by :mod:`app.web.history_access`.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from markupsafe import Markup, escape

from app.services.catalogue.products import technical_event
from app.web.formatting import say, vn_date
from app.web.history_access import (ACCESS_FIELD_NAMES, ACCESS_VALUES, CONSENT_ACTIONS,
                                    access_request_sentence, consent_sentence)
from app.web.labels import SLOT_WORDS, label

VALUE_MAX = 160        # characters of a long text (a description) shown in a sentence

FIELD_NAMES = {
    "title": lazy_gettext("Title"), "description": lazy_gettext("Description"),
    "kind": lazy_gettext("Kind"), "languages": lazy_gettext("Languages"),
    "themes": lazy_gettext("Themes"), "conventions": lazy_gettext("Conventions"),
    "channels": lazy_gettext("Channels"), "plan_task": lazy_gettext("Plan task"),
    "lead_unit": lazy_gettext("Lead unit"),
    "cooperating_units": lazy_gettext("Cooperating units"),
    "communes": lazy_gettext("Communes"), "produced_on": lazy_gettext("Produced on"),
    "tags": lazy_gettext("Tags"), "rights_note": lazy_gettext("Rights note"),
    "sensitive": lazy_gettext("Restricted"), "source": lazy_gettext("Source"),
    **ACCESS_FIELD_NAMES,          # access (issue 26); "sensitive" for edits before it
}
# processing step -> (sentence when it worked, sentence when it failed)
STEPS = {
    "probe": (lazy_gettext("Read the technical facts"),
              lazy_gettext("The file could not be read")),
    "broadcast": (lazy_gettext("Made the broadcast MP3"),
                  lazy_gettext("The broadcast MP3 could not be made")),
    "lowband": (lazy_gettext("Made the web preview MP3"),
                lazy_gettext("The web preview MP3 could not be made")),
    "waveform": (lazy_gettext("Drew the waveform of the sound"),
                 lazy_gettext("The waveform could not be drawn")),
    "poster": (lazy_gettext("Took a poster image from the video"),
               lazy_gettext("No poster image could be taken from the video")),
    "proxy": (lazy_gettext("Made the web preview video"),
              lazy_gettext("The web preview video could not be made")),
    "derivatives": (lazy_gettext("Made the preview image"),
                    lazy_gettext("The preview image could not be made")),
    "text": (lazy_gettext("Read the text of the document"),
             lazy_gettext("The text of the document could not be read")),
    "encoding": (lazy_gettext("Converted text typed in an old font encoding to Unicode"),
                 lazy_gettext("Text typed in an old font encoding could not be converted")),
    "ocr": (lazy_gettext("Recognised the text in the pictures (OCR)"),
            lazy_gettext("The text in the pictures could not be recognised (OCR)")),
    "subtitles": (lazy_gettext("Took the subtitles out of the video"),
                  lazy_gettext("The subtitles inside the video could not be read")),
    "file.process": (lazy_gettext("Processed the file"),
                     lazy_gettext("Processing of the file stopped")),
    "likeness": (lazy_gettext("Took the fingerprint that finds near-duplicates"),
                 lazy_gettext("No fingerprint for finding near-duplicates could be taken")),
}
# "aired on 2025-08-02 by <commune code>"; "aired on 2025-08-02 (morning) by …" once
# slots exist (migration 0020; app.services.broadcasts.log.airing_detail)
_AIRED = re.compile(r"aired on (\d{4}-\d{2}-\d{2})(?: \((\w+)\))? by (\S+)")
_NO_TEXT_LAYER = "no text layer"
# a confirmed tag suggestion is audited as field -> [None, "+<code> (confirmed)"],
# a dismissed one as field -> [None, "-<code> (dismissed)"] (app.services.catalogue.suggestions)
_SUGGESTION = re.compile(r"([+-])(\S+) \((\w+)\)")


def _code_labels(field: str, codes: Iterable[str]) -> str:
    return ", ".join(label(field, c) for c in codes)


def value_text(field: str, value: Any) -> str:
    """One side of an edit, as the reader knows it: labels for vocabulary and unit
    codes, dd/mm/yyyy dates, yes/no, "(empty)", long texts cut at VALUE_MAX."""
    if value in (None, "", []):
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field in ACCESS_VALUES:
        return ACCESS_VALUES[field](value)
    if field in ("produced_on", "embargo_until") and isinstance(value, str):
        try:
            return vn_date(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(value, (list, tuple)):
        if field in ("tags",):
            return ", ".join(str(v) for v in value)
        return _code_labels(field, [str(v) for v in value])
    text = str(value)
    if field not in ("title", "description", "rights_note", "source", "tags",
                     "protocol_note"):
        text = label(field, text)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_MAX else text[:VALUE_MAX - 1].rstrip() + "…"


def field_name(field: str) -> str:
    found = FIELD_NAMES.get(field)
    return str(found) if found is not None else field.replace("_", " ").capitalize()


def _suggestion_mark(pair: Any) -> tuple[str, str] | None:
    """``(code, "confirmed" | "dismissed")`` of an audited suggestion, else None."""
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and pair[0] is None
            and isinstance(pair[1], str)):
        return None
    marked = _SUGGESTION.fullmatch(pair[1])
    return (marked.group(2), marked.group(3)) if marked else None


def _dismissals(changes: dict[str, Any]) -> Markup | None:
    """``Công ước: Công ước về quyền trẻ em`` when every change of an edit is a
    dismissed suggestion (what ``tagging.dismiss`` audits), else None."""
    marks = {field: _suggestion_mark(pair) for field, pair in changes.items()}
    if not marks or any(m is None or m[1] != "dismissed" for m in marks.values()):
        return None
    return Markup("; ").join(say("%(field)s: %(value)s", field=field_name(field),
                                 value=label(field, mark[0]))
                             for field, mark in marks.items() if mark)


def changes_text(changes: dict[str, Any]) -> Markup:
    """``Ngôn ngữ: Tiếng Việt → Tiếng Việt, Tiếng Xơ Đăng; Tiêu đề: …``."""
    parts = []
    for field, pair in changes.items():
        marked = _suggestion_mark(pair)
        if marked and marked[1] == "confirmed":
            parts.append(say(_("%(field)s: added %(value)s (a confirmed suggestion)"),
                             field=field_name(field), value=label(field, marked[0])))
        elif marked and marked[1] == "dismissed":
            parts.append(say(_("%(field)s: dismissed the suggestion %(value)s"),
                             field=field_name(field), value=label(field, marked[0])))
        elif isinstance(pair, (list, tuple)) and len(pair) == 2:
            parts.append(say(_("%(field)s: %(old)s → %(new)s"), field=field_name(field),
                             old=value_text(field, pair[0]), new=value_text(field, pair[1])))
        else:
            parts.append(escape(field_name(field)))
    return Markup("; ").join(parts)


def _change_sentence(row: dict[str, Any]) -> Markup:
    who = row.get("user_name")
    if row["action"] == "create":
        return say(_("%(user)s created the product"), user=who) if who \
            else escape(_("The product was created"))
    if row["action"] == "import":
        return say(_("%(user)s imported the product from another archive"), user=who) \
            if who else escape(_("The product was imported from another archive"))
    if row["action"] in CONSENT_ACTIONS:
        return consent_sentence(row["action"], who or _("someone"), row.get("changes") or {})
    if row["action"] == "update":
        dismissed = _dismissals(row.get("changes") or {})
        if dismissed is not None:
            return say(_("%(user)s dismissed the suggestion %(what)s"), user=who,
                       what=dismissed) if who \
                else say(_("Dismissed the suggestion %(what)s"), what=dismissed)
        what = changes_text(row.get("changes") or {})
        return say(_("%(user)s edited: %(changes)s"), user=who, changes=what) if who \
            else say(_("Edited: %(changes)s"), changes=what)
    return escape(row["action"])


def _file_named(file_id: int | None, files: dict[int, str]) -> str:
    """The file's name; for a file whose name no record keeps, its number ("no. 12,
    no longer in this product"), which reads after the word "file" in any sentence."""
    if file_id and file_id in files:
        return files[file_id]
    if file_id:
        return _("no. %(id)s, no longer in this product", id=file_id)
    return _("(not named)")


def _track_sentence(action: str, who: str, file: str) -> Markup:
    """Events of caption and transcript tracks (app.services.captions.attaching, editing, embedded)."""
    if action == "track.add":
        return say(_("%(user)s added captions or a transcript to %(file)s"), user=who,
                   file=file)
    if action == "track.edit":
        return say(_("%(user)s changed the captions or transcript of %(file)s"), user=who,
                   file=file)
    if action == "track.remove":
        return say(_("%(user)s removed captions or a transcript from %(file)s"), user=who,
                   file=file)
    return say(_("The captions inside %(file)s were taken out to be shown and searched"),
               file=file)


# "text converted from TCVN3 (ABC, .VnTime) to Unicode: …", "… may be typed in VNI
# (VNI-Times) but …" (ingest.legacy_text.Repair.describe, bulk ingest's manifest rows)
_CONVERTED_FROM = re.compile(r"converted from (.+?) to Unicode")
_MAY_BE_TYPED_IN = re.compile(r"may be typed in (.+?) but")


def _encoding_sentence(detail: str) -> Markup:
    """What the legacy-encoding step did, naming the encoding."""
    found = _CONVERTED_FROM.search(detail)
    if found:
        return say(_("The text was typed in %(encoding)s, an old font encoding: it was "
                     "converted to Unicode so that it can be searched (the original file "
                     "is unchanged)"), encoding=found.group(1))
    found = _MAY_BE_TYPED_IN.search(detail)
    if found:
        return say(_("The text may be typed in %(encoding)s, an old font encoding, but "
                     "not surely: it was kept as it is, check it"), encoding=found.group(1))
    return escape(STEPS["encoding"][0])


def _near_duplicate_sentence(detail: str | None, who: str, file: str) -> Markup:
    """A producer's answer about a near-duplicate: the same work, or another."""
    other = _json_field(detail, "other_filename") or _("(not named)")
    product = _json_int(detail, "other_product")
    if _json_field(detail, "answer") == "same":
        return say(_("%(user)s answered that %(file)s is the same work as %(other)s in "
                     "product #%(id)s"), user=who, file=file, other=other, id=product)
    return say(_("%(user)s answered that %(file)s is a different work from %(other)s in "
                 "product #%(id)s"), user=who, file=file, other=other, id=product)


def _event_sentence(row: dict[str, Any], files: dict[int, str]) -> Markup | None:
    """The sentence of a provenance event; None for a step that had nothing to do."""
    action, outcome, who = row["action"], row.get("outcome") or "ok", row.get("user_name")
    file = _file_named(row.get("file_id"), files)
    if outcome == "skipped":
        return None
    if action == "file.replace":
        old = _json_field(row.get("detail"), "filename") or file
        new = _json_field(row.get("detail"), "new_filename") or _file_named(
            _json_int(row.get("detail"), "replaced_by"), files)
        return say(_("%(user)s replaced the file %(old)s with %(new)s"),
                   user=who or _("someone"), old=old, new=new)
    if action == "file.receive":
        return say(_("%(user)s uploaded the file %(file)s"), user=who, file=file) if who \
            else say(_("The file %(file)s was received"), file=file)
    if action == "file.import":
        return say(_("The file %(file)s was imported from another archive"), file=file)
    if action == "product.import":
        return escape(_("The product was imported from another archive"))
    if action == "ingest.bulk":
        return say(_("%(user)s added the product from a spreadsheet"), user=who) if who \
            else escape(_("The product was added from a spreadsheet"))
    if action == "broadcast.log":
        found = _AIRED.search(row.get("detail") or "")
        if found:
            day = vn_date(date.fromisoformat(found.group(1)))
            commune = label("communes", found.group(3))
            if found.group(2) in SLOT_WORDS:
                return say(_("%(user)s logged that %(commune)s aired it on %(day)s "
                             "%(slot)s"), user=who or _("someone"), commune=commune,
                           day=day, slot=str(SLOT_WORDS[found.group(2)]))
            return say(_("%(user)s logged that %(commune)s aired it on %(day)s"),
                       user=who or _("someone"), commune=commune, day=day)
        return escape(_("A broadcast was logged"))
    if action == "broadcast.withdraw":
        found = _AIRED.search(row.get("detail") or "")
        if found:
            day = vn_date(date.fromisoformat(found.group(1)))
            commune = label("communes", found.group(3))
            if found.group(2) in SLOT_WORDS:
                return say(_("%(user)s withdrew the log that %(commune)s aired it on "
                             "%(day)s %(slot)s"), user=who or _("someone"),
                           commune=commune, day=day, slot=str(SLOT_WORDS[found.group(2)]))
            return say(_("%(user)s withdrew the log that %(commune)s aired it on %(day)s"),
                       user=who or _("someone"), commune=commune, day=day)
        return escape(_("A broadcast log was withdrawn"))
    if action.startswith("access."):           # app.services.access.requests
        return access_request_sentence(action, who or _("someone"), row.get("detail") or "")
    if action.startswith("track."):            # caption and transcript tracks
        return _track_sentence(action, who or _("someone"), file)
    if action == "file.near_duplicate":         # app.services.catalogue.near_duplicates
        return _near_duplicate_sentence(row.get("detail"), who or _("someone"), file)
    if action == "file.retry":
        return say(_("%(user)s asked for %(file)s to be processed again"),
                   user=who or _("someone"), file=file)
    if action == "file.remove":
        removed = _json_field(row.get("detail"), "filename") or file
        return say(_("%(user)s removed the file %(file)s"), user=who or _("someone"),
                   file=removed)
    if action == "fixity.check":
        return say(_("Checked that the stored copy of %(file)s is intact"), file=file) \
            if outcome == "ok" else \
            say(_("The stored copy of %(file)s is damaged or missing"), file=file)
    if action == "fixity.repair":
        return say(_("A damaged stored copy of %(file)s was replaced by verified bytes"),
                   file=file)
    if action == "replica.copy":
        return say(_("A safety copy of %(file)s was made on the replica"), file=file)
    if action == "encoding" and outcome == "ok":      # ingest.legacy_text.provenance
        return _encoding_sentence(row.get("detail") or "")
    if action == "text" and outcome == "ok" and _NO_TEXT_LAYER in (row.get("detail") or ""):
        return escape(_("The document has no text layer (scanned pages)"))
    step = STEPS.get(action)
    if step is not None:
        return escape(step[0] if outcome == "ok" else step[1])
    return say(_("Processing step %(step)s: done") if outcome == "ok"
               else _("Processing step %(step)s: failed"), step=action)


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text or "")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _json_field(text: str | None, key: str) -> str:
    """``key`` of a JSON object in an event's detail ("" when it is not one)."""
    return str(_json_object(text).get(key) or "")


def _json_int(text: str | None, key: str) -> int | None:
    value = _json_object(text).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _program(row: dict[str, Any]) -> str:
    """The program that did a step and its version ("ffmpeg 7.1"); "" for Kho itself."""
    tool = row.get("tool") or ""
    if not tool or tool == "kho" or tool.startswith("kho "):
        return ""
    return f"{tool} {row.get('tool_version') or ''}".strip()


def _names_and_replacements(rows: list[dict[str, Any]],
                            files: dict[int, str]) -> tuple[dict[int, str], set[int]]:
    """File names by id — the product's files, and those removed or replaced since,
    named by their removal's record — and the ids of files that came in as
    replacements (their upload is said by the replacement's own sentence)."""
    names: dict[int, str] = {}
    replacements: set[int] = set()
    for row in rows:
        if row["type"] != "event" or row["action"] not in ("file.remove", "file.replace"):
            continue
        record = _json_object(row.get("detail"))
        if row.get("file_id") and record.get("filename"):
            names.setdefault(row["file_id"], str(record["filename"]))
        new_id = _json_int(row.get("detail"), "replaced_by")
        if new_id is not None:
            replacements.add(new_id)
            if record.get("new_filename"):
                names.setdefault(new_id, str(record["new_filename"]))
    names.update(files)          # the catalogue's current names come first
    return names, replacements


def history_entries(rows: list[dict[str, Any]], files: dict[int, str]) -> list[dict]:
    """Rows of ``product_history`` as ``{"at", "sentence", "file", "failed",
    "folded", "technical"}``, newest first; ``files`` maps file id -> the file's name
    (files removed or replaced since are named from their removal's record).

    ``file`` names the file a processing step worked on (other sentences name their
    file themselves; "" for edits); ``folded`` is True for the archive's own work
    (processing, checks, copies, retries), listed apart and folded; ``technical`` the
    program and version that did it ("ffmpeg 7.1"; "" for edits and Kho's own work).
    A skipped step (nothing to do: "PDF has a text layer") has no sentence, and
    neither has the upload of a file that replaced another (the replacement says it).
    """
    names, replacements = _names_and_replacements(rows, files)
    entries = []
    for row in rows:
        if row["type"] == "change":
            entries.append({"at": row["at"], "sentence": _change_sentence(row), "file": "",
                            "failed": False, "folded": False, "technical": ""})
            continue
        step = row["action"] in STEPS or row["action"] == "text"
        sentence = None if row["action"] == "file.receive" \
            and row.get("file_id") in replacements else _event_sentence(row, names)
        entries.append({"at": row["at"], "sentence": sentence,
                        "file": names.get(row.get("file_id") or 0, "") if step else "",
                        "failed": row.get("outcome") == "failed",
                        "folded": technical_event(row["action"]),
                        "technical": _program(row)})
    return entries
