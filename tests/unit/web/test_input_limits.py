"""Pages at the edges: the upload limit is per file, ids beyond 64 bits are 404, and
"today" is Vietnam's date whatever the server clock's zone."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest

from tests.unit.web.media import png_bytes

LIMIT = 200_000
HUGE = "99999999999999999999"


@pytest.fixture
def limited(app):
    """Each uploaded file may have up to 200,000 bytes."""
    kho = app.extensions["kho"]
    kho.settings = kho.settings.replace(max_upload_bytes=LIMIT)
    return kho


def _status(b, product_id):
    return b.get(f"/products/{product_id}/status.json").get_json()


def _form_upload(b, product_id, files):
    return b.client.post(f"/products/{product_id}/files", data={
        "csrf_token": b.token(f"/products/{product_id}/upload"),
        "files": [(io.BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data")


def test_no_script_form_with_two_files_under_the_limit_stores_both(limited, as_role,
                                                                    product_id):
    b = as_role("producer")
    response = _form_upload(b, product_id, [("r1.bin", b"a" * 150_000),
                                            ("r2.bin", b"b" * 150_000)])
    assert response.status_code == 302
    assert sorted(f["name"] for f in _status(b, product_id)["files"]) == ["r1.bin", "r2.bin"]


def test_no_script_form_names_the_oversized_file_and_keeps_the_other(limited, as_role,
                                                                     product_id):
    b = as_role("producer")
    response = _form_upload(b, product_id, [("phong-su.wav", b"R" * 250_000),
                                            ("poster.png", png_bytes())])
    assert response.status_code == 302
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    error = page.split('class="flash error"', 1)[1].split("</p>", 1)[0]
    assert "phong-su.wav" in error and "tối đa 195,3 kB mỗi tệp" in error   # human units
    assert [f["name"] for f in _status(b, product_id)["files"]] == ["poster.png"]


def test_script_upload_declaring_more_than_the_limit_is_json_naming_the_file(
        limited, as_role, product_id):
    b = as_role("producer")
    response = b.client.post(f"/products/{product_id}/files", data=b"x" * 250_000,
                             headers={"Content-Type": "application/octet-stream",
                                      "X-CSRFToken": b.token("/search"),
                                      "X-File-Name": "phong-su.wav"})
    assert response.status_code == 413
    body = response.get_json()
    assert body["error"] == "too_large" and "phong-su.wav" in body["message"]
    assert _status(b, product_id)["files"] == []
    assert not list(limited.settings.spool_dir.glob("upload-*"))


def test_body_above_the_request_cap_is_json_for_the_script_and_a_page_for_the_form(
        limited, as_role, product_id):
    from app.services.files.intake import request_limit

    b = as_role("producer")
    oversized = b"x" * (request_limit(limited.settings) + 1)
    raw = b.client.post(f"/products/{product_id}/files", data=oversized,
                        headers={"Content-Type": "application/octet-stream",
                                 "X-CSRFToken": b.token("/search"),
                                 "X-File-Name": "a.bin"})
    assert raw.status_code == 413 and raw.get_json()["error"] == "too_large"
    form = b.client.post(f"/products/{product_id}/files", data=oversized,
                         headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert form.status_code == 413 and form.mimetype == "text/html"
    page = form.get_data(as_text=True)
    assert "tối đa 1,6 MB mỗi lần" in page and "tối đa 8 tệp" in page   # how to split it
    assert "mỗi tệp tối đa 195,3 kB" in page and "1665536" not in page
    assert _status(b, product_id)["files"] == []


@pytest.mark.parametrize("path", [
    f"/products/{HUGE}", f"/products/{HUGE}/files/1/original",
    f"/products/{HUGE}/status.json", f"/products/{HUGE}/upload", f"/products/{HUGE}/edit",
    "/products/9223372036854775808",
])
def test_ids_too_large_for_any_database_are_404(as_role, path):
    assert as_role("admin").get(path).status_code == 404


# --- "today" is Vietnam's date ------------------------------------------------------

# 20:00 UTC on 26/11/2026 is already 03:00 on 27/11/2026 in Vietnam (UTC+7)
DAWN_IN_VIETNAM = datetime(2026, 11, 26, 20, 0, tzinfo=timezone.utc)


@pytest.fixture
def dawn_in_vietnam(monkeypatch):
    from app.services.common import clock

    monkeypatch.setattr(clock, "utcnow", lambda: DAWN_IN_VIETNAM)


def test_today_follows_the_configured_time_zone(kho_rt, dawn_in_vietnam):
    from app.services.common.clock import local_today

    assert local_today(kho_rt.settings) == date(2026, 11, 27)
    assert local_today(kho_rt.settings.replace(timezone="UTC")) == date(2026, 11, 26)


def test_commune_logs_an_airing_at_dawn_vietnam_time(as_role, airable_product_id,
                                                     dawn_in_vietnam):
    product_id = airable_product_id
    b = as_role("commune")
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert 'name="aired_on" value="27/11/2026"' in page     # prefilled with today
    token = b.token(f"/products/{product_id}")
    url = f"/products/{product_id}/broadcasts"
    logged = b.client.post(url, data={"aired_on": "27/11/2026", "csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    assert "flash error" not in logged and "flash ok" in logged
    assert "27/11/2026" in b.get("/broadcasts").get_data(as_text=True)
    future = b.client.post(url, data={"aired_on": "28/11/2026", "csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    assert "flash error" in future and "28/11/2026" in future


def test_communes_merged_yesterday_are_no_longer_current_after_midnight_in_vietnam(
        kho_rt, monkeypatch):
    """Units of the old map end on 30/06/2025; at 01/07 03:00 in Vietnam (still 30/06
    on a UTC clock) pickers offer only the new communes."""
    from app.services.common import clock
    from app.services.catalogue.vocabularies import list_vocabulary

    def current_old_communes(instant):
        monkeypatch.setattr(clock, "utcnow", lambda: instant)
        return [e.code for e in list_vocabulary(kho_rt, "communes")
                if e.flags["valid_to"] == "2025-06-30" and e.flags["current"]]

    assert current_old_communes(datetime(2025, 6, 30, 10, 0, tzinfo=timezone.utc))
    assert current_old_communes(datetime(2025, 6, 30, 20, 0, tzinfo=timezone.utc)) == []
