"""The job queue: huey on SQLite (embedded default) or Redis (``queue_url``).

The only huey importer. Jobs are registered by name on a :class:`JobQueue` built per
Kho; producers (web, CLI) and consumers (``kho worker`` / ``kho serve``) build the same
queue from the same settings, so names match. ``queue_url = "immediate"`` runs jobs
synchronously in the caller (used by tests and ``--sync`` CLI runs).
"""
from __future__ import annotations

import sqlite3
from typing import Any, Callable

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.exceptions import HueyException

from archive.errors import ServiceUnavailable
from config import Settings


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    """What huey's storages raise when the queue cannot be reached: socket errors,
    redis-py's own ConnectionError/TimeoutError (not the built-in ones) and SQLite's
    OperationalError (queue file locked, unreadable, disk full)."""
    errors: tuple[type[BaseException], ...] = (OSError, ConnectionError, sqlite3.Error)
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a dependency of huey's RedisHuey
        return errors
    return errors + (RedisError,)


UNREACHABLE = _unreachable_errors()


class JobQueue:
    """Named jobs on one huey instance."""

    def __init__(self, huey: Huey, description: str) -> None:
        self.huey = huey
        self.description = description
        self._tasks: dict[str, Any] = {}

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def register(self, name: str, fn: Callable[..., Any], *, retries: int = 2,
                 retry_delay: int = 10) -> None:
        """Register ``fn`` as job ``name`` (idempotent per name)."""
        if name not in self._tasks:
            self._tasks[name] = self.huey.task(name=name, retries=retries,
                                               retry_delay=retry_delay)(fn)

    def register_periodic(self, name: str, fn: Callable[[], Any], *, every_minutes: int) -> None:
        """Register ``fn`` to run every ``every_minutes`` minutes in consumers
        (idempotent per name). Every consumer schedules it, so ``fn`` must be safe
        to run concurrently (the preservation audit takes a database lease)."""
        if name not in self._tasks:
            self._tasks[name] = self.huey.periodic_task(crontab(minute=f"*/{every_minutes}"),
                                                        name=name, retries=0)(fn)

    def enqueue(self, name: str, *args: Any, delay: float = 0) -> None:
        """Queue job ``name`` (to run ``delay`` seconds from now; immediate queues run it
        at once); raises ServiceUnavailable if the queue cannot be reached — callers
        that already committed a write stage the job in the outbox instead
        (``app.services.common.outbox``) so the job is not lost."""
        try:
            task = self._tasks[name]
            if delay and not self.immediate:
                task.schedule(args, delay=delay)
            else:
                task(*args)
        except KeyError:
            raise ServiceUnavailable("no job named %(name)s is registered", name=name) from None
        except UNREACHABLE as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: BaseException) -> ServiceUnavailable:
        return ServiceUnavailable("job queue %(where)s unreachable: %(reason)s",
                                  field="queue_url", where=self.description,
                                  reason=(str(exc) or type(exc).__name__).splitlines()[0])

    def waiting_args(self, name: str) -> list[tuple]:
        """Arguments of the jobs ``name`` waiting in the queue (pending or scheduled
        for a retry); ServiceUnavailable when the queue does not answer or holds a job
        it cannot read (every job name must be registered first)."""
        try:
            tasks = list(self.huey.pending()) + list(self.huey.scheduled())
        except UNREACHABLE as exc:
            raise self._unreachable(exc) from None
        except HueyException as exc:   # a job of a name this version does not register
            raise ServiceUnavailable("job queue %(where)s holds jobs this version cannot "
                                     "read: %(reason)s", field="queue_url",
                                     where=self.description, reason=str(exc)) from None
        return [tuple(t.args or ()) for t in tasks if t.name == name]

    def pending_count(self) -> int:
        return self.huey.pending_count()

    def check(self) -> None:
        """Raise ServiceUnavailable when the queue storage does not answer."""
        try:
            self.huey.pending_count()
        except Exception as exc:  # noqa: BLE001 - redis/sqlite raise their own types
            raise self._unreachable(exc) from None

    def consumer(self, workers: int, worker_type: str = "thread"):
        """A huey consumer for this queue (``kho worker`` runs it)."""
        return self.huey.create_consumer(workers=workers, worker_type=worker_type,
                                         periodic=True, check_worker_health=True)


def make_queue(settings: Settings) -> JobQueue:
    url = settings.queue_url
    if url == "immediate":
        huey = SqliteHuey("kho", filename=":memory:", immediate=True)
        return JobQueue(huey, "immediate")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return JobQueue(RedisHuey("kho", url=url), url.split("@")[-1])
    if url:
        raise ServiceUnavailable("unsupported queue_url %(url)s (use redis://… or leave "
                                 "empty for the SQLite queue)", field="queue_url", url=url)
    settings.queue_file.parent.mkdir(parents=True, exist_ok=True)
    return JobQueue(SqliteHuey("kho", filename=str(settings.queue_file)),
                    str(settings.queue_file))
