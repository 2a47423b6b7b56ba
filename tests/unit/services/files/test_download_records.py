"""Downloads are recorded: one row per account, file, rendition and Vietnamese day.

Through the product page's byte route and the JSON API (both go through
``open_rendition``), with Range requests, renditions, day changes and the account's
commune; what is not a download (decorations, hidden products, maintenance jobs).
"""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from tests.conftest import make_settings
from tests.unit.api.conftest import png_bytes
from tests.unit.web.conftest import PASSWORD, Browser

COMMUNE = "xa-dak-koi-2025"


class Site:
    """An initialised app with one signed-in browser and one API token per role."""

    def __init__(self, app: Any) -> None:
        from app.services.access import accounts

        self.app, self.kho = app, app.extensions["kho"]
        for role in ("producer", "commune", "office"):
            accounts.add_user(self.kho, role, role, PASSWORD,
                              commune=COMMUNE if role == "commune" else None)
        self.tokens = {role: accounts.create_token(self.kho, role) for role in
                       ("producer", "commune", "office")}
        self.producer = accounts.actor_by_name(self.kho, "producer")

    def browser(self, role: str) -> Browser:
        b = Browser(self.app.test_client())
        assert b.login(role).status_code == 302
        return b

    def api(self, role: str, path: str, **headers: str):
        headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.app.test_client().get(f"/api/v1{path}", headers=headers)

    def product_with_image(self, **metadata: Any) -> tuple[int, int]:
        """A product with one processed PNG (renditions thumbnail, preview)."""
        from app.services.files.intake import receive
        from app.services.catalogue.products import create_product

        pid = create_product(self.kho, self.producer, {"title": "Tranh cổ động quyền trẻ em",
                                                       **metadata})
        got = receive(self.kho, self.producer, pid, io.BytesIO(png_bytes((300, 200))),
                      "tranh.png")
        return pid, got.file_id

    def records(self) -> list[dict[str, Any]]:
        from archive.models import Unit, User
        from archive.usage import DownloadRecord

        with self.kho.transaction() as s:
            rows = s.execute(select(DownloadRecord, User.username, Unit.code)
                             .join(User, User.id == DownloadRecord.user_id)
                             .outerjoin(Unit, Unit.id == DownloadRecord.commune_id)
                             .order_by(DownloadRecord.id)).all()
            return [{"user": name, "commune": code, "product": r.product_id,
                     "file": r.file_id, "rendition": r.rendition, "day": r.day.isoformat(),
                     "count": r.count} for r, name, code in rows]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    from app import create_app
    from app.services.instance.setup import init_instance

    app = create_app(make_settings(tmp_path / "instance"))
    init_instance(app.extensions["kho"])
    yield Site(app)
    app.extensions["kho"].close()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_page_download_is_one_record_with_the_commune_of_the_account(site):
    pid, fid = site.product_with_image()
    response = site.browser("commune").get(f"/products/{pid}/files/{fid}/original?download=1")
    assert response.status_code == 200
    [row] = site.records()
    assert row | {"day": "-"} == {"user": "commune", "commune": COMMUNE, "product": pid,
                                  "file": fid, "rendition": "original", "day": "-",
                                  "count": 1}


def test_range_requests_of_a_player_count_once_per_user_and_day(site):
    pid, fid = site.product_with_image()
    page = site.browser("commune")
    for header in ("bytes=0-99", "bytes=100-", "bytes=-10"):
        assert page.get(f"/products/{pid}/files/{fid}/original",
                        headers={"Range": header}).status_code == 206
    assert site.api("commune", f"/products/{pid}/files/{fid}/original",
                    Range="bytes=0-0").status_code == 206
    rows = site.records()
    assert [(r["user"], r["rendition"], r["count"]) for r in rows] == \
        [("commune", "original", 4)]


def test_api_download_by_another_account_is_its_own_record(site):
    pid, fid = site.product_with_image()
    assert site.api("commune", f"/products/{pid}/files/{fid}/original").status_code == 200
    assert site.api("office", f"/products/{pid}/files/{fid}/original").status_code == 200
    assert [(r["user"], r["commune"], r["count"]) for r in site.records()] == \
        [("commune", COMMUNE, 1), ("office", None, 1)]


def test_different_renditions_of_one_file_are_separate_downloads(site):
    pid, fid = site.product_with_image()
    page = site.browser("commune")
    for rendition in ("original", "preview", "preview"):
        assert page.get(f"/products/{pid}/files/{fid}/{rendition}").status_code == 200
    assert [(r["rendition"], r["count"]) for r in site.records()] == \
        [("original", 1), ("preview", 2)]


def test_the_next_day_in_vietnam_is_a_new_download(site):
    from app.services.access.accounts import actor_by_name
    from app.services.files.download_records import record_download

    pid, fid = site.product_with_image()
    commune = actor_by_name(site.kho, "commune")
    for moment in ("2026-03-01T10:00:00", "2026-03-01T16:59:59",   # 23:59:59 in Vietnam
                   "2026-03-01T17:00:00", "2026-03-02T09:00:00"):  # 00:00 on 2 March
        assert record_download(site.kho, commune, pid, fid, "original", at=_at(moment))
    assert [(r["day"], r["count"]) for r in site.records()] == \
        [("2026-03-01", 2), ("2026-03-02", 2)]


