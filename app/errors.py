"""One table: domain error code -> HTTP status, CLI exit code.

Front doors look errors up here instead of deciding statuses themselves. Exit codes:
0 ok, 1 failed work (a service or file failed), 2 usage error (bad input or config).
"""
from __future__ import annotations

from dataclasses import dataclass

from archive.errors import KhoError, MissingObject, ServiceUnavailable, StorageError


@dataclass(frozen=True)
class Outcome:
    http_status: int
    exit_code: int


TABLE: dict[str, Outcome] = {
    "invalid": Outcome(422, 2),
    "config_error": Outcome(500, 2),
    "not_found": Outcome(404, 2),
    "conflict": Outcome(409, 1),
    "forbidden": Outcome(403, 1),
    "unauthorized": Outcome(401, 1),
    "too_large": Outcome(413, 2),
    "storage_error": Outcome(503, 1),
    "unavailable": Outcome(503, 1),
    "stale": Outcome(412, 1),
    "insufficient_storage": Outcome(507, 1),
    "too_many_requests": Outcome(429, 1),
    "processing_failed": Outcome(422, 1),
    "error": Outcome(400, 1),
}


# HTTP errors raised by the routing itself (no such URL, wrong method…), as the API's
# error codes; the status when a code is missing here: "http_<status>"
HTTP_ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden",
                    404: "not_found", 405: "method_not_allowed", 413: "too_large",
                    415: "unsupported_media_type", 416: "range_not_satisfiable"}


# what a reader is told for them (English templates; each door translates)
HTTP_MESSAGES = {
    400: "The request could not be understood (the form may have expired: reload the page).",
    403: "You may not do this.",
    404: "This page does not exist, or you may not see it.",
    405: "This action is not allowed here.",
    416: "The requested byte range is not available.",
}


def http_error_code(status: int) -> str:
    return HTTP_ERROR_CODES.get(status, f"http_{status}")


def outcome(error: KhoError) -> Outcome:
    return TABLE.get(error.code, TABLE["error"])


UNEXPECTED = Outcome(500, 1)


def public_error(error: KhoError) -> KhoError:
    """The error as a remote reader (web page, API client) may see it.

    Errors marked ``private`` name storage folders, object keys or endpoints; those
    stay in the log (the door logs the original with the request id) and the reader
    gets the same code and status with a plain message. Others pass unchanged.
    """
    if not error.private:
        return error
    if isinstance(error, MissingObject):
        return MissingObject("this file is missing from the archive's storage; the "
                             "administrator can see which one in the log")
    if isinstance(error, StorageError):
        return StorageError("the archive's storage cannot be reached right now; try again "
                            "later, or tell the administrator")
    return ServiceUnavailable("a service Kho needs is not available right now; try again "
                              "later")



def outage(exc: BaseException) -> KhoError | None:
    """The domain error an unexpected exception stands for when it is an outage the
    reader should be told about plainly (503, 507) rather than a bug (500): the
    database unreachable mid-run (SQLAlchemy OperationalError/InterfaceError: refused
    connection, server gone, SQLite file locked or unreadable) or a full disk under
    the spool. None for anything else. Doors log the original with the request id."""
    import errno

    from sqlalchemy.exc import InterfaceError, OperationalError

    from archive.errors import InsufficientStorage

    if isinstance(exc, OperationalError) and busy(exc):
        return ServiceUnavailable("the catalogue was busy with another change to the same "
                                  "records and stopped this one; nothing was saved: try "
                                  "again", field="database")
    if isinstance(exc, (OperationalError, InterfaceError)):
        return ServiceUnavailable("the catalogue database is not reachable right now; try "
                                  "again in a few minutes (kho check shows the cause)",
                                  field="database")
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientStorage(SPOOL_FULL, field="spool_path")
    return None


# PostgreSQL's SQLSTATEs for "another transaction was in the way": deadlock detected,
# serialization failure, lock not available (lock_timeout)
BUSY_STATES = frozenset({"40P01", "40001", "55P03"})


def busy(exc: BaseException) -> bool:
    """Whether a database error means a clash with another writer (a deadlock the
    server broke, a serialization failure, SQLite still locked after its busy timeout)
    rather than a database that is down: the reader is told to try again, not that
    the database is unreachable."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in BUSY_STATES:
        return True
    return "database is locked" in str(orig or exc)


SPOOL_FULL = ("the server's disk for uploads in transit (setting spool_path) is full; "
              "nothing was stored: try again later, or ask the administrator to free space")
