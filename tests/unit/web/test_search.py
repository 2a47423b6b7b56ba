"""The search page: diacritic-free search, facets with labels and counts, highlights,
sort and pagination."""
from __future__ import annotations

import re

import pytest



@pytest.fixture
def catalogue(kho_rt, actors):
    """25 products: 3 about water (one Bahnar), 22 others."""
    from app.services.search.indexing import update_now
    from app.services.catalogue.products import create_product
    from app.services.catalogue.vocabularies import list_vocabulary

    kinds = [e.code for e in list_vocabulary(kho_rt, "kinds")]
    ids = []
    for n in range(22):
        ids.append(create_product(kho_rt, actors["producer"], {
            "title": f"Bản tin số {n:02d}", "kind": kinds[0], "produced_on": f"{n + 1:02d}/01/2023"}))
    for n, title in enumerate(("Nước sạch cho buôn làng", "Giữ gìn nguồn nước", "Nước và sức khỏe")):
        ids.append(create_product(kho_rt, actors["producer"], {
            "title": title, "kind": kinds[1], "description": "Tuyên truyền về nước sạch",
            "produced_on": f"0{n + 1}/06/2024"}))
    update_now(kho_rt, ids)
    return ids


def test_search_without_diacritics_finds_and_highlights(as_role, catalogue):
    # (the catalogue is file-less drafts, which commune staff are not shown)
    page = as_role("producer").get("/search?q=nuoc+sach").get_data(as_text=True)
    assert "<mark>" in page
    assert re.search(r"<mark>N(ư|u)ớc</mark>", page) or "<mark>nước</mark>" in page.lower()
    assert page.count('class="hit"') == 3


def test_facets_show_labels_and_counts_and_filter(as_role, kho_rt, catalogue):
    from app.services.catalogue.vocabularies import list_vocabulary

    second = list_vocabulary(kho_rt, "kinds")[1]
    b = as_role("office")
    page = b.get("/search").get_data(as_text=True)
    assert second.label_vi in page
    assert re.search(r'kind=' + re.escape(second.code) + r'"[^>]*>[^<]*</a> <span class="count">3</span>', page)
    filtered = b.get(f"/search?kind={second.code}").get_data(as_text=True)
    assert filtered.count('class="hit"') == 3
    assert "✓" in filtered


def test_results_are_paginated_and_sortable(as_role, catalogue):
    b = as_role("office")
    first = b.get("/search?sort=title").get_data(as_text=True)
    assert first.count('class="hit"') == 20
    assert "page=2" in first
    second = b.get("/search?sort=title&page=2").get_data(as_text=True)
    assert second.count('class="hit"') == 5
    newest = b.get("/search?sort=newest").get_data(as_text=True)
    assert newest.index("Nước và sức khỏe") < newest.index("Bản tin số 21")


def test_year_facet_and_total_use_vietnamese_number_format(as_role, kho_rt, actors):
    from app.services.search.indexing import update_now
    from app.services.catalogue.products import create_product

    ids = [create_product(kho_rt, actors["producer"], {"title": f"Tin {n}"})
           for n in range(3)]
    update_now(kho_rt, ids)
    page = as_role("office").get("/search").get_data(as_text=True)
    assert "3 kết quả" in page or "3 results" in page


def test_bad_parameters_show_a_message_not_a_crash(as_role, catalogue):
    response = as_role("office").get("/search?sort=bogus&q=nuoc")
    assert response.status_code == 200
    assert "bogus" in response.get_data(as_text=True)
