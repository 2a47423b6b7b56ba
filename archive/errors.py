"""Domain errors shared by every layer.

Each error carries a stable machine ``code``, a human ``message`` (already in the
user's language where the raiser knows it, otherwise English; the front doors
translate through ``app.errors``) and, where the error is about one input, the
``field`` (form field, manifest column, config key or file name) it concerns.
Errors carry no HTTP status: ``app.errors`` maps them to statuses and exit codes.
"""
from __future__ import annotations

from typing import Callable, Optional

Gettext = Callable[[str], str]
NumberFormat = Callable[[int], str]


class Quantity(int):
    """An amount a reader reads (bytes, pixels): shown with the reader's thousands
    separator — ``200.000`` in Vietnamese, ``200,000`` in English — when a message is
    rendered. Plain ints (ids, row numbers) are shown as they are."""

    def __str__(self) -> str:
        return english_number(self)


def english_number(value: int | float) -> str:
    if isinstance(value, float):
        return f"{value:,}"
    return f"{int(value):,}"


class Bytes(int):
    """A size in bytes a reader reads: shown in human units, ``4 GB``, ``1,5 MB`` in
    Vietnamese, ``1.5 MB`` in English (binary units, one decimal at most), when a
    message is rendered — never ``4294967296 B``."""

    def __str__(self) -> str:
        return human_bytes(self, english_number)


def human_bytes(value: int, number: "NumberFormat") -> str:
    """``value`` bytes in the largest unit it reaches (GB, MB, kB, B; 1024 each), one
    decimal at most, written by ``number`` (the reader's decimal separator)."""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if value >= size:
            amount = round(value / size, 1)
            return f"{number(int(amount) if amount == int(amount) else amount)} {unit}"
    return f"{number(int(value))} B"


def _format_number(gettext: Gettext, number: Optional[NumberFormat]) -> NumberFormat:
    """``number`` if given, else the one the ``gettext`` carries (``app.i18n``), else
    English."""
    return number or getattr(gettext, "number", None) or english_number


def _fill(template: str, params: dict[str, object], gettext: Gettext,
          number: NumberFormat) -> str:
    values = {k: _param(v, gettext, number) for k, v in params.items()}
    return template % values if values else template


def _param(value: object, gettext: Gettext, number: NumberFormat) -> object:
    if isinstance(value, Message):
        return value.render(gettext, number)
    if isinstance(value, Bytes):
        return human_bytes(value, number)
    if isinstance(value, Quantity):
        return number(int(value))
    if isinstance(value, (list, tuple)):
        return "; ".join(str(_param(v, gettext, number)) for v in value)
    return value


class Message(str):
    """An English message that keeps its template and values, so a front door can show
    it in the reader's language: ``Message("unknown code(s): %(codes)s", codes="xyz")``.

    It *is* the English text (a ``str``), so code that only logs or compares it keeps
    working. Values that are Messages are translated too, lists of them are joined with
    ``"; "``, :class:`Quantity` values get the reader's thousands separator; other
    values (names, codes, file names) are shown as given.
    """

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> "Message":
        try:
            text = _fill(template, params, _identity, english_number)
        except (KeyError, ValueError, TypeError):
            text = template
        self = super().__new__(cls, text)
        self.template, self.params = template, params
        return self

    def render(self, gettext: Gettext, number: Optional[NumberFormat] = None) -> str:
        """The message in ``gettext``'s language (falls back to English)."""
        try:
            return _fill(gettext(self.template), self.params, gettext,
                         _format_number(gettext, number))
        except (KeyError, ValueError, TypeError):
            return str.__str__(self)

    def __reduce__(self):  # pickles (job queue) as what it is
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, object]) -> Message:
    return Message(template, **params)


def _identity(text: str) -> str:
    return text


