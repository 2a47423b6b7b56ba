"""One log line per answered request, as text or JSON (``log_format``).

Lines go to standard error through the ``kho`` logger (which the ``kho.*`` loggers of
the doors propagate to), so a log shipper reads one stream. A text line reads
``request 3f2a… user=thuha GET /products/<int:product_id> path=/products/7 200
12.3 ms``; a JSON line is
one object with ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and, for
requests, ``request_id``, ``user``, ``method``, ``route``, ``path``, ``status`` and
``duration_ms``.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

REQUEST_FIELDS = ("request_id", "user", "method", "route", "path", "status", "duration_ms")
log = logging.getLogger("kho.requests")


class JsonFormatter(logging.Formatter):
    """A record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _KhoHandler(logging.StreamHandler):
    """The one handler Kho puts on the ``kho`` logger (recognised on re-setup); it
    writes to whatever standard error is at the time of each record."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup_logging(log_format: str) -> None:
    """Send ``kho.*`` records at INFO and above to standard error in ``log_format``
    (``text`` or ``json``); calling it again only switches the format."""
    root = logging.getLogger("kho")
    handler = next((h for h in root.handlers if isinstance(h, _KhoHandler)), None)
    if handler is None:
        handler = _KhoHandler()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))


def log_request(*, request_id: str, user: str, method: str, route: str, path: str,
                status: int, seconds: float) -> None:
    duration_ms = round(seconds * 1000, 1)
    log.info("request %s user=%s %s %s path=%s %s %s ms", request_id, user, method, route,
             path, status, duration_ms, extra={"request_id": request_id, "user": user, "method": method,
                                 "route": route, "path": path, "status": status,
                                 "duration_ms": duration_ms})
