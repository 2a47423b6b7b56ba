"""Yearly contributions on PostgreSQL, and under parallel requests on SQLite (file, WAL)
and PostgreSQL (issue 21, part 3).

The unit suite's rules run unchanged here on PostgreSQL (this folder's ``kho``). Then
people of one commune submit its contribution at the same moment (threads behind a
barrier, each with its own session): afterwards one contribution row, one
``contribution.submit`` event, one "ok" and the others told it was already submitted.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest

from app.services.contributions import contribution_view
from sqlalchemy import func, select

from tests.unit.services.contributions.test_contribution_rules import *  # noqa: F401,F403 - on PostgreSQL here

RACERS = 8
COMMUNE = "xa-dak-koi-2025"


@pytest.fixture
def race_kho(either_kho):
    """SQLite, then PostgreSQL, with RACERS office accounts of the commune."""
    from app.services.access.accounts import add_user

    for n in range(RACERS):
        add_user(either_kho, f"vh-xa-{n}", "office", "mat-khau-dai-du", unit=COMMUNE)
    return either_kho


def _together(work: Callable[[int], object]) -> list[str]:
    """``work(n)`` in RACERS threads at once: "ok" or the error code of each."""
    barrier = threading.Barrier(RACERS)

    def one(n: int) -> str:
        from archive.errors import KhoError

        barrier.wait(timeout=60)
        try:
            work(n)
        except KhoError as exc:
            return exc.code
        return "ok"

    with ThreadPoolExecutor(RACERS) as pool:
        return sorted(pool.map(one, range(RACERS)))


def _counts(kho) -> tuple[int, int, int]:
    from archive.contributions import Contribution, ContributionEvent

    with kho.transaction() as s:
        rows = s.scalar(select(func.count()).select_from(Contribution))
        submits = s.scalar(select(func.count()).select_from(ContributionEvent)
                           .where(ContributionEvent.action == "contribution.submit"))
        saves = s.scalar(select(func.count()).select_from(ContributionEvent)
                         .where(ContributionEvent.action == "contribution.save"))
    return rows, submits, saves


def test_people_submitting_at_once_give_one_submission(race_kho):
    from app.services.access.accounts import actor_by_name
    from app.services.contributions import filing

    people = [actor_by_name(race_kho, f"vh-xa-{n}") for n in range(RACERS)]
    outcomes = _together(lambda n: filing.submit_contribution(
        race_kho, people[n], COMMUNE, 2026, {"results": f"Kết quả của người {n}."}))
    assert outcomes == ["conflict"] * (RACERS - 1) + ["ok"]
    assert _counts(race_kho) == (1, 1, 0)
    seen = contribution_view.get_contribution(race_kho, people[0], COMMUNE, 2026)
    assert seen["state"] == "submitted"
    winner = seen["submitted_by"]
    assert seen["results"] == f"Kết quả của người {winner.rsplit('-', 1)[1]}."


def test_first_drafts_at_once_make_one_contribution(race_kho):
    from app.services.access.accounts import actor_by_name
    from app.services.contributions import filing

    people = [actor_by_name(race_kho, f"vh-xa-{n}") for n in range(RACERS)]
    outcomes = _together(lambda n: filing.save_contribution(
        race_kho, people[n], COMMUNE, 2026, {"results": f"Bản nháp {n}."}))
    assert outcomes == ["ok"] * RACERS
    rows, submits, saves = _counts(race_kho)
    assert (rows, submits) == (1, 0) and saves == RACERS   # every change audited, in turn
