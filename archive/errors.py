"""Domain errors shared by every layer.

Each error carries a stable machine ``code``, a human ``message`` (already in the
user's language where the raiser knows it, otherwise English; the front doors
translate through ``app.errors``) and, where the error is about one input, the
``field`` (form field, manifest column, config key or file name) it concerns.
Errors carry no HTTP status: ``app.errors`` maps them to statuses and exit codes.
"""
from __future__ import annotations


class KhoError(Exception):
    """Base of every expected, user-facing error."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None,
                 fields: dict[str, str] | None = None, **params: object) -> None:
        """``message`` is an English template; ``params`` fill its ``%(name)s`` slots.

        Keeping template and values apart lets each front door translate the
        template (``render``) before filling it in.
        """
        self.template = message
        self.params = params
        message = message % params if params else message
        super().__init__(message)
        self.message = message
        self.field = field
        self.fields = dict(fields or {})
        if field and field not in self.fields:
            self.fields[field] = message

    def __str__(self) -> str:  # one clear line, naming the field when known
        return f"{self.field}: {self.message}" if self.field else self.message

    def render(self, gettext) -> str:
        """The message translated by ``gettext`` (falls back to English)."""
        template = gettext(self.template)
        try:
            return template % self.params if self.params else template
        except (KeyError, ValueError, TypeError):
            return self.message


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


class ServiceUnavailable(KhoError):
    """A backing service (database, queue, index) cannot be reached."""

    code = "unavailable"


class ProcessingError(KhoError):
    """A media tool failed on a file; ``detail`` keeps the tool's stderr tail."""

    code = "processing_failed"

    def __init__(self, message: str, *, detail: str = "", field: str | None = None,
                 **params: object) -> None:
        super().__init__(message, field=field, **params)
        self.detail = detail