def test_a_download_today_uses_vietnams_date(site, monkeypatch):
    import app.services.files.download_records as usage

    pid, fid = site.product_with_image()
    monkeypatch.setattr(usage, "utcnow", lambda: _at("2026-06-30T18:30:00"))
    assert site.api("commune", f"/products/{pid}/files/{fid}/original").status_code == 200
    assert [r["day"] for r in site.records()] == ["2026-07-01"]


def test_thumbnails_and_page_decorations_are_not_downloads(site):
    pid, fid = site.product_with_image()
    page = site.browser("commune")
    assert page.get(f"/products/{pid}/files/{fid}/thumbnail").status_code == 200
    assert page.get("/search?q=tranh").status_code == 200
    assert site.records() == []


def test_hidden_or_missing_files_record_nothing(site):
    from tests.access_doors import set_access

    pid, fid = site.product_with_image()
    set_access(site.kho, pid, "closed")
    assert site.api("commune", f"/products/{pid}/files/{fid}/original").status_code == 404
    assert site.api("commune", f"/products/{pid}/files/{fid}/nothing").status_code == 404
    assert site.api("office", f"/products/{pid}/files/{fid + 1}/original").status_code == 404
    assert site.records() == []
    assert site.api("office", f"/products/{pid}/files/{fid}/original").status_code == 200
    assert [(r["user"], r["product"]) for r in site.records()] == [("office", pid)]


def test_a_download_whose_object_is_missing_is_a_404_and_no_download(site):
    from archive.models import File

    pid, fid = site.product_with_image()
    with site.kho.transaction() as s:
        key = s.get(File, fid).storage_key
    site.kho.storage.delete(key)
    page = site.browser("commune")
    assert page.get(f"/products/{pid}/files/{fid}/original?download=1").status_code == 404
    assert site.api("commune", f"/products/{pid}/files/{fid}/original").status_code == 404
    assert site.records() == []


def test_maintenance_jobs_are_not_counted(site):
    from app.services.access.actors import SYSTEM
    from app.services.files.downloads import open_rendition

    pid, fid = site.product_with_image()
    fetched = open_rendition(site.kho, SYSTEM, pid, fid, "original")
    assert b"".join(fetched.iter_range(0, fetched.size - 1))      # the bytes were read
    assert site.records() == []


def test_commune_is_the_accounts_commune_at_the_time(site):
    from app.services.access.accounts import actor_by_name
    from app.services.files.download_records import record_download
    from archive.models import Unit, User

    pid, fid = site.product_with_image()
    record_download(site.kho, actor_by_name(site.kho, "commune"), pid, fid, "original",
                    at=_at("2026-03-01T03:00:00"))
    with site.kho.transaction() as s:
        user = s.scalar(select(User).where(User.username == "commune"))
        user.commune = s.scalar(select(Unit).where(Unit.code == "xa-kon-braih-2025"))
    record_download(site.kho, actor_by_name(site.kho, "commune"), pid, fid, "original",
                    at=_at("2026-03-02T03:00:00"))
    assert [(r["day"], r["commune"]) for r in site.records()] == \
        [("2026-03-01", COMMUNE), ("2026-03-02", "xa-kon-braih-2025")]


def test_a_record_outlives_its_deleted_product(site):
    from app.services.catalogue.products import delete_product

    pid, fid = site.product_with_image()
    assert site.api("commune", f"/products/{pid}/files/{fid}/original").status_code == 200
    delete_product(site.kho, _admin(site), pid)
    assert [(r["product"], r["file"]) for r in site.records()] == [(pid, fid)]


def _admin(site: Site):
    from app.services.access.accounts import actor_by_name, add_user

    add_user(site.kho, "quantri", "admin", PASSWORD)
    return actor_by_name(site.kho, "quantri")


def test_viewing_a_product_page_with_text_is_no_download(site, tmp_path):
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product
    from tests.unit.ingest.media_factory import text_pdf

    pid = create_product(site.kho, site.producer, {"title": "Tài liệu pháp luật"})
    pdf = text_pdf(tmp_path / "tai-lieu.pdf", ["Quyen tre em " * 5])
    with pdf.open("rb") as stream:
        fid = receive(site.kho, site.producer, pid, stream, "tai-lieu.pdf").file_id
    page = site.browser("commune").get(f"/products/{pid}").get_data(as_text=True)
    assert "Quyen tre em" in page                      # the text excerpt was read
    assert site.records() == []
    assert site.browser("commune").get(f"/products/{pid}/files/{fid}/text").status_code == 200
    assert [r["rendition"] for r in site.records()] == ["text"]


def test_head_requests_are_no_download(site):
    pid, fid = site.product_with_image()
    client = site.app.test_client()
    answer = client.head(f"/api/v1/products/{pid}/files/{fid}/original",
                         headers={"Authorization": f"Bearer {site.tokens['commune']}"})
    assert answer.status_code == 200
    assert site.browser("office").client.head(
        f"/products/{pid}/files/{fid}/original").status_code == 200
    assert site.records() == []
