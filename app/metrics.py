"""Prometheus metrics: the only prometheus_client importer.

Two kinds of figures:

* per-request counters and latency histograms, counted in each web process. Under
  ``kho serve`` the gunicorn workers are separate processes, so prometheus-client's
  multiprocess mode is used: ``kho serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` to
  ``<instance>/metrics`` (emptied at start) before the workers start, each writes its
  samples there, and a scrape of any worker adds them all up.
* the archive's state, read from the database when ``/metrics`` is scraped (so every
  process reports the same): queue depth, files by processing status, fixity verdicts
  per copy, replica lag, index backlog.

Nothing is created at import time; the request metrics are made on first use.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterable

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                   60.0, 300.0)   # seconds; uploads and large downloads take minutes

_lock = threading.Lock()
_request_metrics: dict[str, Any] = {}


def _metrics() -> dict[str, Any]:
    if not _request_metrics:
        with _lock:
            if not _request_metrics:
                from prometheus_client import Counter, Histogram

                _request_metrics["requests"] = Counter(
                    "kho_http_requests", "HTTP requests answered, by route and status",
                    ["route", "method", "status"])
                _request_metrics["latency"] = Histogram(
                    "kho_http_request_duration_seconds", "Time to answer a request",
                    ["route", "method"], buckets=LATENCY_BUCKETS)
    return _request_metrics


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request; ``route`` is the URL rule (``/products/<int:id>``),
    never the raw path, so the number of series stays bounded."""
    metrics = _metrics()
    metrics["requests"].labels(route, method, str(status)).inc()
    metrics["latency"].labels(route, method).observe(seconds)


def prepare_multiprocess(folder) -> None:
    """Point every process started from now on at ``folder`` for its samples, emptied
    first (samples of an earlier run must not add up with this one's)."""
    import shutil
    from pathlib import Path

    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)


def mark_process_dead(pid: int) -> None:
    """Forget a finished worker's live samples (gunicorn's ``child_exit`` hook)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class _StateCollector:
    """Yields the archive-state gauges from ``figures()`` at each scrape."""

    def __init__(self, figures: Callable[[], dict[str, Any]]) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        data = self.figures()
        simple = {"queue_pending": "Jobs waiting in the queue",
                  "index_backlog": "Products whose search entry waits to be rewritten",
                  "replica_waiting": "Originals not yet copied to the replica",
                  "replica_lag_seconds": "Age of the oldest original waiting for the replica",
                  "originals": "Distinct original objects in the catalogue",
                  "fixity_never_checked": "Originals no fixity check has read yet",
                  "fixity_oldest_check_seconds": "Age of the oldest fixity verdict",
                  "search_generation": "Search index generation this machine serves "
                                       "(a reader) or last published (the writer)",
                  "search_latest_generation": "Newest search generation the writer published",
                  "search_lag_seconds": "Seconds since the newest search generation not yet "
                                        "applied here (published, on the writer) was written"}
        for name, text in simple.items():
            if data.get(name) is not None:
                yield GaugeMetricFamily(f"kho_{name}", text, value=data[name])
        files = GaugeMetricFamily("kho_files", "Original files by processing status",
                                  labels=["status"])
        for status, count in sorted(data.get("files_by_status", {}).items()):
            files.add_metric([status], count)
        yield files
        fixity = GaugeMetricFamily("kho_fixity_copies",
                                   "Copies of originals by their last fixity verdict",
                                   labels=["copy", "verdict"])
        for (copy, verdict), count in sorted(data.get("fixity", {}).items()):
            fixity.add_metric([copy, verdict], count)
        yield fixity


def render(figures: Callable[[], dict[str, Any]]) -> tuple[bytes, str]:
    """The exposition text and its content type: request metrics of every process
    (multiprocess mode when set up) plus the archive-state gauges."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    _metrics()
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    state = CollectorRegistry(auto_describe=False)
    state.register(_StateCollector(figures))
    return generate_latest(registry) + generate_latest(state), CONTENT_TYPE_LATEST
