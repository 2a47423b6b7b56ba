"""One table: domain error code -> HTTP status, CLI exit code.

Front doors look errors up here instead of deciding statuses themselves. Exit codes:
0 ok, 1 failed work (a service or file failed), 2 usage error (bad input or config).
"""
from __future__ import annotations

from dataclasses import dataclass

from archive.errors import KhoError


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
    "too_many_requests": Outcome(429, 1),
    "processing_failed": Outcome(422, 1),
    "error": Outcome(400, 1),
}


def outcome(error: KhoError) -> Outcome:
    return TABLE.get(error.code, TABLE["error"])


UNEXPECTED = Outcome(500, 1)
