"""Running the Flask app under gunicorn (pre-fork workers, threads in each).

The app is built in each worker after the fork (``post_worker_init`` is not needed:
gunicorn calls ``load()`` per worker when ``preload_app`` is off), so no database
connection, index searcher or boto3 client is shared across processes.
"""
from __future__ import annotations

import gc
from typing import Any

from gunicorn.app.base import BaseApplication

from config import Settings

LIMIT_REQUEST_LINE = 8190   # bytes of "GET /path?query HTTP/1.1"; gunicorn's maximum
SETTLING_REQUESTS = 50      # requests after which a worker's heap counts as settled


class _KhoServer(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:        # skip settings an older gunicorn lacks
                self.cfg.set(key, value)

    def load(self):
        from app import create_app

        return create_app(self.settings)


def _settle_heap(worker, _req, _environ, _resp) -> None:
    """After each of a worker's first :data:`SETTLING_REQUESTS` requests, move what is
    alive into the collector's permanent generation (``gc.freeze``, constant time):
    the modules, templates and compiled statements the first pages load are never
    garbage, yet every full collection walked them all — some 190,000 objects, up to
    130 ms in the middle of a dashboard request (its slowest 5 %). Objects frozen are
    still freed by reference counting; only cycles among them would be kept, and
    there are few that early."""
    served = getattr(worker, "kho_requests", 0) + 1
    worker.kho_requests = served
    if served <= SETTLING_REQUESTS:
        gc.freeze()


def _child_exit(_server, worker) -> None:
    """A worker ended: drop its live metric samples (multiprocess mode)."""
    from app.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def serve(settings: Settings, *, host: str, port: int, workers: int = 2,
          threads: int = 4, timeout: int = 120) -> None:
    """Block serving HTTP on ``host:port`` until interrupted (SIGINT/SIGTERM).

    ``timeout`` (seconds) is gunicorn's worker timeout; long uploads stream in chunks,
    so a worker stays alive while it reads them.
    """
    options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
               "worker_class": "gthread", "timeout": timeout, "graceful_timeout": 30,
               # Kho writes its own line per request (request id, user, route,
               # status, duration; text or JSON): gunicorn's access log would repeat it
               "accesslog": None, "errorlog": "-", "loglevel": "info",
               "child_exit": _child_exit, "post_request": _settle_heap,
               "preload_app": False, "proc_name": "kho", "worker_tmp_dir": "/dev/shm",
               # the longest request line gunicorn accepts (default 4094): long search
               # URLs (many facets, long queries) work instead of a bare 414 page
               "limit_request_line": LIMIT_REQUEST_LINE,
               # newer gunicorn opens a control socket in ~/.gunicorn, which two Kho
               # instances on one machine would fight over; Kho does not use it
               "control_socket_disable": True}
    _KhoServer(settings, options).run()
