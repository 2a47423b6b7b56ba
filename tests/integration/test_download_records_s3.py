"""With S3 storage a download is a redirect to a presigned URL: it is recorded too,
once per account, file, rendition and day, from the page and from the API — and only
when the object is there to be sent."""
from __future__ import annotations

import io

from sqlalchemy import select

from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.web.conftest import PASSWORD, Browser


def test_presigned_redirects_are_recorded_once_per_day(tmp_path, migrated_pg_url, s3_endpoint):
    from app import create_app
    from app.services.access import accounts
    from app.services.instance.setup import init_instance
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product
    from archive.models import File
    from archive.usage import DownloadRecord

    bucket = new_s3_storage(s3_endpoint).bucket
    app = create_app(make_settings(tmp_path / "instance", database_url=migrated_pg_url,
                                   storage="s3", s3_bucket=bucket, s3_endpoint_url=s3_endpoint,
                                   s3_region="us-east-1", s3_addressing_style="path"))
    kho = app.extensions["kho"]
    try:
        init_instance(kho)
        accounts.add_user(kho, "sx", "producer", PASSWORD)
        accounts.add_user(kho, "daixa", "commune", PASSWORD, commune="xa-kon-braih-2025")
        token = accounts.create_token(kho, "daixa")
        producer = accounts.actor_by_name(kho, "sx")
        pid = create_product(kho, producer, {"title": "Bản tin Kon Braih"})
        fid = receive(kho, producer, pid, io.BytesIO(b"%PDF-1.4 " + bytes(3000)), "ban-tin.pdf",
                      queue=False).file_id
        url = f"/products/{pid}/files/{fid}/original"
        page = Browser(app.test_client())
        assert page.login("daixa").status_code == 302
        answers = [page.get(url + "?download=1"), page.get(url),
                   app.test_client().get("/api/v1" + url,
                                         headers={"Authorization": f"Bearer {token}"})]
        assert [a.status_code for a in answers] == [302, 302, 302]
        assert all(bucket in a.headers["Location"] for a in answers)
        with kho.transaction() as s:
            rows = s.execute(select(DownloadRecord.file_id, DownloadRecord.rendition,
                                    DownloadRecord.count)).all()
        assert [tuple(r) for r in rows] == [(fid, "original", 3)]

        # the object gone from the bucket: a 404 naming no URL, and no download counted
        with kho.transaction() as s:
            kho.storage.delete(s.get(File, fid).storage_key)
        missing = page.get(url + "?download=1")
        assert missing.status_code == 404 and "Location" not in missing.headers
        with kho.transaction() as s:
            assert s.scalar(select(DownloadRecord.count)) == 3
    finally:
        kho.close()
