"""Child processes that die with their parent (Linux ``PR_SET_PDEATHSIG``).

A consumer killed with SIGKILL cannot stop the ffmpeg or tesseract it started, and
``kho serve`` killed that way cannot stop its job consumer; left running, they keep
writing into a work folder nobody owns and, in the consumer's case, process files a
new consumer also takes. :func:`die_with_parent` is given to ``subprocess`` as
``preexec_fn``: in the child, between fork and exec, it asks the kernel to send
``signal`` when the parent goes, and exits at once if the parent is already gone.

The kernel sends the signal when the *thread* that started the child ends; every
caller starts children from a thread that lives as long as the work (a consumer's
worker thread, the server's main thread). On systems without ``prctl`` this does
nothing (they keep the old behaviour).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal as signals
import sys
from typing import Callable

PR_SET_PDEATHSIG = 1


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
    """A ``preexec_fn`` making the child receive ``sig`` when its parent dies."""
    parent = os.getpid()

    def arrange() -> None:           # runs in the child, before exec
        if _PRCTL is None:
            return
        _PRCTL(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:   # the parent died before prctl: nobody to wait for
            os._exit(1)

    return arrange


def supported() -> bool:
    """Whether children really die with their parent here (Linux)."""
    return _PRCTL is not None
