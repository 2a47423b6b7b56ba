"""Search and vocabularies over the API."""
from __future__ import annotations

import io

import pytest

from tests.unit.api.conftest import png_bytes


def test_search_without_diacritics_finds_the_accented_title(api):
    wanted = api.create(title="Quyền trẻ em ở Đăk Kôi", kind="radio-feature")
    api.create(title="Bầu cử hội đồng nhân dân", kind="video", languages=["sed"])
    response = api.call("office", "GET", "/search?q=quyen+tre+em+dak+koi")
    body = response.get_json()
    assert response.status_code == 200
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["id"] == wanted["id"]
    assert hit["title"] == "Quyền trẻ em ở Đăk Kôi"
    assert "<mark>" in hit["title_html"] or "<mark>" in hit["snippet"]
    assert hit["kind"] == "radio-feature" and hit["languages"] == ["vie"]
    assert hit["url"] == f"/api/v1/products/{wanted['id']}"
    assert hit["thumbnail_url"] is None
    assert body["facets"]["kind"] == {"radio-feature": 1}


def _upload(api, product_id: int, data: bytes, name: str) -> dict:
    response = api.call("producer", "POST", f"/products/{product_id}/files",
                        data={"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")
    assert response.status_code in (201, 202), response.get_json()
    return response.get_json()


def test_search_facet_filter_sort_and_paging(api):
    for n in range(3):
        api.create(title=f"Video số {n}", kind="video")
    api.create(title="Phóng sự", kind="radio-feature")
    body = api.call("office", "GET", "/search?kind=video&sort=title&per_page=2&page=2").get_json()
    assert body["total"] == 3
    assert (body["page"], body["per_page"]) == (2, 2)
    assert [h["title"] for h in body["hits"]] == ["Video số 2"]


def test_search_hit_carries_a_thumbnail_url_once_processed(api):
    product = api.create(title="Tranh cổ động quyền con người", kind="poster")
    api.call("producer", "POST", f"/products/{product['id']}/files",
             data={"file": (io.BytesIO(png_bytes()), "tranh.png")},
             content_type="multipart/form-data")
    hit = api.call("commune", "GET", "/search?q=tranh+co+dong").get_json()["hits"][0]
    assert hit["thumbnail_url"].startswith(f"/api/v1/products/{product['id']}/files/")
    assert hit["thumbnail_url"].endswith("/thumbnail")
    assert api.call("commune", "GET", hit["thumbnail_url"]).status_code == 200


def test_bad_search_parameter_is_422_naming_it(api):
    response = api.call("commune", "GET", "/search?sort=random")
    assert response.status_code == 422
    assert "sort" in response.get_json()["fields"]


def test_vocabularies_list_stable_codes_with_both_labels(api):
    body = api.call("commune", "GET", "/vocabularies").get_json()
    assert {"kinds", "themes", "conventions", "languages", "channels", "plan_tasks",
            "communes", "units"} <= set(body)
    radio = next(e for e in body["kinds"] if e["code"] == "radio-feature")
    assert (radio["label_vi"], radio["label_en"]) == ("Phóng sự phát thanh", "Radio feature")
    sedang = next(e for e in body["languages"] if e["code"] == "sed")
    assert sedang["ethnic_minority"] is True
    old = next(e for e in body["communes"] if e["code"] == "xa-dak-to-lung")
    assert old["successor"] == "xa-dak-koi-2025" and old["current"] is False


def test_one_vocabulary_and_an_unknown_one(api):
    body = api.call("office", "GET", "/vocabularies/channels").get_json()
    assert body["name"] == "channels"
    assert "commune-radio" in {e["code"] for e in body["entries"]}
    response = api.call("office", "GET", "/vocabularies/colours")
    assert response.status_code == 422
    assert "name" in response.get_json()["fields"]


def test_a_product_made_closed_vanishes_from_search_before_the_index_catches_up(
        api, monkeypatch):
    from app.services.search import indexing

    secret = api.create(title="Hồ sơ nhạy cảm về khiếu nại", kind="video")
    public = api.create(title="Hồ sơ công khai về khiếu nại", kind="video")
    for product in (secret, public):      # commune staff see no file-less drafts
        _upload(api, product["id"], png_bytes(), "ho-so.png")
    assert api.call("commune", "GET", "/search?q=khieu+nai").get_json()["total"] == 2
    monkeypatch.setattr(indexing, "queue_flush", lambda kho: False)   # the worker is down
    assert api.call("admin", "PATCH", f"/products/{secret['id']}",
                    json={"access": {"level": "closed"}}).status_code == 200
    body = api.call("commune", "GET", "/search?q=khieu+nai").get_json()
    assert [h["id"] for h in body["hits"]] != [] and secret["id"] not in [h["id"] for h in body["hits"]]
    assert body["total"] == 1 and body["facets"]["kind"] == {"video": 1}
    assert "nhạy cảm" not in str(body)
    office = api.call("office", "GET", "/search?q=khieu+nai").get_json()
    assert office["total"] == 2          # an office without a unit sees every product


def test_a_deleted_product_is_gone_from_search_at_once(api, monkeypatch):
    from app.services.search import indexing

    gone = api.create(title="Bản tin đã xoá", kind="video")
    monkeypatch.setattr(indexing, "queue_flush", lambda kho: False)
    assert api.call("admin", "DELETE", f"/products/{gone['id']}").status_code == 204
    assert api.call("office", "GET", "/search?q=ban+tin+da+xoa").get_json()["total"] == 0


def test_broadcast_copy_filter_and_what_a_hit_says_about_airing(api):
    from tests.unit.api.conftest import wav_bytes

    feature = api.create(title="Bản tin phát thanh về bầu cử", kind="radio-feature")
    poster = api.create(title="Tranh cổ động về bầu cử", kind="poster")
    api.create(title="Nháp về bầu cử", kind="video")
    _upload(api, feature["id"], wav_bytes(seconds=1.0), "ban-tin.wav")
    _upload(api, poster["id"], png_bytes(), "tranh.png")

    everything = api.call("office", "GET", "/search?q=bau+cu").get_json()
    assert everything["total"] == 3
    assert everything["facets"]["broadcast_copy"] == {"false": 2, "true": 1}
    body = api.call("office", "GET", "/search?q=bau+cu&broadcast_copy=true").get_json()
    assert body["total"] == 1 and body["facets"]["kind"] == {"radio-feature": 1}
    hit = body["hits"][0]
    assert hit["id"] == feature["id"] and hit["broadcast_copy"] is True
    assert abs(hit["duration_s"] - 1.0) < 0.2
    assert hit["broadcast_url"].endswith("/broadcast") and hit["waveform_url"].endswith("/waveform")
    assert api.call("commune", "GET", hit["broadcast_url"]).status_code in (200, 302)
    others = api.call("office", "GET", "/search?q=bau+cu&broadcast_copy=false").get_json()
    assert others["total"] == 2 and all(h["broadcast_copy"] is False for h in others["hits"])
    assert all(h["broadcast_url"] is None and h["duration_s"] is None for h in others["hits"])

    wrong = api.call("office", "GET", "/search?broadcast_copy=yes")
    assert wrong.status_code == 422 and "broadcast_copy" in wrong.get_json()["fields"]


def test_commune_staff_are_not_shown_fileless_drafts_even_before_the_index_catches_up(
        api, monkeypatch):
    from sqlalchemy import delete, update

    from app.services.search import indexing
    from archive.models import File, Product

    poster = api.create(title="Tranh về phòng chống thiên tai", kind="poster")
    emptied = api.create(title="Phóng sự về phòng chống thiên tai", kind="video")
    api.create(title="Nháp về phòng chống thiên tai", kind="radio-feature")
    _upload(api, poster["id"], png_bytes(), "tranh.png")
    _upload(api, emptied["id"], png_bytes((80, 60)), "anh.png")

    body = api.call("commune", "GET", "/search?q=thien+tai").get_json()
    assert body["total"] == 2 and body["facets"]["kind"] == {"poster": 1, "video": 1}
    assert api.call("office", "GET", "/search?q=thien+tai").get_json()["total"] == 3

    monkeypatch.setattr(indexing, "queue_flush", lambda kho: False)   # the worker is down
    with api.kho.transaction() as session:     # its only file removed: a draft again
        session.execute(delete(File).where(File.product_id == emptied["id"]))
        session.execute(update(Product).where(Product.id == emptied["id"])
                        .values(status="draft"))
        indexing.mark(session, [emptied["id"]])
    body = api.call("commune", "GET", "/search?q=thien+tai").get_json()
    assert [h["id"] for h in body["hits"]] == [poster["id"]]
    assert body["total"] == 1 and body["facets"]["kind"] == {"poster": 1}
    assert api.call("office", "GET", "/search?q=thien+tai").get_json()["total"] == 3


def test_a_draft_without_a_file_is_not_found_for_commune_staff_over_the_api(api):
    draft = api.create(title="Nháp phóng sự chưa có tệp", kind="radio-feature")
    assert api.call("producer", "GET", f"/products/{draft['id']}").status_code == 200
    assert api.call("office", "GET", f"/products/{draft['id']}").status_code == 200
    hidden = api.call("commune", "GET", f"/products/{draft['id']}")
    assert hidden.status_code == 404, hidden.get_json()
    # its history is not found either: it would name the draft's title and its makers
    history = api.call("commune", "GET", f"/products/{draft['id']}/history")
    assert history.status_code == 404 and "Nháp" not in history.get_data(as_text=True)
    assert api.call("office", "GET", f"/products/{draft['id']}/history").status_code == 200
    _upload(api, draft["id"], png_bytes(), "tranh.png")   # a file: it is theirs to see
    shown = api.call("commune", "GET", f"/products/{draft['id']}")
    assert shown.status_code == 200 and shown.get_json()["title"] == "Nháp phóng sự chưa có tệp"
    assert api.call("commune", "GET", f"/products/{draft['id']}/history").status_code == 200


@pytest.mark.parametrize("year", ["abc", "20x5", "1899", "3000", "99999999999999999999"])
def test_a_year_filter_that_is_not_a_year_is_refused_naming_year(api, year):
    response = api.call("producer", "GET", f"/search?year={year}")
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["fields"]) == ["year"]


