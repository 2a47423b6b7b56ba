"""A gunicorn worker settles its heap over its first requests: what is alive after each
of them moves to the collector's permanent generation (so a later full collection does
not walk the modules and templates again in the middle of a page), and only then."""
from __future__ import annotations

import gc
from types import SimpleNamespace

from app import wsgi_server


def test_the_first_requests_freeze_what_is_alive_and_later_ones_do_not(monkeypatch):
    frozen = []
    monkeypatch.setattr(wsgi_server.gc, "freeze", lambda: frozen.append(1))
    worker = SimpleNamespace()
    for _ in range(wsgi_server.SETTLING_REQUESTS + 25):
        wsgi_server._settle_heap(worker, None, {}, None)
    assert len(frozen) == wsgi_server.SETTLING_REQUESTS


def test_a_frozen_object_leaves_the_collected_generations():
    survivor = [object() for _ in range(10)]
    try:
        wsgi_server._settle_heap(SimpleNamespace(), None, {}, None)
        assert gc.get_freeze_count() >= len(survivor)
        assert not any(o is survivor for o in gc.get_objects())
    finally:
        gc.unfreeze()
