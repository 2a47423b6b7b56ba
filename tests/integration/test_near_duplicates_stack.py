"""Near-duplicates on PostgreSQL with S3 storage (moto): a re-encoded copy of an existing
bulletin and a re-scanned poster, uploaded through the API, are flagged naming the
first product in the upload answer and the product's JSON; the originals are read back
from the bucket to be fingerprinted; a "same work" answer makes the office's figures
count the pair once. The service tests of the unit suite run here on PostgreSQL too
(the ``kho`` fixture of this folder)."""
from __future__ import annotations

import io

import pytest

from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.services.catalogue.test_near_duplicates import *  # noqa: F401,F403
from tests.unit.services.stats.test_near_duplicate_counts import *  # noqa: F401,F403

pytestmark = pytest.mark.integration


def _upload(api, product_id: int, path) -> dict:
    with path.open("rb") as stream:
        response = api.call("producer", "POST", f"/products/{product_id}/files",
                            data={"file": [(io.BytesIO(stream.read()), path.name)]},
                            content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["files"][0]


def test_a_reencoded_bulletin_and_a_rescanned_poster_are_flagged_on_postgresql_and_s3(
        tmp_path, migrated_pg_url, s3_endpoint, media):
    from archive.models import File
    from tests.unit.api.conftest import build_api

    bucket = new_s3_storage(s3_endpoint).bucket
    settings = make_settings(tmp_path / "instance", database_url=migrated_pg_url, storage="s3",
                             s3_bucket=bucket, s3_endpoint_url=s3_endpoint,
                             s3_region="us-east-1", s3_addressing_style="path")
    for api in build_api(settings):
        assert api.kho.engine.dialect.name == "postgresql"
        firsts, seconds = {}, {}
        for name, title in (("poster", "Tranh cổ động phòng chống thiên tai"),
                            ("bulletin", "Bản tin thời sự xã Đăk Kôi")):
            product = api.create(title=title)
            firsts[name] = (product["id"], _upload(api, product["id"], media[name])["file_id"])
        for name, copy in (("poster", "rescan"), ("bulletin", "reencode")):
            product = api.create(title=f"Bản sao: {copy}")
            got = _upload(api, product["id"], media[copy])
            seconds[name] = (product["id"], got["file_id"])
            assert [(f["product_id"], f["file_id"]) for f in got["near_duplicates"]] == [
                firsts[name]], (name, got["near_duplicates"])
            assert got["near_duplicates"][0]["kind"] == ("image" if name == "poster"
                                                         else "audio")
            with api.kho.transaction() as session:             # on S3, not on a disk
                assert api.kho.storage.local_path(
                    session.get(File, got["file_id"]).storage_key) is None
        others = api.create(title="Bản tin khác")
        assert _upload(api, others["id"], media["other_bulletin"])["near_duplicates"] == []
        shown = api.call("commune", "GET", f"/products/{firsts['bulletin'][0]}").get_json()
        assert [(f["product_id"], f["file_id"]) for f in shown["files"][0]["near_duplicates"]] \
            == [seconds["bulletin"]]
        before = api.call("office", "GET", "/stats").get_json()["total"]
        pid, fid = seconds["poster"]
        answered = api.call("producer", "PUT", f"/products/{pid}/files/{fid}/near-duplicates/"
                            f"{firsts['poster'][1]}", json={"answer": "same"})
        assert answered.status_code == 200
        assert answered.get_json()["near_duplicates"][0]["answer"] == "same"
        assert api.call("office", "GET", "/stats").get_json()["total"] == before - 1
