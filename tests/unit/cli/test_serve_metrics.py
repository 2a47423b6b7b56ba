"""Under ``kho serve`` (gunicorn, 2 worker processes) ``/metrics`` adds up the requests
every worker answered, and each request is one log line with its id."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from tests.s3server import free_port
from tests.unit.cli.test_serve import _get


def test_metrics_add_up_across_gunicorn_workers_and_requests_are_logged(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHO_", "PROMETHEUS"))}
    env["KHO_INSTANCE_PATH"] = str(tmp_path / "instance")
    env["KHO_METRICS_ALLOW"] = "127.0.0.1"      # Prometheus on this machine, no token
    kho = [sys.executable, "-m", "app"]
    subprocess.run(kho + ["init"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(kho + ["serve", "--port", str(port), "--workers", "2",
                                     "--no-worker"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _get(base + "/api/v1/healthz")
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(29):
            assert _get(base + "/api/v1/healthz")[0] == 200
        status, body = _get(base + "/metrics")
        assert status == 200
        text = body.decode()
        match = re.search(r'kho_http_requests_total\{method="GET",route="/api/v1/healthz",'
                          r'status="200"\} (\d+)', text)
        assert match and float(match.group(1)) == 30
        assert (tmp_path / "instance" / "metrics").is_dir()
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode(errors="replace")
    lines = [line for line in output.splitlines() if "kho.requests" in line]
    assert len([line for line in lines if "/api/v1/healthz" in line]) == 30
    assert all(re.search(r"request [0-9a-f]{16,32} user=- GET ", line) for line in lines)
