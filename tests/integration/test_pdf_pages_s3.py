"""The PDF page reader on PostgreSQL with S3 storage (moto): the original is fetched
from the bucket to render a page, the page image is kept in the bucket and served from
there afterwards, and the history names people by their full names."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.stored_keys import stored_keys
from tests.unit.ingest.media_factory import text_pdf
from tests.unit.web.conftest import PASSWORD, Browser

pytestmark = pytest.mark.integration


def test_pdf_pages_render_from_and_into_the_bucket(tmp_path, pg_url, s3_endpoint):
    from app import create_app
    from app.services.access import accounts
    from app.services.instance.setup import init_instance
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product

    bucket = new_s3_storage(s3_endpoint).bucket
    app = create_app(make_settings(tmp_path / "instance", database_url=pg_url, storage="s3",
                                   s3_bucket=bucket, s3_endpoint_url=s3_endpoint,
                                   s3_region="us-east-1", s3_addressing_style="path"))
    kho = app.extensions["kho"]
    try:
        init_instance(kho)
        accounts.add_user(kho, "sx", "producer", PASSWORD, display_name="Nguyễn Thu Hà")
        accounts.add_user(kho, "daixa", "commune", PASSWORD, commune="xa-kon-braih-2025")
        producer = accounts.actor_by_name(kho, "sx")
        pid = create_product(kho, producer, {"title": "Luật trẻ em"})
        pdf = text_pdf(tmp_path / "luat.pdf", [f"Trang {n} ban tin" for n in (1, 2, 3)])
        with pdf.open("rb") as stream:
            fid = receive(kho, producer, pid, stream, "luật.pdf").file_id
        assert kho.storage.local_path("anything") is None          # the remote path
        page = Browser(app.test_client())
        assert page.login("daixa").status_code == 302
        reader = page.get(f"/products/{pid}/files/{fid}/pages/2")
        assert reader.status_code == 200 and "Trang 2/3" in reader.get_data(as_text=True)
        image = page.get(f"/products/{pid}/files/{fid}/pages/2/image")
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(image.data)).width == 1000
        keys = [k for k in stored_keys(kho.storage, "derivatives/") if "/page-" in k]
        assert [k.rsplit("/", 1)[1] for k in keys] == ["page-2-w1000.jpg"]
        assert page.get(f"/products/{pid}/files/{fid}/pages/2/image").data == image.data
        assert page.get(f"/products/{pid}/files/{fid}/pages/4").status_code == 404
        product = page.get(f"/products/{pid}").get_data(as_text=True)
        assert re.search(r"Nguyễn Thu Hà đã tải lên tệp luật.pdf", product)
        assert "SHA-256" not in product
    finally:
        kho.close()
