"""Accessibility of the main pages for every role, checked by axe-core in Chromium.

axe-core comes from the npm registry (package.json pins it; `make test` installs it
into node_modules). Each page is opened at a phone width and a desk width, axe runs
its WCAG 2.x A/AA rules, and no violation of impact "serious" or "critical" may be
left. Keyboard users get a skip link that moves focus to the main content.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot
from tests.unit.ingest.media_factory import text_pdf
from tests.unit.web.media import png_bytes, wav_file

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def catalogue(site, tmp_path_factory) -> dict[str, int]:
    """A radio feature with a ready audio file and a poster, made through the services."""
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product
    from app.services.catalogue.vocabularies import list_vocabulary

    kho = site.kho
    producer = actor_by_name(kho, "producer1")

    def first(vocabulary: str) -> str:
        return list_vocabulary(kho, vocabulary)[0].code

    feature = create_product(kho, producer, {
        "title": "Bản tin Quyền trẻ em", "description": "Phóng sự phát thanh.\n\nĐoạn hai.",
        "kind": first("kinds"), "languages": [first("languages")],
        "themes": [first("themes")], "produced_on": "02/09/2025"})
    audio = wav_file(tmp_path_factory.mktemp("a11y") / "bản tin.wav", seconds=2)
    with audio.open("rb") as stream:
        receive(kho, producer, feature, stream, audio.name)
    receive(kho, producer, feature, io.BytesIO(png_bytes((480, 320), "Quyen tre em")),
            "áp phích.png")
    publication = create_product(kho, producer, {"title": "Sổ tay pháp luật",
                                                 "kind": "publication"})
    pdf = text_pdf(tmp_path_factory.mktemp("a11y-pdf") / "so-tay.pdf",
                   [f"So tay phap luat quyen tre em trang {n}" for n in range(1, 41)])   # scrolls
    with pdf.open("rb") as stream:
        pdf_file = receive(kho, producer, publication, stream, pdf.name).file_id
    return {"feature": feature, "publication": publication,
            "reader": f"/products/{publication}/files/{pdf_file}/pages/2"}


def _violations(page) -> list[dict]:
    """axe-core's blocking violations on the page as it is now."""
    assert AXE.exists(), "axe-core is missing: run make test (it runs npm ci)"
    page.add_script_tag(path=str(AXE))
    # every rule of the tags runs as before; resultTypes only spares axe the details of
    # the passes (every checked node of every passing rule), and only the violations
    # travel back from the page
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target)}))",
        TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": v["nodes"][:5]}
            for v in violations if v["impact"] in BLOCKING]


def _pages(role: str, feature: int, reader: str) -> list[str]:
    everyone = ["/search", "/search?q=quyen+tre+em", f"/products/{feature}", "/broadcasts",
                reader]
    if role == "commune":
        return everyone
    producer = everyone + ["/products/new", f"/products/{feature}/upload",
                           f"/products/{feature}/edit"]
    if role == "producer":
        return producer
    return producer + ["/dashboard", "/admin/users", "/admin/tokens", "/admin/vocabularies",
                       "/admin/vocabularies/languages", "/admin/vocabularies/channels",
                       "/admin/units", "/admin/exports", "/admin/preservation",
                       f"/products/{feature}/delete"]


@pytest.mark.parametrize("username,role", [("xa1", "commune"), ("producer1", "producer"),
                                           ("admin1", "admin")])
@pytest.mark.parametrize("width", [360, 1280])
def test_main_pages_have_no_serious_accessibility_violations(site, sign_in, catalogue,
                                                             username, role, width):
    page = sign_in(username, width=width, bypass_csp=True)
    found = {}
    for path in _pages(role, catalogue["feature"], catalogue["reader"]):
        response = page.goto(site.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        violations = _violations(page)
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("username", ["xa1", "admin1"])
@pytest.mark.parametrize("width", [360, 1280])
def test_pages_stay_accessible_with_every_fold_open(site, sign_in, catalogue, username, width):
    """Beyond the first load: "Nội dung văn bản" (the text of a PDF, a scrolling block),
    the filters, technical details, letterheads, "Dành cho kỹ thuật viên" opened."""
    page = sign_in(username, width=width, bypass_csp=True)
    paths = ["/search?q=quyen+tre+em", f"/products/{catalogue['feature']}",
             f"/products/{catalogue['publication']}"]
    if username == "admin1":
        paths += ["/admin/units?level=province", "/admin/preservation/"]
    found = {}
    for path in paths:
        assert page.goto(site.url + path).status == 200, path
        page.wait_for_load_state("networkidle")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        violations = _violations(page)
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    page.goto(f"{site.url}/products/{catalogue['publication']}")
    page.locator("details.text > summary").click()
    text = page.locator("details.text pre")
    assert text.get_attribute("tabindex") == "0"          # the keyboard reaches and scrolls it
    assert text.get_attribute("aria-label").startswith("Nội dung văn bản của ")


def test_sign_in_page_is_accessible(site, chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN",
                                   bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/login")
        assert _violations(page) == []
    finally:
        context.close()


def test_keyboard_user_skips_to_the_content_and_sees_where_focus_is(site, sign_in, catalogue):
    page = sign_in("xa1", width=360)
    page.goto(f"{site.url}/products/{catalogue['feature']}")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("a => a === document.activeElement")
    assert skip.inner_text() == "Chuyển đến nội dung chính"
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")                     # the first control inside the content
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert ring not in ("none", ""), "the focused control shows a focus ring"
    assert page.evaluate("() => document.querySelector('main').contains("
                         "document.activeElement)")
    screenshot(page, "keyboard-focus-360")
