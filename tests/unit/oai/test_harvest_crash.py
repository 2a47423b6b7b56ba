"""The production server (``kho serve``: gunicorn) killed with SIGKILL in the middle of
a harvest: the harvester resumes with the token it holds (tokens are signed, not kept
in the server), and the whole list is harvested once, nothing lost or repeated; the
publication rows are one per product, at its current version."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from lxml import etree
from sqlalchemy import select

from archive.harvests import Publication
from archive.models import Product
from tests.s3server import free_port
from tests.unit.oai.conftest import NS, valid


def _start(kho, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": str(kho.settings.instance), "KHO_SECRET_KEY": "test-secret",
                "KHO_QUEUE_URL": "immediate", "KHO_OAI_PAGE_SIZE": "5"})
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--no-worker",
                               "--workers", "1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/oai?verb=Identify", timeout=5)
            return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("kho serve did not start")


def _page(port: int, **args) -> etree._Element:
    query = urllib.parse.urlencode(args)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/oai?{query}", timeout=30) as r:
        return valid(r.read())


def _ids_and_token(doc):
    ids = [int(e.text.rsplit(":", 1)[1]) for e in doc.iterfind(".//o:header/o:identifier", NS)]
    token = doc.find(".//o:resumptionToken", NS)
    return ids, (token.text if token is not None else None)


def test_a_killed_server_loses_no_record_of_a_harvest(kho, make):
    ids = [make(f"Sản phẩm {n}") for n in range(30)]
    port = free_port()
    server = _start(kho, port)
    seen, token = _ids_and_token(_page(port, verb="ListRecords", metadataPrefix="oai_dc"))
    for _ in range(2):
        more, token = _ids_and_token(_page(port, verb="ListRecords", resumptionToken=token))
        seen += more
    in_flight = threading.Thread(target=lambda: _try(port, token))
    in_flight.start()                                  # a fourth page is being asked for…
    os.killpg(server.pid, signal.SIGKILL)              # …when the server dies
    server.wait(timeout=30)
    in_flight.join(timeout=30)
    server = _start(kho, port)                         # the same address, restarted
    try:
        while token:
            more, token = _ids_and_token(_page(port, verb="ListRecords", resumptionToken=token))
            seen += more
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    assert seen == ids                                 # each once, in order, none missing
    with kho.transaction() as s:
        rows = {p.product_id: p.version_at for p in s.scalars(select(Publication))}
        stamps = {p.id: p.updated_at for p in s.scalars(select(Product))}
    assert rows == stamps


def _try(port: int, token: str) -> None:
    try:
        _page(port, verb="ListRecords", resumptionToken=token)
    except (OSError, urllib.error.URLError, etree.XMLSyntaxError):
        pass                                           # the connection died with the server
