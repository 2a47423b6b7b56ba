"""Processing problems: what a producer is told when a file could not be processed.

A failed file stores a problem *code* and its *values* (``File.problem``,
``File.problem_params``), never a sentence: each door renders the code's English
template below in its reader's language (the Vietnamese is in the message catalogue),
and each sentence says what happened and what to do about it. The tool's own output
(``File.error_detail``) is kept beside it, for whoever wants the details.

Codes are ``<medium>.<what>`` (``video.truncated``) or ``<area>.<what>``
(``tool.timeout``). Ingest raises ``media.*`` codes for audio and video alike; the
dispatcher names the medium (:func:`for_category`) when the file's category is known.
Values are JSON (names, whole numbers); whole numbers are shown with the reader's
thousands separator. A code this version does not know reads as the generic one.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from archive.errors import Message, Quantity

GENERIC = "processing.failed"      # rows from before problem codes (migration 0013)

# code -> English template: what happened — what to do
PROBLEMS: dict[str, str] = {
    GENERIC: "Processing of this file failed — press Retry; if it fails again, upload "
             "the original file again.",
    "processing.stopped": "Processing stopped before it finished — press Retry; if it "
                          "happens again, tell the administrator.",
    "processing.internal": "Processing ran into an unexpected error — press Retry; if it "
                           "happens again, tell the administrator.",
    "storage.unavailable": "The archive's storage could not be read or written — press "
                           "Retry in a moment; if it happens again, tell the administrator.",
    "server.disk_full": "The server's disk is full — tell the administrator, then press "
                        "Retry.",
    "tool.missing": "A processing program (%(tool)s) is not installed on the server — "
                    "tell the administrator, then press Retry.",
    "tool.timeout": "Processing took longer than %(seconds)s seconds and was stopped — "
                    "press Retry; if it happens again, tell the administrator.",
    "tool.failed": "The processing program could not handle this file — upload the "
                   "original file again; if it fails again, tell the administrator.",
    "media.truncated": "The file is cut short — upload the original file again.",
    "media.unreadable": "The file is damaged or in a format Kho cannot read — upload the "
                        "original file again.",
    "media.no_streams": "The file holds neither sound nor picture — check that it is the "
                        "right file and upload it again.",
    "video.truncated": "The video file is cut short — upload the original file again.",
    "video.unreadable": "The video file is damaged or is not a video — upload the "
                        "original file again, or export it again as MP4.",
    "video.no_picture": "The video has no picture: the file is damaged or is not a video "
                        "— upload the original file again.",
    "video.no_frame": "No picture could be decoded from the video — upload the original "
                      "file again.",
    "audio.truncated": "The audio file is cut short — upload the original file again.",
    "audio.unreadable": "The audio file is damaged or is not audio — upload the original "
                        "file again, or export it again as MP3 or WAV.",
    "audio.no_sound": "No sound could be decoded from the audio file — upload the "
                      "original file again.",
    "image.bomb": "The image is too large: more than %(limit)s pixels — save it at a "
                  "smaller size and upload it again.",
    "image.memory": "The image has too many pixels to process here — save it at a "
                    "smaller size, or as JPEG, and upload it again.",
    "image.unreadable": "The image cannot be read: its format is not supported or the "
                        "file is damaged — save it again as JPEG or PNG and upload it.",
    "image.truncated": "The image file is cut short or damaged — upload the original "
                       "file again.",
    "pdf.encrypted": "The PDF is protected by a password — save it again without a "
                     "password and upload it.",
    "pdf.corrupt": "The PDF is damaged and cannot be read — export it again from the "
                   "program that made it and upload it.",
    "pdf.empty": "The PDF has no pages — check that it is the right file and upload it "
                 "again.",
    "document.encrypted": "The document is protected by a password — save it again without "
                          "a password and upload it.",
    "document.unreadable": "The document is damaged or is not the kind its name says — save "
                           "it again (as .docx, .odt or .txt) and upload it.",
    "document.too_large": "The document is too large to read safely — split it or save it "
                          "again without embedded objects and upload it.",
    "ocr.language_missing": "Text recognition for %(languages)s is not installed on the "
                            "server — tell the administrator, then press Retry.",
    "ocr.setting": "The text-recognition setting is not valid — tell the administrator, "
                   "then press Retry.",
}

# Problems of the moment — the server, its storage, its programs or their settings —
# that processing the same bytes again can get past. Every other code says the file
# itself is at fault (cut short, damaged, protected, too large): a retry fails again,
# and what helps is another file (:func:`retry_helps`).
PASSING = frozenset({GENERIC, "processing.stopped", "processing.internal",
                     "storage.unavailable", "server.disk_full", "tool.missing",
                     "tool.timeout", "ocr.language_missing", "ocr.setting"})

# the category a media.* code is specialised for (``for_category``)
_MEDIA = {"video": "video", "audio": "audio"}


def for_category(code: str, category: Optional[str]) -> str:
    """``media.truncated`` on a video file is ``video.truncated`` (when that code
    exists); any other code is returned as it is."""
    medium, _, what = code.partition(".")
    if medium == "media" and category in _MEDIA:
        special = f"{_MEDIA[category]}.{what}"
        if special in PROBLEMS:
            return special
    return code


def retry_helps(code: Optional[str]) -> bool:
    """Whether processing the file again can help with problem ``code``: True for a
    problem of the moment (:data:`PASSING`) and for a code this version does not know
    (it reads as the generic one, which says "press Retry"); False when the file is at
    fault, so the pages offer to replace the file rather than a retry that fails
    again."""
    return not code or code in PASSING or code not in PROBLEMS


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a problem as stored: strings and whole numbers only (others as
    text), so they survive JSON and any database."""
    kept: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, bool) or value is None:
            continue
        kept[name] = int(value) if isinstance(value, int) else \
            value if isinstance(value, str) else str(value)
    return kept


def problem_message(code: str, params: Optional[Mapping[str, Any]] = None) -> Message:
    """The problem's sentence as a :class:`Message` (English; a door renders it in its
    reader's language). Unknown codes (and "") read as :data:`GENERIC`: ask only
    about a file that has a problem."""
    template = PROBLEMS.get(code) or PROBLEMS[GENERIC]
    values = {k: Quantity(v) if isinstance(v, int) and not isinstance(v, bool) else v
              for k, v in (params or {}).items()}
    return Message(template, **values)
