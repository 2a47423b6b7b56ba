"""Sign-in rate limit: at most N failed sign-ins per 15 minutes per address + user name.

Kept in memory per process (a dict guarded by a lock), so it needs no table and no
server; with several server processes each one counts on its own, which still bounds
guessing to N × processes attempts per window. Successful sign-ins clear the count.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

from archive.errors import KhoError

WINDOW_SECONDS = 15 * 60
MAX_KEYS = 50_000  # forget the oldest keys beyond this many (memory bound)


class TooManyAttempts(KhoError):
    """Too many failed sign-ins from one address for one user name."""

    code = "too_many_requests"


class LoginRateLimiter:
    """Counts failures per (address, username) in a sliding window of 15 minutes."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def check(self, address: str, username: str) -> None:
        """Raise TooManyAttempts if this address+user already failed ``limit`` times."""
        key = (address, username.strip().lower())
        with self._lock:
            times = self._recent(key, self.clock())
            if not times:
                self._failures.pop(key, None)
            if len(times) >= self.limit:
                remaining = times[0] + self.window - self.clock()
                wait = max(1, -(-int(remaining) // 60))
                raise TooManyAttempts("too many failed sign-ins; try again in %(minutes)d "
                                      "minutes", field="password", minutes=wait)

    def failed(self, address: str, username: str) -> None:
        key = (address, username.strip().lower())
        with self._lock:
            if key not in self._failures and len(self._failures) >= MAX_KEYS:
                self._failures.pop(next(iter(self._failures)))
            times = self._recent(key, self.clock())
            times.append(self.clock())
            self._failures[key] = times

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username.strip().lower()), None)
