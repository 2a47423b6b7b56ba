"""``kho serve`` starts the production server and a job consumer, and stops cleanly."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.s3server import free_port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_answers_health_checks_then_stops_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env["KHO_INSTANCE_PATH"] = str(tmp_path / "instance")
    kho = [sys.executable, "-m", "app"]
    subprocess.run(kho + ["init"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(kho + ["serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, status, body = time.monotonic() + 60, None, b""
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/api/v1/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200, body
        checks = json.loads(body)["checks"]
        assert set(checks.values()) == {"ok"} and "queue" in checks
        # a long search URL (6 kB, over gunicorn's default 4,094-byte request line)
        # (the sign-in page keeps it as where to go back to)
        long_status, long_body = _get(f"http://127.0.0.1:{port}/login?next=/search%3Fq%3D"
                                      + "quyen+tre+em+" * 460)
        assert long_status == 200, long_body[:300]
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode(errors="replace")
    assert server.returncode == 0, output[-2000:]
    assert "gunicorn" in output.lower() or "Booting worker" in output
