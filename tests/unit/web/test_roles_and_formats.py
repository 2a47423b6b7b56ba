"""Every page for every role, and the Vietnamese date/number formats."""
from __future__ import annotations

from datetime import date

import pytest

ALL = ("admin", "producer", "commune", "office")
# url template -> roles that get the page (others get 403)
PAGES = {
    "/search": ALL,
    "/broadcasts": ALL,
    "/products/{id}": ALL,
    "/products/{id}/status.json": ALL,
    "/products/new": ("admin", "producer"),
    "/products/{id}/upload": ("admin", "producer"),
    "/products/{id}/edit": ("admin", "producer"),
    "/products/{id}/delete": ("admin",),
    "/admin/users": ("admin",),
    "/admin/tokens": ("admin",),
    "/admin/vocabularies": ("admin",),
    "/admin/vocabularies/kind": ("admin",),
    "/admin/units": ("admin",),
    "/contributions": ("admin", "office"),
}


@pytest.mark.parametrize("role", ALL)
def test_each_role_gets_exactly_its_pages(as_role, kho_rt, actors, product_id, role):
    import io

    from app.services.files.intake import receive
    from tests.unit.web.media import png_bytes

    # with a file: a file-less draft is hidden from commune staff (test_search_airing.py)
    receive(kho_rt, actors["producer"], product_id, io.BytesIO(png_bytes()), "anh.png")
    b = as_role(role)
    for template, allowed in PAGES.items():
        response = b.get(template.format(id=product_id))
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, template, response.status_code)


def test_navigation_matches_the_role(as_role):
    pages = {role: as_role(role).get("/search").get_data(as_text=True) for role in ALL}
    assert 'href="/admin/users"' in pages["admin"]
    assert all('href="/admin/users"' not in pages[r] for r in ("producer", "commune", "office"))
    assert 'href="/products/new"' in pages["producer"]
    assert 'href="/products/new"' not in pages["commune"]
    assert 'href="/products/new"' not in pages["office"]


def test_unknown_page_is_a_friendly_404(as_role):
    response = as_role("office").get("/no/such/page")
    assert response.status_code == 404
    assert "Trang này không tồn tại" in response.get_data(as_text=True)


def test_vietnamese_and_english_formats(app):
    from app.web.formatting import filesize, number, vn_date

    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        assert vn_date(date(2024, 5, 31)) == "31/05/2024"
        assert number(1234.5) == "1.234,5"
        assert filesize(1536 * 1024) == "1,5 MB"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert number(1234.5) == "1.234,5"       # the browser's language is not a choice
    with app.test_request_context("/", headers={"Cookie": "kho_lang=en"}):
        assert number(1234.5) == "1,234.5"
        assert vn_date(date(2024, 5, 31)) == "31 May 2024"
