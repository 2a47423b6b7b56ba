"""Caption and transcript files: WebVTT read, SRT converted, every problem named by line.

:func:`read_captions` turns the bytes of a ``.vtt`` or ``.srt`` file into a
:class:`CaptionFile`: the cues (start and end in milliseconds, the text without cue
tags, the line of the timing line), what the WebVTT header says of the track
(``Language:``, ``Kind:``) and the WebVTT text the players load (an SRT file
converted). The cues are parsed by webvtt-py (this module is its one home); before
that, a scan of the lines finds what would make the file unusable and says where, so a
producer reads "dòng 12: …" rather than "invalid format":

* bytes that are not UTF-8 (a legacy Vietnamese encoding: TCVN3, VNI, VISCII), or not
  text at all;
* a WebVTT file that does not start with ``WEBVTT``; a block with no timing line;
* a timing line that is not one (``00:01:02.500 --> 00:01:05.000``), a time whose
  minutes or seconds pass 59, a cue that does not end after it starts, cues out of time
  order, a timing line inside a cue's text;
* cues that end after the media does (when its duration is known).

Every problem is a :class:`archive.errors.Message` naming its line;
:class:`CaptionProblems` carries them all (the first :data:`SHOWN_PROBLEMS` in its
message). Legacy encodings: bytes that are not UTF-8 go to :func:`legacy_converter`
(TCVN3 / VNI / VISCII to Unicode); what it does not recognise is refused by line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from archive.errors import Message, ValidationError
from ingest.legacy_text import decode_legacy_bytes

FORMATS = ("vtt", "srt")
EXTENSIONS = {".vtt": "vtt", ".srt": "srt"}
MEDIA_TYPES = {"vtt": "text/vtt", "srt": "application/x-subrip"}
SHOWN_PROBLEMS = 12              # problems named in the message (all are in ``lines``)
END_TOLERANCE_MS = 1000          # a cue may end this much after the media (rounding)
MAX_CUE_MS = 100 * 3600 * 1000   # 100 hours: no broadcast is longer
EXAMPLE = {"vtt": "00:01:02.500 --> 00:01:05.000", "srt": "00:01:02,500 --> 00:01:05,000"}

# a time: [hours:]minutes:seconds.millis (SRT: a comma; both accepted in either format,
# as players do); fields are checked separately so "00:75:00.000" is named as such
_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?\s*$")
_STARTS_WITH_TIME = re.compile(r"^\s*\d{1,2}:\d{2}[:.,]")
_HEADER_META = re.compile(r"^([A-Za-z][A-Za-z-]*)\s*:\s*(.*?)\s*$")

# ``(bytes) -> (text, encoding name)`` or None when the bytes are not in an encoding
# it knows; see :func:`legacy_converter`
LegacyConverter = Callable[[bytes], Optional[tuple[str, str]]]


def _from_legacy(data: bytes) -> Optional[tuple[str, str]]:
    repair = decode_legacy_bytes(data)
    return (repair.text, repair.encoding) if repair.converted and repair.encoding else None


def legacy_converter() -> LegacyConverter:
    """The converter of legacy Vietnamese encodings (TCVN3/ABC, VNI, VISCII) to Unicode
    NFC (:func:`ingest.legacy_text.decode_legacy_bytes`): :func:`read_captions` gives it
    the bytes that are not UTF-8 and keeps its text and the encoding's name
    (``CaptionFile.encoding``, stored on the track; the original bytes stay as they are
    in storage). Bytes it does not recognise with confidence give None: they are
    refused, naming their lines."""
    return _from_legacy


@dataclass(frozen=True)
class Cue:
    """One cue: times in milliseconds, text without cue tags (lines joined by "\\n"),
    ``line`` the 1-based line of its timing line in the file."""

    start_ms: int
    end_ms: int
    text: str
    line: int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a caption file, at ``line`` (1-based; 0: the whole file)."""

    line: int
    code: str
    message: Message


@dataclass(frozen=True)
class CaptionFile:
    """A caption file read: ``format`` (``vtt`` | ``srt``), how its bytes were read
    (``encoding``), its cues in time order, what its header says (``language``,
    ``kind``: "" when it says nothing) and ``webvtt``, the text players load."""

    format: str
    encoding: str
    cues: list[Cue]
    webvtt: str
    language: str = ""
    kind: str = ""

    @property
    def end_ms(self) -> int:
        """When the last cue ends (0 without cues)."""
        return max((c.end_ms for c in self.cues), default=0)


class CaptionProblems(ValidationError):
    """A caption file that cannot be used, with every problem by line (``problems``)."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        shown = [p.message for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(Message("and %(count)s more problems",
                                 count=len(problems) - SHOWN_PROBLEMS))
        super().__init__("%(file)s cannot be used as captions: %(problems)s", field="file",
                         file=filename, problems=shown)
        self.problems = problems


def format_of(filename: str) -> Optional[str]:
    """``vtt`` or ``srt`` from a file name's ending (any case); None for another."""
    lower = filename.lower()
    return next((fmt for ext, fmt in EXTENSIONS.items() if lower.endswith(ext)), None)


