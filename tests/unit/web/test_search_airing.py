"""The search page as commune staff use it to choose what to air: duration, the
"MP3 phát thanh" badge, the waveform, the "has a broadcast copy" filter, no file-less
drafts; the filters folded into one control, the sort applied on change."""
from __future__ import annotations

import io
import re

import pytest

from tests.unit.web.media import png_bytes, wav_file


@pytest.fixture
def aired(kho_rt, actors, tmp_path) -> dict[str, int]:
    """A radio feature with a processed 2 s WAV, a poster with a PNG, a file-less draft."""
    from app.services.search.indexing import update_now
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product

    producer = actors["producer"]
    ids = {
        "feature": create_product(kho_rt, producer, {"title": "Bản tin quyền trẻ em",
                                                     "kind": "radio-feature"}),
        "poster": create_product(kho_rt, producer, {"title": "Tranh quyền trẻ em",
                                                    "kind": "poster"}),
        "draft": create_product(kho_rt, producer, {"title": "Nháp quyền trẻ em",
                                                   "kind": "video"}),
    }
    wav = wav_file(tmp_path / "tone.wav", seconds=2.0)
    with wav.open("rb") as stream:
        receive(kho_rt, producer, ids["feature"], stream, "Bản tin.wav")
    receive(kho_rt, producer, ids["poster"], io.BytesIO(png_bytes()), "tranh.png")
    update_now(kho_rt, list(ids.values()))
    return ids


def _hits(page: str) -> dict[int, str]:
    """product id -> the HTML of its hit."""
    return {int(m.group(2)): m.group(1) for m in re.finditer(
        r'(<article class="hit">.*?href="/products/(\d+)".*?</article>)', page, re.S)}


def _facet_count(page: str, field: str, value: str) -> int | None:
    found = re.search(rf'{field}={re.escape(value)}[^"]*"[^>]*>[^<]*</a> '
                      rf'<span class="count">(\d+)</span>', page)
    return int(found.group(1)) if found else None


def test_commune_hit_shows_duration_broadcast_badge_and_waveform(as_role, aired):
    page = as_role("commune").get("/search?q=quyen+tre+em").get_data(as_text=True)
    hits = _hits(page)
    feature, poster = hits[aired["feature"]], hits[aired["poster"]]
    assert "Thời lượng: 2 giây" in feature
    assert '<span class="badge broadcast-mp3">MP3 phát thanh</span>' in feature
    assert re.search(rf'<img class="thumb wave" src="/products/{aired["feature"]}/files/\d+/'
                     r'waveform"', feature)
    assert "thumb none" not in feature                 # a picture, not the grey box
    assert re.search(r'<img class="thumb" src="[^"]+/thumbnail"', poster)
    assert "MP3 phát thanh" not in poster and "Thời lượng" not in poster


def test_fileless_drafts_are_hidden_from_commune_results_totals_facets_and_page(
        as_role, aired):
    commune, producer = as_role("commune"), as_role("producer")
    page = commune.get("/search?q=quyen+tre+em").get_data(as_text=True)
    assert set(_hits(page)) == {aired["feature"], aired["poster"]}
    assert "2 kết quả" in page and "Nháp" not in page
    assert _facet_count(page, "kind", "video") is None          # the draft's kind
    assert _facet_count(page, "kind", "poster") == 1
    assert commune.get(f"/products/{aired['draft']}").status_code == 404
    assert commune.get(f"/products/{aired['draft']}/status.json").status_code == 404
    assert commune.get(f"/products/{aired['feature']}").status_code == 200

    page = producer.get("/search?q=quyen+tre+em").get_data(as_text=True)
    assert set(_hits(page)) == set(aired.values()) and "3 kết quả" in page
    assert _facet_count(page, "kind", "video") == 1
    assert producer.get(f"/products/{aired['draft']}").status_code == 200


def test_has_a_broadcast_copy_filter_narrows_hits_totals_and_facets(as_role, aired):
    office = as_role("office")
    page = office.get("/search").get_data(as_text=True)
    switch = re.search(r'<p class="facet-switch">.*?</p>', page, re.S).group(0)
    assert "Có bản phát thanh" in switch and '<span class="count">1</span>' in switch
    assert 'href="/search?broadcast_copy=true"' in switch
    assert "<summary class=\"filters-toggle\">Bộ lọc</summary>" in page

    page = office.get("/search?broadcast_copy=true").get_data(as_text=True)
    assert set(_hits(page)) == {aired["feature"]} and "1 kết quả" in page
    assert _facet_count(page, "kind", "radio-feature") == 1
    assert _facet_count(page, "kind", "poster") is None
    assert "☑" in page and "Bộ lọc (1)" in page               # the switch is on
    assert 'href="/search"' in re.search(r'<p class="facet-switch">.*?</p>', page,
                                         re.S).group(0)      # and turns off again

    page = office.get("/search?broadcast_copy=false").get_data(as_text=True)
    assert set(_hits(page)) == {aired["poster"], aired["draft"]}

    page = office.get("/search?broadcast_copy=maybe").get_data(as_text=True)
    assert "maybe: chỉ nhận true hoặc false" in page


def test_sort_applies_on_change_with_the_submit_button_kept_and_filters_fold(as_role):
    page = as_role("commune").get("/search?kind=poster&sort=title").get_data(as_text=True)
    assert '<script src="/static/search.js" defer></script>' in page
    form = re.search(r'<form[^>]*data-role="search-form".*?</form>', page, re.S).group(0)
    assert 'data-role="sort"' in form and '<button type="submit"' in form   # no-JS way
    assert '<input type="hidden" name="kind" value="poster">' in form      # kept on submit
    assert re.search(r'<option value="title"\s+selected>', form)
    assert re.search(r'<details class="search-filters" data-role="filters">', page)  # closed
    # results come first in keyboard order; the filters follow them (issue 24)
    assert page.index('class="results"') < page.index('data-role="filters"')
