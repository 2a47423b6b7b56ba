"""Every reading door follows the access rule on PostgreSQL with S3 storage: the unit
suites run unchanged (the pages and API on PostgreSQL + the S3 test server, so the
attack on a closed product meets real presigned redirects; the download services on
this folder's PostgreSQL ``kho``), and a presigned link replayed after the grant that
allowed it ended.

The S3 test server (moto 5) serves a presigned link whatever its age — it checks
neither the expiry nor, for an existing object, the signature — so the replay test
asserts what S3 itself refuses on: the link's signed validity (``X-Amz-Date`` plus
``X-Amz-Expires``, the ``s3_presign_seconds`` setting) has ended by the replay, while
Kho issues no new link once the grant has ended.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse
import urllib.request

import pytest

from tests.access_doors import grant, set_access
from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.web.conftest import PASSWORD, Browser, app  # noqa: F401  (fixture)
from tests.unit.web.test_access_doors import *  # noqa: F401,F403
from tests.unit.services.files.test_download_access import *  # noqa: F401,F403
from tests.unit.services.files.test_intake_access import *  # noqa: F401,F403
from tests.unit.services.catalogue.test_suggestion_access import *  # noqa: F401,F403


def _s3_settings(folder, pg_url, s3_endpoint, **extra):
    bucket = new_s3_storage(s3_endpoint).bucket
    return make_settings(folder, database_url=pg_url, storage="s3", s3_bucket=bucket,
                         s3_endpoint_url=s3_endpoint, s3_region="us-east-1",
                         s3_addressing_style="path", **extra)


@pytest.fixture
def web_settings(tmp_path, pg_url, s3_endpoint):
    """The pages' and API's instance on PostgreSQL with S3 storage."""
    return _s3_settings(tmp_path / "instance", pg_url, s3_endpoint)


def _validity_end(url: str) -> datetime:
    """When S3 stops honouring a presigned link: its signing time plus its lifetime."""
    query = parse_qs(urlparse(url).query)
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ") \
        .replace(tzinfo=timezone.utc)
    return signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))


def test_a_link_replayed_after_the_grant_ended_has_expired_itself(tmp_path, pg_url,
                                                                  s3_endpoint, monkeypatch):
    import botocore.auth

    from app import create_app
    from app.services.access import accounts
    from app.services.catalogue.products import create_product
    from app.services.common.clock import local_today
    from app.services.files.intake import receive
    from app.services.instance.setup import init_instance
    from archive.access import AccessRequest

    application = create_app(_s3_settings(tmp_path / "instance", pg_url, s3_endpoint))
    kho = application.extensions["kho"]
    try:
        init_instance(kho)
        accounts.add_user(kho, "sx", "producer", PASSWORD)
        accounts.add_user(kho, "xa", "commune", PASSWORD, commune="xa-kon-braih-2025")
        producer = accounts.actor_by_name(kho, "sx")
        pid = create_product(kho, producer, {"title": "Lễ cúng lúa mới"})
        data = b"%PDF-1.4 bai khan " + bytes(3000)
        fid = receive(kho, producer, pid, io.BytesIO(data), "bai-khan.pdf",
                      queue=False).file_id
        set_access(kho, pid, "closed")
        today = local_today(kho.settings)
        grant(kho, pid, "xa", today)
        page = Browser(application.test_client())
        assert page.login("xa").status_code == 302
        url = f"/products/{pid}/files/{fid}/original?download=1"

        # the grant runs: the link is issued after the check, lives 300 s, serves the bytes
        issued_at = datetime.now(timezone.utc)
        moved = page.get(url)
        assert moved.status_code == 302
        link = moved.headers["Location"]
        assert parse_qs(urlparse(link).query)["X-Amz-Expires"] == ["300"]
        assert _validity_end(link) <= issued_at + timedelta(seconds=301)
        with urllib.request.urlopen(link, timeout=10) as response:
            assert response.read() == data

        # a link issued yesterday, when the grant still ran, and replayed today
        yesterday = issued_at - timedelta(days=1)
        monkeypatch.setattr(botocore.auth, "get_current_datetime",
                            lambda remove_tzinfo=True: yesterday.replace(tzinfo=None))
        old_link = page.get(url).headers["Location"]
        monkeypatch.undo()
        with kho.transaction() as session:
            session.query(AccessRequest).update({"grant_until": today - timedelta(days=1)})
        refused = page.get(url)
        assert refused.status_code == 404 and "Location" not in refused.headers
        assert _validity_end(old_link) < datetime.now(timezone.utc)   # S3 says 403 to it
        assert _validity_end(old_link) <= yesterday + timedelta(seconds=300)
    finally:
        kho.close()