def clock(ms: int, *, sep: str = ".") -> str:
    """``HH:MM:SS.mmm`` (hours at least two digits), as WebVTT writes a time."""
    hours, rest = divmod(int(ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def read_captions(data: bytes, filename: str, *, duration_ms: Optional[int] = None,
                  legacy: Optional[LegacyConverter] = None) -> CaptionFile:
    """Read a caption file (``.vtt``, or ``.srt`` converted to WebVTT).

    ``duration_ms`` (the media's length, when known) makes cues that end after it
    problems. ``legacy`` reads bytes that are not UTF-8 (see :func:`legacy_converter`).
    Raises :class:`CaptionProblems` naming every problem with its line.
    """
    text, encoding, problems = decode(data, legacy)
    if problems:
        raise CaptionProblems(filename, problems)
    fmt = _format(text, filename)
    lines = text.split("\n")
    problems = _scan(lines, fmt)
    if problems:
        raise CaptionProblems(filename, problems)
    parsed, cues = _parse(lines, fmt, filename)
    problems = past_the_end(cues, duration_ms)
    if problems:
        raise CaptionProblems(filename, problems)
    meta = _header(lines) if fmt == "vtt" else {}
    # a WebVTT file is loaded as it came (styles, voices, positions); SRT converted
    content = text if fmt == "vtt" else parsed.content
    return CaptionFile(fmt, encoding, cues, content, meta.get("language", ""),
                       meta.get("kind", ""))


def decode(data: bytes, legacy: Optional[LegacyConverter] = None
           ) -> tuple[str, str, list[Problem]]:
    """``(text, encoding, problems)``: UTF-8 (a byte-order mark dropped; UTF-16 with its
    mark read too), else what ``legacy`` makes of it, else a problem for each line that
    is not UTF-8. Line ends become "\\n"."""
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        return "", "", [Problem(line, "not_text", Message(
            "line %(line)s: this is not text (a caption file is a text file)", line=line))]
    encoding = "utf-8"
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text, encoding = data.decode("utf-16"), "utf-16"
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        converted = legacy(data) if legacy is not None else None
        if converted is None:
            return "", "", _not_utf8(data)
        text, encoding = converted
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding, []


def _not_utf8(data: bytes) -> list[Problem]:
    problems = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(number, "encoding", Message(
                "line %(line)s: the text is not in UTF-8: it looks like an old Vietnamese "
                "encoding (TCVN3, VNI or VISCII) — save the file as UTF-8 and send it again",
                line=number)))
    return problems


def _format(text: str, filename: str) -> str:
    """WebVTT when the text says so; SRT for a ``.srt`` name; WebVTT otherwise (the
    scan then says that the first line is not ``WEBVTT``)."""
    if text.startswith("WEBVTT"):
        return "vtt"
    return "srt" if format_of(filename) == "srt" else "vtt"


@dataclass
class _Scan:
    fmt: str
    problems: list[Problem] = field(default_factory=list)
    previous_start: Optional[int] = None
    cues: int = 0

    def add(self, line: int, code: str, template: str, **params: object) -> None:
        self.problems.append(Problem(line, code, Message(template, line=line, **params)))


def _blocks(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """Blocks of non-empty lines from ``start`` (0-based), each with the 1-based number
    of its first line. SRT tools leave spaces on "empty" lines: blank counts as empty."""
    blocks, current, first = [], [], 0
    for index in range(start, len(lines)):
        line = lines[index]
        if line.strip():
            if not current:
                first = index + 1
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _scan(lines: list[str], fmt: str) -> list[Problem]:
    """Every problem of the lines, by line (the parser itself names none)."""
    scan = _Scan(fmt)
    start = 0
    if fmt == "vtt":
        first = lines[0] if lines else ""
        if not (first.startswith("WEBVTT") and first[6:7] in ("", " ", "\t")):
            scan.add(1, "not_webvtt", "line %(line)s: a WebVTT file starts with the word "
                     "WEBVTT; this one starts with “%(found)s”", found=first[:40])
            return scan.problems
        start = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    for number, block in _blocks(lines, start):
        _scan_block(scan, number, block)
    if not scan.cues and not scan.problems:
        scan.add(1, "no_cues", "line %(line)s: the file holds no cue (no timing line such "
                 "as %(example)s)", example=EXAMPLE[fmt])
    return scan.problems


def _scan_block(scan: _Scan, number: int, block: list[str]) -> None:
    head = block[0].strip()
    if scan.fmt == "vtt" and (head.startswith("NOTE") or head in ("STYLE", "REGION")):
        return                                     # comments, style and region blocks
    timing_at = 0 if _is_timing(block[0]) else \
        1 if len(block) > 1 and _is_timing(block[1]) else -1
    if timing_at < 0:
        scan.add(number, "no_timing", "line %(line)s: a cue needs a timing line "
                 "(%(example)s) before its text; found “%(found)s”",
                 example=EXAMPLE[scan.fmt], found=head[:60])
        return
    line = number + timing_at
    times = _timing(scan, line, block[timing_at])
    for offset, text in enumerate(block[timing_at + 1:], start=timing_at + 1):
        if "-->" in text:
            scan.add(number + offset, "timing_in_text", "line %(line)s: a timing line "
                     "inside a cue's text: leave an empty line before it")
            break
    scan.cues += 1
    if times is None:
        return
    start, end = times
    if end <= start:
        scan.add(line, "ends_before_start", "line %(line)s: the cue must end after it "
                 "starts: it starts at %(start)s and ends at %(end)s",
                 start=clock(start), end=clock(end))
    if scan.previous_start is not None and start < scan.previous_start:
        scan.add(line, "out_of_order", "line %(line)s: the cue starts at %(start)s, before "
                 "the cue above it (%(previous)s): cues must be in time order",
                 start=clock(start), previous=clock(scan.previous_start))
    scan.previous_start = start


def _is_timing(line: str) -> bool:
    """A line meant as a timing line: it has the arrow, or starts with a time."""
    return "-->" in line or _STARTS_WITH_TIME.match(line) is not None


def _timing(scan: _Scan, line: int, text: str) -> Optional[tuple[int, int]]:
    match = _TIMING.match(text)
    if match is None:
        scan.add(line, "bad_timing", "line %(line)s: “%(found)s” is not a timing line: "
                 "write it as %(example)s", found=text.strip()[:60], example=EXAMPLE[scan.fmt])
        return None
    values = []
    for group in (match.groups()[:4], match.groups()[4:]):
        hours, minutes, seconds, millis = group
        if int(minutes) > 59 or int(seconds) > 59:
            shown = f"{hours + ':' if hours else ''}{minutes}:{seconds}"
            scan.add(line, "bad_time", "line %(line)s: %(time)s is not a time: minutes and "
                     "seconds go from 00 to 59", time=shown)
            return None
        values.append(((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000
                      + int(millis.ljust(3, "0")))
    return values[0], values[1]


def past_the_end(cues: list[Cue], duration_ms: Optional[int]) -> list[Problem]:
    """A problem for each cue that ends after media of ``duration_ms`` (more than
    END_TOLERANCE_MS after); none when the duration is not known."""
    if not duration_ms or duration_ms <= 0:
        return []
    return [Problem(c.line, "past_the_end", Message(
                "line %(line)s: the cue ends at %(end)s, after the end of the media "
                "(%(duration)s)", line=c.line, end=clock(c.end_ms), duration=clock(duration_ms)))
            for c in cues if c.end_ms > duration_ms + END_TOLERANCE_MS]


def as_stored(problem: Problem) -> dict[str, Any]:
    """A problem as a track keeps it (JSON): ``{"line", "code", "params"}``."""
    params = {k: v for k, v in problem.message.params.items() if k != "line"}
    return {"line": problem.line, "code": problem.code, "params": params}


def stored_problem(problem: dict[str, Any]) -> Message:
    """A problem a track keeps (:func:`as_stored`) in English words again."""
    params = dict(problem.get("params") or {})
    if problem.get("code") == "past_the_end":
        return Message("line %(line)s: the cue ends at %(end)s, after the end of the media "
                       "(%(duration)s)", line=problem.get("line"), end=params.get("end"),
                       duration=params.get("duration"))
    return Message("line %(line)s: %(code)s", line=problem.get("line"),
                   code=problem.get("code"))


def _parse(lines: list[str], fmt: str, filename: str) -> tuple[webvtt.WebVTT, list[Cue]]:
    """The file parsed by webvtt-py, and its cues with the lines of their timing lines.
    The scan found nothing wrong, so a parser error here is one the scan does not know:
    it is named for line 1."""
    try:
        parsed = webvtt.from_buffer(iter(lines), format=fmt)
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise CaptionProblems(filename, [Problem(1, "unreadable", Message(
            "line %(line)s: the file could not be read as %(format)s: %(reason)s", line=1,
            format="WebVTT" if fmt == "vtt" else "SRT", reason=str(exc)[:200]))]) from None
    timing_lines = [i + 1 for i, line in enumerate(lines) if "-->" in line]
    cues = []
    for index, caption in enumerate(parsed.captions):
        start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        line = timing_lines[index] if index < len(timing_lines) else 0
        cues.append(Cue(min(start, MAX_CUE_MS), min(end, MAX_CUE_MS),
                        caption.text.strip(), line))
    return parsed, cues


def _header(lines: list[str]) -> dict[str, str]:
    """``Language:`` and ``Kind:`` lines of a WebVTT header (a common convention)."""
    found: dict[str, str] = {}
    for line in lines[1:]:
        if not line.strip():
            break
        match = _HEADER_META.match(line)
        if match and match.group(1).lower() in ("language", "kind"):
            found[match.group(1).lower()] = match.group(2).strip().lower()
    return found


def to_webvtt(data: bytes, filename: str, legacy: Optional[LegacyConverter] = None) -> str:
    """The WebVTT text players load for a stored caption file (the bytes as received):
    a WebVTT file as it is (decoded), an SRT file converted. Raises CaptionProblems
    for bytes that are no longer readable (they were when stored)."""
    return read_captions(data, filename, legacy=legacy).webvtt
