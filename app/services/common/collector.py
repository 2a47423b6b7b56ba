"""Python's cycle collector paused while a bulk job builds many small objects.

Why: an attendance import of 5,000 rows makes a few hundred thousand strings, tuples and
dicts in under a second; every 700 of them the collector walks the young objects and
every so often the whole heap (the catalogue's ORM objects, the parsed sheet), which cost
a fifth of the import's time — for nothing, since those objects hold no reference cycles
and reference counting frees them. While any thread is inside :func:`paused_collection`
the collector is off; the last one out turns it back on (only if it was on before the
first came in), so nested and concurrent bulk jobs are safe. Memory stays bounded: what
the job drops is still freed at once; only cycles wait for the end.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_inside = 0
_was_enabled = False


@contextmanager
def paused_collection() -> Iterator[None]:
    """Run the block with the cycle collector off (see the module docstring)."""
    global _inside, _was_enabled
    with _lock:
        if _inside == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _was_enabled:
                gc.enable()
