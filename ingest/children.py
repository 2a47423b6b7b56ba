"""Child processes that end with the process that started them, even on ``kill -9``.

A consumer killed with SIGKILL cannot stop the ffmpeg or tesseract it started, and
``kho serve`` killed that way cannot stop its job consumer; left running, they keep
writing into a work folder nobody owns and, in the consumer's case, process files a
new consumer also takes.

Two mechanisms, because the kernel's own is not available everywhere:

- :func:`die_with_parent` (a ``preexec_fn``) asks Linux for ``PR_SET_PDEATHSIG``;
  some sandboxes and container runtimes accept the call but never send the signal.
- :class:`Reaper`: each process that starts children also starts one small watchdog
  process holding the read end of a pipe; it is told the pid of every child, each in
  its own process group. When the parent ends — any way, SIGKILL included — the
  kernel closes the pipe, the watchdog reads end-of-file and kills the process group
  of every child still listed, then exits. A child that ended normally is struck off
  the list first.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal as signals
import subprocess
import sys
import threading
from typing import Callable, Optional

PR_SET_PDEATHSIG = 1

# The watchdog: lines "+pid" / "-pid" on stdin; at end of input, SIGKILL to the
# process group of every pid still listed. Ignores the terminal's Ctrl-C and hang-up,
# which are for its parent.
_WATCHDOG = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
live = set()
for line in sys.stdin:
    line = line.strip()
    if line[:1] == "+":
        live.add(int(line[1:]))
    elif line[:1] == "-":
        live.discard(int(line[1:]))
for pid in live:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
"""


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    return libc.prctl


_PRCTL = _prctl()


def die_with_parent(sig: int = signals.SIGKILL) -> Callable[[], None]:
    """A ``preexec_fn`` asking the kernel to send ``sig`` to the child when its parent
    dies (where the kernel honours it; :class:`Reaper` covers the rest)."""
    parent = os.getpid()

    def arrange() -> None:           # runs in the child, before exec
        if _PRCTL is None:
            return
        _PRCTL(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:   # the parent died before prctl: nobody to wait for
            os._exit(1)

    return arrange


class Reaper:
    """The watchdog of one process's children (see the module text). Thread-safe;
    started on first use, again after a fork."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watchdog: Optional[subprocess.Popen] = None
        self._owner = 0

    def _pipe(self):
        if self._watchdog is None or self._owner != os.getpid() or \
                self._watchdog.poll() is not None:
            self._watchdog = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0,
                text=True)
            self._owner = os.getpid()
        return self._watchdog.stdin

    def _say(self, line: str) -> None:
        with self._lock:
            try:
                pipe = self._pipe()
                pipe.write(line + "\n")
                pipe.flush()
            except OSError:          # the watchdog is gone: PR_SET_PDEATHSIG remains
                self._watchdog = None

    def track(self, pid: int) -> None:
        """Kill ``pid``'s process group (the child must lead one) if we die first."""
        self._say(f"+{pid}")

    def forget(self, pid: int) -> None:
        """``pid`` ended (or was stopped) normally."""
        self._say(f"-{pid}")


REAPER = Reaper()


def start(args: list[str], **popen: object) -> subprocess.Popen:
    """``subprocess.Popen(args, **popen)`` for a child that ends with this process:
    in its own process group, under the parent-death signal and the :data:`REAPER`.
    Call :func:`ended` once it is done."""
    child = subprocess.Popen(args, process_group=0, preexec_fn=die_with_parent(), **popen)
    REAPER.track(child.pid)
    return child


def stop(child: subprocess.Popen) -> None:
    """Kill ``child`` and everything in its process group (a timeout, an error)."""
    try:
        os.killpg(child.pid, signals.SIGKILL)
    except OSError:
        pass


def ended(child: subprocess.Popen) -> None:
    REAPER.forget(child.pid)
