"""Browser-test fixtures: a Kho instance served by waitress in a thread on a free
loopback port, and Debian's Chromium driven by Playwright (never a downloaded browser).

The server's queue is "immediate": processing runs inside the upload request, so a
file is ready when its upload answers (no separate job consumer is needed).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import make_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = Path(__file__).with_name("screenshots")
PASSWORD = "browser-test-password"


class Site:
    def __init__(self, url: str, kho, commune: str) -> None:
        self.url = url
        self.kho = kho
        self.commune = commune


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    from waitress import create_server

    from app import create_app
    from app.services.access.accounts import add_user
    from app.services.instance.setup import init_instance
    from app.services.catalogue.vocabularies import list_vocabulary

    settings = make_settings(tmp_path_factory.mktemp("browser") / "instance")
    app = create_app(settings)
    kho = app.extensions["kho"]
    init_instance(kho)
    commune = next(e for e in list_vocabulary(kho, "communes") if e.flags["current"])
    add_user(kho, "admin1", "admin", PASSWORD)
    add_user(kho, "producer1", "producer", PASSWORD, display_name="Biên tập viên")
    add_user(kho, "xa1", "commune", PASSWORD, commune=commune.code)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.effective_port}", kho, commune.label_vi)
    finally:
        server.close()
        thread.join(timeout=10)
        kho.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def sign_in(site, chromium):
    """sign_in("producer1", width=1280) -> a Page signed in as that user."""
    contexts = []

    def open_as(username: str, width: int = 1280, **options):
        """options go to new_context, e.g. bypass_csp=True to inject a test script."""
        context = chromium.new_context(viewport={"width": width, "height": 900},
                                       accept_downloads=True, locale="vi-VN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{site.url}/login")
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/search")
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_true(page, expression: str, timeout_ms: float = 30_000) -> None:
    """Wait until ``expression`` (JavaScript, an expression or a function) is true in the
    page. Asked again every 100 ms through ``page.evaluate``: ``page.wait_for_function``
    polls by compiling the predicate inside the page, which Kho's Content-Security-Policy
    (no ``unsafe-eval``) refuses whenever the first answer is not yet true."""
    for _ in range(max(1, int(timeout_ms // 100))):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true in {timeout_ms / 1000:.0f} s: {expression}")
