"""Downloads and presigned links follow the access rule (issue 26): a link is asked of
the store only after the check, and lives ``s3_presign_seconds`` (default 300 s); a
file stricter than its product, and its renditions and PDF pages, are not found for
who may not see it. Runs on PostgreSQL + S3 through
tests/integration/test_access_doors_pg.py."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from archive.access import AccessRequest
from archive.errors import NotFound, PermissionDenied
from config import Settings
from config.settings import ConfigError, load_settings
from tests.access_doors import grant, set_access, set_file_access
from tests.unit.api.conftest import png_bytes

COMMUNE = "xa-dak-koi-2025"


class Presigning:
    """Wraps a store so that it offers direct links the way S3 does, noting each."""

    def __init__(self, store) -> None:
        self.store, self.issued = store, []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def presigned_url(self, key, *, filename=None, content_type=None, expires=None):
        self.issued.append((key, expires))
        return f"https://objects.example/{key}?X-Amz-Expires={expires}"


@pytest.fixture
def people(kho):
    from app.services.access import accounts

    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "xa", "commune", "12345678", commune=COMMUNE)
    accounts.add_user(kho, "xa-ben", "commune", "12345678", commune="xa-kon-braih-2025")
    return {name: accounts.actor_by_name(kho, name) for name in ("sx", "xa", "xa-ben")}


@pytest.fixture
def poster(kho, people) -> tuple[int, int]:
    from app.services.catalogue.products import create_product
    from app.services.files.intake import receive

    pid = create_product(kho, people["sx"], {"title": "Tranh lễ hội"})
    got = receive(kho, people["sx"], pid, io.BytesIO(png_bytes((300, 200))), "tranh.png")
    return pid, got.file_id


def test_download_links_live_five_minutes_unless_set_otherwise():
    assert Settings().s3_presign_seconds == 300
    assert load_settings({"s3_presign_seconds": 120}, require_secret=False) \
        .s3_presign_seconds == 120
    for bad in (0, 604801):
        with pytest.raises(ConfigError) as caught:
            load_settings({"s3_presign_seconds": bad}, require_secret=False)
        assert caught.value.field == "s3_presign_seconds"


def test_a_link_is_issued_only_after_the_check_and_with_the_settings_lifetime(
        kho, people, poster):
    from app.services.files.downloads import open_rendition

    pid, fid = poster
    store = Presigning(kho.storage)
    kho.__dict__["storage"] = store
    set_access(kho, pid, "closed")
    for rendition in ("original", "thumbnail", "preview"):
        with pytest.raises(NotFound):
            open_rendition(kho, people["xa"], pid, fid, rendition)
    set_access(kho, pid, "restricted", units=[COMMUNE])
    with pytest.raises(PermissionDenied):
        open_rendition(kho, people["xa-ben"], pid, fid, "original")
    assert store.issued == []
    found = open_rendition(kho, people["xa"], pid, fid, "original")
    assert found.presigned_url.endswith("X-Amz-Expires=300")
    assert store.issued == [(found.storage_key, 300)]


def test_a_running_grant_opens_the_download_and_an_ended_one_closes_it(kho, people, poster):
    from app.services.common.clock import local_today
    from app.services.files.downloads import open_rendition

    pid, fid = poster
    set_access(kho, pid, "closed")
    today = local_today(kho.settings)
    grant(kho, pid, "xa", today)                  # its last day is today
    assert open_rendition(kho, people["xa"], pid, fid, "preview").size > 0
    with kho.transaction() as session:       # the grant's last day was yesterday
        session.query(AccessRequest).update({"grant_until": today - timedelta(days=1)})
    with pytest.raises(NotFound):
        open_rendition(kho, people["xa"], pid, fid, "preview")


def test_a_closed_file_of_an_open_product_is_not_found_with_its_renditions(
        kho, people, poster):
    from app.services.catalogue.product_view import product_view
    from app.services.files.downloads import open_rendition

    pid, fid = poster
    set_file_access(kho, fid, "closed")
    assert product_view(kho, people["xa"], pid)["files"] == []
    for rendition in ("original", "thumbnail", "preview"):
        with pytest.raises(NotFound) as caught:
            open_rendition(kho, people["xa"], pid, fid, rendition)
        assert caught.value.field == "file_id"   # as a file the product does not have
    assert [f["id"] for f in product_view(kho, people["sx"], pid)["files"]] == [fid]
    assert open_rendition(kho, people["sx"], pid, fid, "thumbnail").size > 0


def test_an_embargoed_product_is_not_found_even_by_its_audience(kho, people, poster):
    from app.services.catalogue.product_view import product_view

    pid, _ = poster
    set_access(kho, pid, "restricted", units=[COMMUNE], embargo=date(2099, 1, 1))
    for name in ("xa", "xa-ben"):
        with pytest.raises(NotFound):
            product_view(kho, people[name], pid)
    assert product_view(kho, people["sx"], pid)["embargo_until"] == "2099-01-01"
