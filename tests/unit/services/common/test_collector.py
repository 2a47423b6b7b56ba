"""paused_collection: the collector is off inside, back on after — also when the block
raises, when blocks nest or overlap in threads, and never turned on if it was off."""
from __future__ import annotations

import gc
import threading

import pytest

from app.services.common.collector import paused_collection


def test_off_inside_and_back_on_after_even_on_error():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with paused_collection():
            assert not gc.isenabled()
            raise ValueError("a broken sheet")
    assert gc.isenabled()


def test_overlapping_jobs_in_threads_turn_it_on_only_when_the_last_ends():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def first():
        with paused_collection():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with paused_collection():
            second_in.set()
            first_out.wait(10)
            seen.append(gc.isenabled())    # the first has left; this one is still inside

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with paused_collection():
            with paused_collection():
                pass
        assert not gc.isenabled()
    finally:
        gc.enable()