def test_a_year_filter_finds_the_products_of_that_year(api):
    api.create(title="Phóng sự năm 2024", produced_on="2024-05-01")
    got = api.call("producer", "GET", "/search?year=2024").get_json()
    assert [h["title"] for h in got["hits"]] == ["Phóng sự năm 2024"]


def test_a_product_restricted_to_another_commune_gives_no_hit_total_or_facet(api):
    from tests.unit.api.conftest import COMMUNE, OTHER_COMMUNE

    ritual = api.create(title="Lễ cúng lúa mới ở Kon Braih", kind="video",
                        access={"level": "restricted", "audience": {"units": [OTHER_COMMUNE]}})
    ours = api.create(title="Lễ hội lúa mới ở Đăk Kôi", kind="radio-feature",
                      access={"level": "restricted", "audience": {"units": [COMMUNE]}})
    for product in (ritual, ours):      # commune staff see no file-less drafts
        _upload(api, product["id"], png_bytes(), "le-hoi.png")
    body = api.call("commune", "GET", "/search?q=lua+moi").get_json()
    assert [h["id"] for h in body["hits"]] == [ours["id"]] and body["total"] == 1
    assert body["facets"]["kind"] == {"radio-feature": 1}
    assert api.call("commune", "GET", "/search?kind=video").get_json()["total"] == 0
    assert "Kon Braih" not in str(body)
    assert api.call("office", "GET", "/search?q=lua+moi").get_json()["total"] == 2
