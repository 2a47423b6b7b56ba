"""A product's history as each role reads it: commune staff get what people did
(created, edited, uploaded, replaced, removed, aired), never the archive's own work
(fixity checks, processing steps, replica copies, retries), which stays for the others."""
from __future__ import annotations

import io

import pytest

from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.catalogue.products import PEOPLES_EVENTS, technical_event
from app.services.files.intake import receive
from app.services.preservation import fixity

PRODUCER = Actor(1, "sx", "producer")


@pytest.fixture
def product(kho) -> int:
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "xa", "commune", "12345678", commune="xa-dak-rve-2025")
    pid = products.create_product(kho, PRODUCER, {"title": "Bản tin xã"})
    receive(kho, PRODUCER, pid, io.BytesIO("Bản tin thôn Kon Rẫy.\n".encode() * 20),
            "ban-tin.txt")
    for _ in range(3):                                  # the rolling audit, three rounds
        fixity.run(kho, fixity.select_targets(kho, product_id=pid))
    return pid


def _actions(kho, actor: Actor, pid: int) -> list[str]:
    return [r["action"] for r in products.product_history(kho, actor, pid)
            if r["type"] == "event"]


def test_commune_staff_read_what_people_did_and_no_technical_work(kho, product):
    commune = accounts.actor_by_name(kho, "xa")
    seen = _actions(kho, commune, product)
    assert seen == ["file.receive"]
    changes = [r for r in products.product_history(kho, commune, product)
               if r["type"] == "change"]
    assert [c["action"] for c in changes] == ["create"]


def test_producers_keep_the_technical_work(kho, product):
    seen = _actions(kho, PRODUCER, product)
    assert seen.count("fixity.check") == 3 and "file.receive" in seen
    assert any(technical_event(a) and a != "fixity.check" for a in seen)   # processing


def test_what_people_did_is_not_technical():
    assert not any(technical_event(a) for a in PEOPLES_EVENTS)
    for action in ("fixity.check", "fixity.repair", "replica.copy", "file.retry",
                   "probe", "text", "file.process"):
        assert technical_event(action)
