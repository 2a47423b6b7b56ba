"""A real S3 HTTP server for tests: moto in server mode, in its own process.

Use the ``s3_endpoint`` session fixture (import it into a conftest with
``from tests.s3server import s3_endpoint``); it yields ``http://127.0.0.1:<port>``
and points boto3 at fake credentials (``AWS_ACCESS_KEY_ID=testing`` ...) for the
whole session, with ``~/.aws`` files and the instance-metadata lookup switched off so
a developer's real credentials are never used. :func:`new_s3_storage` makes an
``S3Storage`` on a fresh, empty bucket.

If moto cannot start, the fixture fails with the reason (tests never skip).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

START_TIMEOUT = 30.0   # seconds to wait for the server to answer
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
UNSET_AWS_ENV = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


class MotoServerError(RuntimeError):
    """moto could not be started; the message says why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("moto_server")
    if not script.exists():
        found = shutil.which("moto_server")
        script = Path(found) if found else None
    if script is not None:
        return [str(script), "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, whatever the status
    except OSError:
        return False


class MotoServer:
    """A moto_server process on a free port; ``start()`` waits until it answers.

    ``environment`` adds variables for the server process, e.g.
    ``{"INITIAL_NO_AUTH_ACTION_COUNT": "0"}`` makes moto check credentials.
    """

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        self.environment = {**os.environ, **(environment or {})}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        command = _server_command(self.port)
        try:
            self._process = subprocess.Popen(command, stdout=self._log, env=self.environment,
                                             stderr=subprocess.STDOUT)
        except OSError as exc:
            raise MotoServerError(f"cannot run {command[0]}: {exc}") from None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise MotoServerError(f"moto server exited with {self._process.returncode}: "
                                      f"{self._log_tail()}")
            if _answers(self.url):
                return self.url
            time.sleep(0.1)
        self.stop()
        raise MotoServerError(f"moto server did not answer at {self.url} within "
                              f"{START_TIMEOUT:.0f} s: {self._log_tail()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        self._log.close()

    def _log_tail(self) -> str:
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace").strip()
        return text[-1500:] or "(no output)"


_shared: dict[str, Any] = {"server": None, "users": 0}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Endpoint URL of one moto S3 server shared by the whole test session.

    Several conftests/modules may import this fixture: they share one server process.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS_ENV.items():
            patch.setenv(name, value)
        for name in UNSET_AWS_ENV:
            patch.delenv(name, raising=False)
        if _shared["server"] is None:
            server = MotoServer()
            try:
                server.start()
            except MotoServerError as exc:
                pytest.fail(f"S3 test server (moto) could not start: {exc}", pytrace=False)
            _shared["server"] = server
        _shared["users"] += 1
        try:
            yield _shared["server"].url
        finally:
            _shared["users"] -= 1
            if _shared["users"] == 0:
                _shared["server"].stop()
                _shared["server"] = None


def unique_bucket_name(stem: str = "kho-test") -> str:
    """A bucket name no other test uses (lowercase, valid for S3)."""
    return f"{stem}-{uuid.uuid4().hex[:12]}"


def new_s3_storage(endpoint: str, **options: Any):
    """An ``S3Storage`` on a freshly created, empty bucket of the moto server.

    ``options`` are passed to ``S3Storage`` (``prefix``, ``multipart_threshold`` ...);
    ``bucket`` may be given to choose the name.
    """
    from archive.s3 import S3Storage

    bucket = options.pop("bucket", None) or unique_bucket_name()
    options.setdefault("addressing_style", "path")
    storage = S3Storage(bucket, endpoint_url=endpoint, region="us-east-1", **options)
    storage.create_bucket()
    return storage
