"""``kho serve`` on a search reader follows the writer: its healthz reports the writer's
newest generation once copied, with no lag, without the reader ever indexing."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import make_settings
from tests.s3server import free_port
from tests.unit.cli.test_serve import _get


def test_a_serving_reader_follows_the_writer_and_reports_it(tmp_path):
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.instance.setup import init_instance
    from app.services.search import sync

    objects = tmp_path / "objects"
    writer = Kho(make_settings(tmp_path / "writer", search_role="writer",
                               storage_path=str(objects)))
    init_instance(writer)
    accounts.add_user(writer, "sx", "producer", "12345678")
    producer = accounts.actor_by_name(writer, "sx")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(KHO_INSTANCE_PATH=str(tmp_path / "reader"), KHO_SEARCH_ROLE="reader",
               KHO_STORAGE_PATH=str(objects), KHO_DATABASE_URL=writer.settings.database,
               KHO_SEARCH_SYNC_SECONDS="0.2", KHO_QUEUE_URL="immediate")
    kho = [sys.executable, "-m", "app"]
    subprocess.run(kho + ["init"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(kho + ["serve", "--port", str(port), "--workers", "1",
                                     "--no-worker"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        products.create_product(writer, producer, {"title": "Quyền trẻ em"})  # published
        newest = sync.node_status(writer).generation
        deadline, search = time.monotonic() + 60, {}
        while time.monotonic() < deadline and search.get("generation") != newest:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/api/v1/healthz")
                search = json.loads(body).get("search", {})
            except OSError:
                pass
            time.sleep(0.2)
        assert search == {"role": "reader", "generation": newest,
                          "latest_generation": newest, "lag_seconds": 0}
        assert json.loads(body)["checks"]["search"] == "ok"
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode(errors="replace")
        writer.close()
    assert server.returncode == 0, output[-2000:]
