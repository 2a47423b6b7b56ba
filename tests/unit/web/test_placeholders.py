"""Example dates and years in form placeholders follow today in Vietnam, not a year
written into a template (a "2025" example reads as stale in 2031)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

# 31/12/2030 18:30 on a UTC clock is already 01/01/2031 01:30 in Vietnam
NEW_YEAR_IN_VIETNAM = datetime(2030, 12, 31, 18, 30, tzinfo=timezone.utc)


@pytest.fixture
def new_year_in_vietnam(monkeypatch):
    from app.services.common import clock

    monkeypatch.setattr(clock, "utcnow", lambda: NEW_YEAR_IN_VIETNAM)


def _placeholder(page: str, name: str, attribute: str = "name") -> str:
    tag = re.search(rf'<input[^>]*{attribute}="{name}"[^>]*>', page).group(0)
    return re.search(r'placeholder="([^"]*)"', tag).group(1)


def test_placeholders_show_this_year_in_vietnam(as_role, product_id, new_year_in_vietnam):
    admin = as_role("admin")
    assert _placeholder(admin.get("/products/new").get_data(as_text=True),
                        "produced_on") == "01/01/2031"
    assert _placeholder(admin.get(f"/products/{product_id}/edit").get_data(as_text=True),
                        "produced_on") == "01/01/2031"
    assert _placeholder(admin.get("/broadcasts").get_data(as_text=True), "year") == "2031"
    assert _placeholder(admin.get("/admin/units").get_data(as_text=True),   # a new unit
                        "n-valid_from", "id") == "01/01/2031"


def test_no_template_placeholder_holds_a_written_year():
    from pathlib import Path

    import app

    templates = Path(app.__file__).with_name("templates")
    found = [(path.name, m.group(0)) for path in sorted(templates.glob("*.html"))
             for m in re.finditer(r'placeholder="[^"]*"', path.read_text(encoding="utf-8"))
             if re.search(r"(?<![-\w])(19|20)\d\d(?!\w)", m.group(0))]
    assert found == []      # unit codes such as xa-moi-2025 name the 2025 map, not a date
