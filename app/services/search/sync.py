"""Search on several machines: one writer publishes the index, readers follow it.

``search_role`` says what this machine does with its own index folder:

- ``single`` (the default): it indexes, and nothing goes to the object store;
- ``writer``: it indexes (the job consumer's flushes, ``kho reindex``) and after each
  commit publishes the new generation to the object store (``search/main/``), then
  collects generations replaced more than ``search_gc_grace_seconds`` ago
  (:mod:`search_index.publishing`);
- ``reader``: it never indexes; it polls the store every ``search_sync_seconds`` and
  copies each new generation into its folder, switching to it only once whole and
  checked (:mod:`search_index.following`), answering from the previous one meanwhile.
  A reader starting with an empty folder starts from the store's newest generation.

Where each node stands (generation served, the writer's newest, lag in seconds) is in
``healthz`` and ``/metrics`` (:func:`node_status`, :func:`health_line`).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from app.bootstrap import Kho
from archive.errors import KhoError, ValidationError
from search_index.following import SyncOutcome, status as follow_status, sync
from search_index.publishing import collect_garbage, publish, published_state, unpublished
from search_index.snapshots import Manifest, latest_generation

log = logging.getLogger("kho.search.sync")
SINGLE, WRITER, READER = "single", "writer", "reader"
GC_EVERY_SECONDS = 60.0      # a writer lists the store for garbage at most this often
_last_gc: dict[str, float] = {}


def role(kho: Kho) -> str:
    return kho.settings.search_role


def refuse_on_reader(kho: Kho, what: str) -> None:
    """Raise ValidationError (naming ``what``, e.g. ``kho reindex``) on a reader."""
    if role(kho) == READER:
        raise ValidationError("this machine follows the search writer (search_role = "
                              "reader) and never writes the index: run %(what)s on the "
                              "writer", field="search_role", what=what)


def after_write(kho: Kho, *, force: bool = False) -> Manifest | None:
    """On a writer, publish the index's newest generation when it is not yet published
    (``force``: ask the store even when this folder's record says it is), then collect
    the store's old generations (at most every GC_EVERY_SECONDS; a failure there is
    logged, not raised). Nothing on other roles. Raises StorageError when publishing
    fails: readers keep the previous generation, and the next call publishes."""
    if role(kho) != WRITER:
        return None
    folder = kho.settings.index_dir
    if not force and not unpublished(folder):
        return None
    manifest = publish(folder, kho.storage)
    if manifest is not None:
        log.info("search generation %s published (%s files)", manifest.generation,
                 len(manifest.files) + 1)
        _collect(kho)
    return manifest


def _collect(kho: Kho) -> None:
    key = str(kho.settings.index_dir)
    if time.monotonic() - _last_gc.get(key, -GC_EVERY_SECONDS) < GC_EVERY_SECONDS:
        return
    _last_gc[key] = time.monotonic()
    try:
        report = collect_garbage(kho.storage, grace_seconds=kho.settings.search_gc_grace_seconds)
    except KhoError as exc:
        log.warning("search generations not collected: %s", exc)
        return
    if report.deleted:
        log.info("search store: %s old objects deleted (%s bytes)", report.deleted,
                 report.freed)


def follow_once(kho: Kho) -> SyncOutcome:
    """On a reader, one sync with the store (:func:`search_index.following.sync`);
    raises SnapshotError or StorageError when the newest generation cannot be applied
    (the folder keeps serving the one it has). ValidationError on other roles."""
    if role(kho) != READER:
        raise ValidationError("only a search reader (search_role = reader) follows the "
                              "writer", field="search_role")
    outcome = sync(kho.settings.index_dir, kho.storage)
    if outcome.applied:
        log.info("search generation %s applied (%s files, %s bytes copied)",
                 outcome.status.generation, outcome.copied, outcome.copied_bytes)
    return outcome


class Follower:
    """A daemon thread running :func:`follow_once` every ``search_sync_seconds`` (the
    first at once); an error is logged and tried again at the next poll."""

    def __init__(self, kho: Kho) -> None:
        self.kho = kho
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="kho-search-follower")

    def _run(self) -> None:
        while True:
            try:
                follow_once(self.kho)
            except Exception as exc:  # noqa: BLE001 - a store blip must not end the polls
                log.warning("search sync failed; serving the generation this machine has: %s",
                            exc)
            if self._stop.wait(self.kho.settings.search_sync_seconds):
                return

    def start(self) -> "Follower":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class NodeStatus:
    """Where this machine's index stands. ``generation``: the generation it serves (a
    reader) or last published (a writer), -1 for none; ``latest_generation``: the
    writer's newest as last seen; ``lag_seconds``: since the newest generation not yet
    applied (a reader) or published (a writer) was written, 0 when caught up;
    ``checked_seconds``: since a reader last asked the store (None: never)."""

    role: str
    generation: int
    latest_generation: int
    lag_seconds: float
    checked_seconds: float | None
    error: str = ""

    def as_dict(self) -> dict:
        return {"role": self.role, "generation": self.generation,
                "latest_generation": self.latest_generation,
                "lag_seconds": round(self.lag_seconds, 3)}


def node_status(kho: Kho, now: datetime | None = None) -> NodeStatus | None:
    """This machine's :class:`NodeStatus` from local files (no store request); None
    for ``single``."""
    now = now or datetime.now(timezone.utc)
    folder = kho.settings.index_dir
    if role(kho) == READER:
        seen = follow_status(folder)
        checked = (now - seen.checked_at).total_seconds() if seen.checked_at else None
        return NodeStatus(READER, seen.generation, max(seen.latest_generation, seen.generation),
                          seen.lag_seconds(now), checked, seen.error)
    if role(kho) != WRITER:
        return None
    state = published_state(folder)
    generation = int(state.get("generation", -1))
    lag = 0.0
    if folder.is_dir() and unpublished(folder):
        local = latest_generation(folder)
        try:
            written = (folder / f"_MAIN_{local}.toc").stat().st_mtime
            lag = max(0.0, now.timestamp() - written)
        except FileNotFoundError:
            lag = 0.0
    return NodeStatus(WRITER, generation, generation, lag, None)


def health_line(kho: Kho, now: datetime | None = None) -> str | None:
    """The ``search`` line of healthz: "ok", or "degraded: …" when this machine is more
    than max(60 s, 6 polls) behind the writer, has not reached the store for as long,
    its last sync failed or the writer has published nothing yet; None for
    ``single``."""
    node = node_status(kho, now)
    if node is None:
        return None
    late = max(60.0, 6 * kho.settings.search_sync_seconds)
    if node.role == WRITER:
        if node.lag_seconds > late:
            return (f"degraded: search generation not published for {node.lag_seconds:.0f} s "
                    "(the log says why)")
        return "ok"
    if node.error:
        return (f"degraded: the last search sync failed; serving generation "
                f"{node.generation} (the log says why)")
    if node.generation < 0 and node.checked_seconds is not None:
        return "degraded: the search writer has published no generation yet"
    if node.checked_seconds is None or node.checked_seconds > late:
        return "degraded: this machine has not checked the search writer's generation lately"
    if node.lag_seconds > late:
        return (f"degraded: serving search generation {node.generation}, the writer is at "
                f"{node.latest_generation} ({node.lag_seconds:.0f} s behind)")
    return "ok"
