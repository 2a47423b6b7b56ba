"""Fixtures for the JSON API tests: an initialised app, one user and token per role."""
from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import make_settings

COMMUNE = "xa-dak-koi-2025"       # the commune of the commune-staff account
OTHER_COMMUNE = "xa-kon-braih-2025"
ROLES = ("admin", "producer", "commune", "office")


@dataclass
class Api:
    """A test client that signs requests with the token of a role."""

    app: Any
    client: Any
    tokens: dict[str, str]

    @property
    def kho(self):
        return self.app.extensions["kho"]

    def call(self, role: str | None, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def create(self, role: str = "producer", **metadata):
        data = {"title": "Phóng sự quyền trẻ em", "kind": "radio-feature",
                "languages": ["vie"], **metadata}
        response = self.call(role, "POST", "/products", json=data)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


def build_api(settings) -> Iterator[Api]:
    from app import create_app
    from app.services.access import accounts
    from app.services.instance.setup import init_instance

    app = create_app(settings)
    kho = app.extensions["kho"]
    init_instance(kho)
    _add_users(kho)
    tokens = {role: accounts.create_token(kho, role, "tests") for role in ROLES}
    yield Api(app, app.test_client(), tokens)
    kho.close()


def _add_users(kho) -> None:
    """One user per role, named after it. API tests sign with tokens only, so the
    users get no password (hashing four passwords would double each test's setup)."""
    from sqlalchemy import select

    from archive.models import Unit, User

    with kho.transaction() as session:
        commune = session.scalar(select(Unit).where(Unit.code == COMMUNE))
        session.add_all([User(username=role, role=role, display_name=role,
                              commune=commune if role == "commune" else None)
                         for role in ROLES])


@pytest.fixture
def api(settings, initialised_template) -> Iterator[Api]:
    from tests.conftest import start_from_template

    start_from_template(initialised_template, settings)
    yield from build_api(settings)


@pytest.fixture
def small_limit_api(tmp_path: Path) -> Iterator[Api]:
    """An instance whose upload limit is 2,000 bytes."""
    yield from build_api(make_settings(tmp_path / "small", max_upload_bytes=2000))


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of a 440 Hz square-ish tone."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        value = 8000 if (n * 440 * 2 // rate) % 2 else -8000
        frames += value.to_bytes(2, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()
