"""``/metrics`` (Prometheus text) for an admin token or the listed addresses, and one log
line per request with its id, user, route, status and duration, as text or JSON."""
from __future__ import annotations

import io
import json
import logging
import os

import pytest

from app.services.access import accounts
from app.services.preservation import fixity
from app.services.catalogue import products
from app.services.access.actors import Actor
from app.services.files.intake import receive
from tests.conftest import make_settings
from tests.unit.services.preservation.test_fixity import flip_byte


@pytest.fixture
def app(tmp_path):
    from app import create_app
    from app.services.instance.setup import init_instance

    application = create_app(make_settings(tmp_path / "instance", log_format="json"))
    kho = application.extensions["kho"]
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "quantri", "admin", "12345678")
    yield application
    kho.close()


def test_metrics_report_requests_files_and_fixity(app):
    kho = app.extensions["kho"]
    product_id = products.create_product(kho, Actor(1, "sx", "producer"), {"title": "Bản tin"})
    receive(kho, Actor(1, "sx", "producer"), product_id, io.BytesIO(os.urandom(900)), "a.bin",
            queue=False)
    [target] = fixity.select_targets(kho)
    flip_byte(kho.storage.root / target.storage_key)
    fixity.run(kho, [target])
    client = app.test_client()
    client.get("/api/v1/healthz")
    admin = accounts.create_token(kho, "quantri")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {admin}"}) \
        .get_data(as_text=True)
    assert 'kho_http_requests_total{method="GET",route="/api/v1/healthz",status="200"}' in text
    assert 'kho_http_request_duration_seconds_bucket{le="0.005",method="GET",' \
           'route="/api/v1/healthz"}' in text
    assert 'kho_fixity_copies{copy="primary",verdict="mismatch"} 1.0' in text
    assert 'kho_files{status="queued"} 1.0' in text
    assert "kho_queue_pending" in text and "kho_index_backlog" in text
    assert "kho_fixity_never_checked 0.0" in text and "kho_fixity_oldest_check_seconds" in text


def test_metrics_are_hidden_from_other_machines_unless_an_admin_token(app):
    kho = app.extensions["kho"]
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 404           # a proxy Kho was not told to trust
    producer = accounts.create_token(kho, "sx")
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": f"Bearer {producer}"}).status_code == 404
    admin = accounts.create_token(kho, "quantri")
    allowed = client.get("/metrics", environ_base=outside,
                         headers={"Authorization": f"Bearer {admin}"})
    assert allowed.status_code == 200 and allowed.mimetype == "text/plain"


def test_metrics_answer_no_one_on_loopback_by_default(app):
    """Behind a reverse proxy on the same machine every visitor is 127.0.0.1."""
    client = app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 404


def test_metrics_allow_lists_the_addresses_that_need_no_token(tmp_path):
    from app import create_app
    from app.services.instance.setup import init_instance

    application = create_app(make_settings(tmp_path / "instance",
                                           metrics_allow="127.0.0.1, 10.0.0.0/24"))
    init_instance(application.extensions["kho"])
    client = application.test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.1.7"}).status_code == 404
    # through a proxy Kho was not told to trust: the address is not believed
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.0.0.7"}).status_code == 404
    application.extensions["kho"].close()
    trusting = create_app(make_settings(tmp_path / "proxied", metrics_allow="10.0.0.0/24",
                                        trusted_proxies=1))
    init_instance(trusting.extensions["kho"])
    client = trusting.test_client()         # the proxy says who the client is
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.0.0.7"}).status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code \
        == 404
    trusting.extensions["kho"].close()


def test_a_wrong_metrics_allow_is_refused_at_start():
    from config import ConfigError, load_settings

    with pytest.raises(ConfigError) as refused:
        load_settings({"metrics_allow": "localhost", "secret_key": "x"}, environ={})
    assert refused.value.field == "metrics_allow"


def test_one_json_log_line_per_request_with_id_user_route_status_duration(app, capsys):
    kho = app.extensions["kho"]
    token = accounts.create_token(kho, "sx")
    client = app.test_client()
    client.get("/api/v1/products/999", headers={"Authorization": f"Bearer {token}",
                                                 "X-Request-ID": "abcdef123456"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{") and '"kho.requests"' in line]
    [entry] = [e for e in lines if e["path"] == "/api/v1/products/999"]
    assert entry["request_id"] == "abcdef123456" and entry["user"] == "sx"
    assert entry["route"] == "/api/v1/products/<int:product_id>" and entry["status"] == 404
    assert entry["duration_ms"] >= 0 and entry["level"] == "info"


def test_text_log_lines_by_default(tmp_path, capsys):
    from app import create_app
    from app.logs import setup_logging

    application = create_app(make_settings(tmp_path / "i"))
    application.test_client().get("/login")
    line = [l for l in capsys.readouterr().err.splitlines() if "kho.requests" in l][-1]
    assert "user=- GET /login path=/login 200" in line and line.endswith(" ms")
    setup_logging("text")
    assert len([h for h in logging.getLogger("kho").handlers
                if type(h).__name__ == "_KhoHandler"]) == 1
    application.extensions["kho"].close()
