"""A download is recorded only once its bytes are being sent (issue 27, part 1), on
SQLite with a local folder, PostgreSQL with a local folder and PostgreSQL with S3
(presigned redirects): a missing object, a hidden or restricted product, a range
outside the object and a HEAD request write no row; a real download writes exactly
one; a resumed transfer (a second range request the same day) stays that one row
(one row is one download in the figures: ``stats/usage.py``)."""
from __future__ import annotations

import io
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.web.conftest import PASSWORD, Browser

COMMUNE = "xa-dak-koi-2025"
BODY = b"%PDF-1.4 " + bytes(5000)


class Door:
    """An app on one engine and store, a commune account, a product with one file."""

    def __init__(self, app: Any) -> None:
        from app.services.access import accounts
        from app.services.catalogue.products import create_product
        from app.services.files.intake import receive

        self.app, self.kho = app, app.extensions["kho"]
        accounts.add_user(self.kho, "sx", "producer", PASSWORD)
        accounts.add_user(self.kho, "daixa", "commune", PASSWORD, commune=COMMUNE)
        self.token = accounts.create_token(self.kho, "daixa")
        producer = accounts.actor_by_name(self.kho, "sx")
        self.pid = create_product(self.kho, producer, {"title": "Bản tin Đăk Kôi"})
        self.fid = receive(self.kho, producer, self.pid, io.BytesIO(BODY), "ban-tin.pdf",
                           queue=False).file_id
        self.path = f"/products/{self.pid}/files/{self.fid}/original"
        self.presigned = self.kho.settings.storage == "s3"

    def api(self, method: str = "GET", **headers: str):
        headers["Authorization"] = f"Bearer {self.token}"
        return self.app.test_client().open("/api/v1" + self.path, method=method,
                                           headers=headers)

    def rows(self) -> list[tuple]:
        from archive.usage import DownloadRecord

        with self.kho.transaction() as s:
            return [tuple(r) for r in s.execute(select(
                DownloadRecord.file_id, DownloadRecord.rendition, DownloadRecord.count))]

    def sent(self, answer) -> bool:
        """Whether the answer hands out the bytes (a redirect to S3, or the body)."""
        if self.presigned:
            return answer.status_code == 302 and "Location" in answer.headers
        return answer.status_code in (200, 206) and len(answer.get_data()) > 0


@pytest.fixture(params=["sqlite-local", "postgresql-local", "postgresql-s3"])
def door(request, tmp_path) -> Iterator[Door]:
    from app import create_app
    from app.services.instance.setup import init_instance

    engine, store = request.param.split("-")
    extra: dict[str, Any] = {}
    if engine == "postgresql":
        extra["database_url"] = request.getfixturevalue("migrated_pg_url")
    if store == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        extra.update(storage="s3", s3_bucket=new_s3_storage(endpoint).bucket,
                     s3_endpoint_url=endpoint, s3_region="us-east-1",
                     s3_addressing_style="path")
    app = create_app(make_settings(tmp_path / "instance", **extra))
    init_instance(app.extensions["kho"])
    yield Door(app)
    app.extensions["kho"].close()


def test_a_real_download_is_one_row_and_a_resumed_one_stays_that_row(door):
    first = door.api(Range="bytes=0-999")
    assert door.sent(first)
    assert door.rows() == [(door.fid, "original", 1)]
    resumed = door.api(Range="bytes=1000-")
    assert door.sent(resumed)
    if not door.presigned:
        assert resumed.status_code == 206 and first.get_data() + resumed.get_data() == BODY
    page = Browser(door.app.test_client())
    assert page.login("daixa").status_code == 302
    assert door.sent(page.get(door.path + "?download=1"))
    assert door.rows() == [(door.fid, "original", 3)]     # one download, three requests


def test_head_and_a_range_outside_the_object_are_no_download(door):
    assert door.api("HEAD").status_code in (200, 302)
    if not door.presigned:       # S3 answers ranges itself, after the redirect
        assert door.api(Range=f"bytes={len(BODY) + 10}-").status_code == 416
    assert door.rows() == []


def test_a_missing_object_is_a_404_and_no_download(door):
    from archive.models import File

    with door.kho.transaction() as s:
        door.kho.storage.delete(s.get(File, door.fid).storage_key)
    missing = door.api()
    assert missing.status_code == 404 and "Location" not in missing.headers
    page = Browser(door.app.test_client())
    assert page.login("daixa").status_code == 302
    assert page.get(door.path + "?download=1").status_code == 404
    assert door.rows() == []


def test_hidden_and_restricted_products_are_no_download(door):
    from tests.access_doors import set_access

    set_access(door.kho, door.pid, "restricted", units=["xa-kon-braih-2025"])
    assert door.api().status_code == 403
    set_access(door.kho, door.pid, "closed")
    assert door.api().status_code == 404
    assert door.rows() == []
    set_access(door.kho, door.pid, "public")
    assert door.sent(door.api())
    assert door.rows() == [(door.fid, "original", 1)]
