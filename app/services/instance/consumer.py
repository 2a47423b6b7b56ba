"""The job consumer ``kho serve`` runs beside the web server: supervised and reported.

The consumer is a child process (``kho worker``). A :class:`Supervisor` thread in the
``kho serve`` process looks at it every POLL_SECONDS; when it has ended (killed,
crashed) it is started again after RESTART_DELAY seconds, doubled for each further
death within a minute and never more than half the processing lease
(``job_lease_seconds``), so a file the dead consumer held is taken over by the new one
when that lease runs out. The new consumer recovers what the dead one left (its
start-up sweep, ``app.services.instance.sweeper``).

What the supervisor sees is written to ``<instance>/consumer.json`` (atomically) so
the web workers — other processes — can answer ``/healthz``: :func:`check` gives the
``consumer`` line, "ok" while the consumer runs and has not died within the last
lease, otherwise "degraded: …" saying since when it is down or when it was restarted
(the web keeps serving: degraded, not unavailable). Without that file (``kho serve
--no-worker``, a separate ``kho worker``, the CLI) there is no ``consumer`` line.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from config import Settings
from ingest import children

log = logging.getLogger("kho.consumer")
STATE_FILE = "consumer.json"
POLL_SECONDS = 1.0
RESTART_DELAY = 1.0          # seconds before the first restart after a death
FLAPPING_SECONDS = 60.0      # deaths closer together than this double the delay
DEGRADED = "degraded"


def state_path(settings: Settings) -> Path:
    return settings.instance / STATE_FILE


def _write(path: Path, state: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(path)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie — ended, not yet reaped — does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:                      # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _how(returncode: Optional[int]) -> str:
    if returncode is not None and returncode < 0:
        return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%H:%M:%S UTC")


def check(settings: Settings, now: Optional[float] = None) -> Optional[str]:
    """The ``consumer`` health line, or None when this instance's server runs no
    supervised consumer (see the module text)."""
    try:
        state = json.loads(state_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    now = time.time() if now is None else now
    pid = state.get("pid")
    if state.get("down_since") is not None or not pid or not _alive(int(pid)):
        since = state.get("down_since") or now
        return (f"{DEGRADED}: the job consumer is down since {_clock(since)} "
                f"({state.get('how') or 'ended'}); kho serve is restarting it")
    died = state.get("died_at")
    if died is not None and now - died < settings.job_lease_seconds:
        return (f"{DEGRADED}: the job consumer stopped at {_clock(died)} ({state.get('how')})"
                f" and was restarted at {_clock(state['started_at'])}; the file it held "
                "is taken over when its lease runs out")
    return "ok"


class Supervisor:
    """Starts the consumer (``start`` builds its process from ``args``) and keeps it
    running until :meth:`stop` (see the module text)."""

    def __init__(self, settings: Settings, args: list[str],
                 start: Callable[[list[str]], subprocess.Popen] = children.start) -> None:
        self.settings, self.args, self._start = settings, args, start
        self.path = state_path(settings)
        self.process: Optional[subprocess.Popen] = None
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="kho-consumer-supervisor")
        self._state: dict = {}
        self._delay = RESTART_DELAY

    def start(self) -> "Supervisor":
        self._launch()
        self._thread.start()
        return self

    def _launch(self) -> None:
        self.process = self._start(self.args)
        self._state.update(pid=self.process.pid, started_at=time.time(), down_since=None)
        _write(self.path, self._state)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            process = self.process
            if process is None:                  # a start failed: try again
                self._relaunch()
                continue
            if process.poll() is None:
                continue
            children.ended(process)
            now = time.time()
            flapping = (self._state.get("died_at") is not None
                        and now - self._state["died_at"] < FLAPPING_SECONDS)
            self._delay = min(self._delay * 2 if flapping else RESTART_DELAY,
                              max(self.settings.job_lease_seconds / 2, RESTART_DELAY))
            self._state.update(pid=None, down_since=now, died_at=now,
                               how=_how(process.returncode))
            _write(self.path, self._state)
            log.error("the job consumer (pid %s) stopped (%s); starting it again in %.0f s",
                      process.pid, self._state["how"], self._delay)
            if self._stop.wait(self._delay):
                return
            self._relaunch()

    def _relaunch(self) -> None:
        try:
            self._launch()
            self.restarts += 1
        except OSError:
            log.exception("the job consumer could not be started; trying again")
            self.process = None

    def stop(self, timeout: float = 30) -> None:
        """Stop supervising, then the consumer (SIGINT, then SIGKILL after
        ``timeout`` seconds); the state file is removed."""
        import signal

        self._stop.set()
        self._thread.join(timeout=10)
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                children.stop(process)
        if process is not None:
            children.ended(process)
        self.path.unlink(missing_ok=True)
