"""The sign-in rate limiter counts failures per address+user in a 15-minute window,
shared by every server process through the database."""
from __future__ import annotations

import pytest

from app.services.access.sign_in_limit import LoginRateLimiter, TooManyAttempts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_limit_and_forgets_after_the_window(kho):
    clock = Clock()
    limiter = LoginRateLimiter(kho, 3, clock=clock)
    for _ in range(3):
        limiter.attempt("10.0.0.1", "An")  # three failed tries
    with pytest.raises(TooManyAttempts) as caught:
        limiter.attempt("10.0.0.1", "AN")
    assert "15 minutes" in str(caught.value)
    limiter.attempt("10.0.0.2", "an")       # another address
    limiter.attempt("10.0.0.1", "binh")     # another user
    clock.now += 15 * 60 + 1
    limiter.attempt("10.0.0.1", "an")


def test_success_clears_the_count(kho):
    limiter = LoginRateLimiter(kho, 2, clock=Clock())
    limiter.attempt("a", "u")
    limiter.succeeded("a", "u")
    limiter.attempt("a", "u")
    limiter.attempt("a", "u")              # the success cleared the first try


def test_every_server_process_sees_the_same_failures(kho):
    from app.bootstrap import Kho

    first = LoginRateLimiter(kho, 2)
    second = LoginRateLimiter(Kho(kho.settings), 2)   # another process: its own engine
    first.attempt("10.0.0.9", "lan")
    second.attempt("10.0.0.9", "lan")
    with pytest.raises(TooManyAttempts):
        first.attempt("10.0.0.9", "lan")
