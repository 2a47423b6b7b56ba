"""Sign-in rate limit: at most N failed sign-ins per 15 minutes per address + user name.

Failures are rows in the catalogue database, so every server process (gunicorn
workers, several machines) counts the same failures. A successful sign-in clears the
count; rows older than the window are deleted as new failures arrive.

Counting is atomic: :meth:`LoginRateLimiter.attempt` first *commits* a row for the
attempt and only then counts the rows of the window. Of any number of parallel
attempts, the one counted last sees every attempt let through before it, so at most
``limit`` password checks run per window, however many requests arrive at once (a
check-then-insert would let all parallel requests pass the check). A refused attempt
removes its own row; a let-through one keeps it as the failure unless the sign-in
succeeds, which clears the count.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from archive.errors import KhoError
from archive.models import LoginFailure

WINDOW_SECONDS = 15 * 60


class TooManyAttempts(KhoError):
    """Too many failed sign-ins from one address for one user name."""

    code = "too_many_requests"


class LoginRateLimiter:
    """Counts failures per (address, username) in a sliding window (seconds)."""

    def __init__(self, kho: Kho, limit: int, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.kho = kho
        self.limit = limit
        self.window = window
        self.clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), timezone.utc)

    @staticmethod
    def _key(address: str, username: str) -> str:
        return f"{address}|{username.strip().lower()}"[:300]

    def _window(self, session: Session, key: str, since: datetime) -> tuple[int, datetime]:
        return session.execute(
            select(func.count(LoginFailure.id), func.min(LoginFailure.at))
            .where(LoginFailure.key == key, LoginFailure.at > since)).one()

    def _refuse(self, oldest: datetime, since: datetime) -> TooManyAttempts:
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=timezone.utc)
        remaining = (oldest - since).total_seconds()
        return TooManyAttempts("too many failed sign-ins; try again in %(minutes)d "
                               "minutes", field="password",
                               minutes=max(1, -(-int(remaining) // 60)))

    def attempt(self, address: str, username: str) -> None:
        """Count one sign-in attempt before its password is checked.

        Raises TooManyAttempts (and counts nothing) when ``limit`` attempts already
        failed in the window. Otherwise the attempt stays counted as a failure until
        :meth:`succeeded` clears the count.
        """
        now = self._now()
        since = now - timedelta(seconds=self.window)
        key = self._key(address, username)
        with self.kho.transaction() as session:
            session.execute(delete(LoginFailure).where(
                LoginFailure.at <= now - timedelta(seconds=self.window)))
            row = LoginFailure(key=key, at=now)
            session.add(row)
        with self.kho.transaction() as session:      # after the commit: sees all others
            count, oldest = self._window(session, key, since)
            if count > self.limit:
                session.execute(delete(LoginFailure).where(LoginFailure.id == row.id))
                raise self._refuse(oldest, since)

    def succeeded(self, address: str, username: str) -> None:
        with self.kho.transaction() as session:
            session.execute(delete(LoginFailure).where(
                LoginFailure.key == self._key(address, username)))


def forget_user(session: Session, username: str) -> None:
    """Forget the failed sign-ins counted for ``username`` from every address.

    Called when an admin sets a new password, so that the user, often blocked after
    guessing at the forgotten one, can sign in with the new password at once.
    """
    session.execute(delete(LoginFailure).where(
        LoginFailure.key.endswith("|" + username.strip().lower(), autoescape=True)))
