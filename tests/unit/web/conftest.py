"""Fixtures for the web pages: an initialised instance, one user per role, and a
client that signs in and posts forms with their CSRF token (CSRF stays on)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import make_settings

PASSWORD = "correct-horse-battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html) or _META.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


class Browser:
    """A Flask test client that knows how to sign in and post forms."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def token(self, url: str = "/login") -> str:
        return csrf_of(self.client.get(url).get_data(as_text=True))

    def post(self, url: str, data=None, *, token_from: str | None = None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from or "/login"))
        return self.client.post(url, data=data, **kw)

    def login(self, username: str, password: str = PASSWORD):
        return self.post("/login", {"username": username, "password": password})


@pytest.fixture
def web_settings(tmp_path: Path):
    return make_settings(tmp_path / "instance")


@pytest.fixture
def app(web_settings, initialised_template) -> Iterator:
    from app import create_app
    from app.services.instance.setup import init_instance
    from tests.conftest import start_from_template

    start_from_template(initialised_template, web_settings)
    application = create_app(web_settings)
    kho = application.extensions["kho"]
    init_instance(kho)
    yield application
    kho.close()


@pytest.fixture
def kho_rt(app):
    return app.extensions["kho"]


@pytest.fixture
def commune_code(kho_rt) -> str:
    from app.services.catalogue.vocabularies import list_vocabulary

    current = [e for e in list_vocabulary(kho_rt, "communes") if e.flags["current"]]
    return current[0].code


@pytest.fixture
def users(kho_rt, commune_code) -> dict[str, str]:
    """role -> username; each has PASSWORD."""
    from app.services.access.accounts import add_user

    names = {}
    for role in ("admin", "producer", "commune", "office"):
        name = f"{role}1"
        add_user(kho_rt, name, role, PASSWORD,
                 commune=commune_code if role == "commune" else None)
        names[role] = name
    return names


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def as_role(app, users):
    """as_role("producer") -> a signed-in Browser."""
    def sign_in(role: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(users[role])
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return b
    return sign_in


@pytest.fixture
def actors(kho_rt, users):
    from app.services.access.accounts import actor_by_name

    return {role: actor_by_name(kho_rt, name) for role, name in users.items()}


def first_code(kho_rt, vocabulary: str) -> str:
    from app.services.catalogue.vocabularies import list_vocabulary

    return list_vocabulary(kho_rt, vocabulary)[0].code


@pytest.fixture
def product_id(kho_rt, actors) -> int:
    from app.services.catalogue.products import create_product

    return create_product(kho_rt, actors["producer"], {
        "title": "Quyền trẻ em ở Kon Rẫy", "description": "Phóng sự về quyền trẻ em",
        "kind": first_code(kho_rt, "kinds"), "languages": [first_code(kho_rt, "languages")],
        "themes": [first_code(kho_rt, "themes")], "produced_on": "31/05/2024"})


@pytest.fixture
def airable_product_id(kho_rt, product_id) -> int:
    """``product_id`` with a broadcast MP3 (catalogue rows only, see
    tests/broadcast_copies.py): a product that may be logged as aired."""
    from tests.broadcast_copies import give_broadcast_copy

    give_broadcast_copy(kho_rt, product_id)
    return product_id