def render_message(value: object, gettext: Gettext,
                   number: Optional[NumberFormat] = None) -> str:
    """A Message (or a list of them) in ``gettext``'s language; a plain string is looked
    up as a whole (an English message without values), anything else shown as is."""
    if isinstance(value, Message):
        return value.render(gettext, number)
    if isinstance(value, (list, tuple)):
        return "; ".join(render_message(v, gettext, number) for v in value)
    if isinstance(value, str):
        return gettext(value) if value else value
    return "" if value is None else str(value)


class KhoError(Exception):
    """Base of every expected, user-facing error.

    ``private`` errors speak of the machine (storage folders, object keys, endpoints):
    their text is for the operator's log and command line, and the web and API doors
    show a plain message instead (:func:`app.errors.public_error`).
    """

    code = "error"
    private = False

    def __init__(self, message: str, *, field: str | None = None,
                 fields: dict[str, str] | None = None, **params: object) -> None:
        """``message`` is an English template; ``params`` fill its ``%(name)s`` slots.

        Keeping template and values apart lets each front door translate the
        template (``render``) before filling it in. ``fields`` values may be
        :class:`Message` objects (translated by ``render_fields``).
        """
        self.template = message
        self.params = params
        text = Message(message, **params)
        super().__init__(str(text))
        self.text = text
        self.message = str.__str__(text)
        self.field = field
        self.fields = dict(fields or {})
        if field and field not in self.fields:
            self.fields[field] = text

    def __str__(self) -> str:  # one clear line, naming the field when known
        return f"{self.field}: {self.message}" if self.field else self.message

    def render(self, gettext: Gettext, number: Optional[NumberFormat] = None) -> str:
        """The message translated by ``gettext`` (falls back to English); whole numbers
        given as :class:`Quantity` are written by ``number`` (or ``gettext.number``)."""
        return self.text.render(gettext, number)

    def render_fields(self, gettext: Gettext,
                      number: Optional[NumberFormat] = None) -> dict[str, str]:
        """``fields`` with each message in ``gettext``'s language."""
        return {name: render_message(value, gettext, number)
                for name, value in self.fields.items()}


class ValidationError(KhoError):
    """Input that breaks a rule (bad value, unknown code, missing field)."""

    code = "invalid"


class NotFound(KhoError):
    code = "not_found"


class Conflict(KhoError):
    """The request clashes with existing state (duplicate user, stale edit)."""

    code = "conflict"


class PermissionDenied(KhoError):
    code = "forbidden"


class AuthenticationRequired(KhoError):
    code = "unauthorized"


class TooLarge(KhoError):
    """An upload exceeds the configured size limit (``max_upload_bytes``)."""

    code = "too_large"


class StorageError(KhoError):
    """Object storage unreachable, misconfigured or refusing (bucket, credentials)."""

    code = "storage_error"
    private = True


class MissingObject(NotFound):
    """A stored object the catalogue points at cannot be found (names its key)."""

    private = True


class PreconditionFailed(KhoError):
    """A write sent with the version it was based on (``If-Match``, the edit form's
    hidden version) finds the record changed since: nothing was written."""

    code = "stale"


class InsufficientStorage(KhoError):
    """The disk under the spool (uploads in transit) is full; names the setting."""

    code = "insufficient_storage"


class ServiceUnavailable(KhoError):
    """A backing service (database, queue, index) cannot be reached."""

    code = "unavailable"


class ProcessingError(KhoError):
    """A media tool failed on a file; ``detail`` keeps the tool's stderr tail.

    ``problem`` is the code of what the producer is told (``archive.problems``: the
    sentence with its remedy, in their language), filled with ``params``; the English
    ``message`` stays for the log and the provenance event."""

    code = "processing_failed"

    def __init__(self, message: str, *, problem: str = "", detail: str = "",
                 field: str | None = None, **params: object) -> None:
        super().__init__(message, field=field, **params)
        self.detail = detail
        self.problem = problem


def message_of(error: BaseException) -> str:
    """What went wrong, for a report line: a KhoError as a Message (naming its field),
    anything else (OSError…) as its text."""
    if isinstance(error, KhoError):
        return Message("%(field)s: %(problem)s", field=error.field, problem=error.text) \
            if error.field else error.text
    return str(error)
