"""Fixtures for the OAI-PMH and record tests: accounts, products, and a call of the
data provider whose answer is checked against the OAI-PMH 2.0 schemas every time."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

from app.services.access import accounts
from app.services.files import intake
from app.services.catalogue import products
from app.services.access.actors import Actor

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/", "kho": "urn:kho:record:2.0"}
PRODUCER = Actor(1, "sx", "producer")
ADMIN = Actor(2, "qt", "admin")


def response_schema() -> etree.XMLSchema:
    """OAI-PMH.xsd + oai_dc.xsd (+ simpledc, xml.xsd) + Kho's kho-record-2.0.xsd."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "oai-responses.xsd")))


_SCHEMA: list = []


def valid(xml: bytes | str) -> etree._Element:
    """The parsed document; fails the test when it does not validate."""
    if not _SCHEMA:
        _SCHEMA.append(response_schema())
    doc = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    if not _SCHEMA[0].validate(doc):
        pytest.fail(f"invalid OAI-PMH response: {_SCHEMA[0].error_log}\n{xml[:2000]!r}")
    return doc


def png(text: str = "Kho") -> io.BytesIO:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (80, 60), (200, 40, 40))
    ImageDraw.Draw(image).text((5, 5), text, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return out


@pytest.fixture
def users(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "qt", "admin", "12345678")


@pytest.fixture
def make(kho, users) -> Callable[..., int]:
    """make(title=..., **metadata, image=False) -> product id."""

    def create(title: str = "Quyền trẻ em", image: bool = False, **metadata) -> int:
        data = {"title": title, **metadata}
        product_id = products.create_product(kho, PRODUCER, data)
        if image:
            intake.receive(kho, PRODUCER, product_id, png(title), "anh.png")
        return product_id

    return create


@pytest.fixture
def oai_call(kho) -> Callable[..., etree._Element]:
    """oai_call(verb="ListRecords", metadataPrefix="oai_dc") -> validated document;
    pass ``pairs=[...]`` for repeated arguments."""
    from app.services.oai.provider import respond

    def call(pairs=None, **args) -> etree._Element:
        xml = "".join(respond(kho, "http://kho.test/oai", pairs or list(args.items())))
        return valid(xml)

    return call


def error_code(doc: etree._Element) -> str | None:
    found = doc.find("o:error", NS)
    return None if found is None else found.get("code")


class served:
    """``with served(settings) as url:`` Kho's WSGI app under waitress (a real HTTP
    server) in a thread on a free loopback port; ``url`` is the OAI base URL."""

    def __init__(self, settings, threads: int = 4) -> None:
        self.settings = settings
        self.threads = threads

    def __enter__(self) -> str:
        import threading

        from waitress import create_server

        from app import create_app

        self.app = create_app(self.settings)
        self.server = create_server(self.app, host="127.0.0.1", port=0, threads=self.threads)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.effective_port}/oai"

    def __exit__(self, *_exc) -> None:
        # closed from inside the server's own loop, which then ends (closing it from
        # here would pull the sockets out from under a running select())
        try:
            self.server.trigger.pull_trigger(self.server.close)
        except OSError:     # the loop already ended and closed its trigger pipe
            pass
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the test server did not stop"
        self.server.task_dispatcher.shutdown()
        self.app.extensions["kho"].close()
