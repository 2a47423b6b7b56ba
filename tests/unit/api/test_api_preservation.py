"""What an API client sees of preservation: healthz degraded with the count while a copy
of an original is faulty, and downloads of originals carrying their SHA-256."""
from __future__ import annotations

import base64
import hashlib
import io
import os

from app.services.preservation import fixity
from tests.unit.services.preservation.test_fixity import flip_byte


def upload(api, data: bytes):
    product = api.create()
    body = api.call("producer", "POST", f"/products/{product['id']}/files",
                    data={"file": (io.BytesIO(data), "ban-tin.bin")},
                    content_type="multipart/form-data").get_json()
    return product["id"], body["files"][0]["file_id"]


def test_healthz_is_degraded_with_the_count_until_the_copy_is_repaired(api):
    upload(api, os.urandom(4000))
    [target] = fixity.select_targets(api.kho)
    flip_byte(api.kho.storage.root / target.storage_key)
    fixity.run(api.kho, [target])
    response = api.client.get("/api/v1/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["fixity"].startswith("degraded: 1 faulty")
    assert body["checks"]["storage"] == "ok"


def test_original_download_carries_repr_digest_and_digest(api):
    data = os.urandom(5000)
    product_id, file_id = upload(api, data)
    response = api.call("office", "GET", f"/products/{product_id}/files/{file_id}/original")
    value = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert response.data == data
    assert response.headers["Repr-Digest"] == f"sha-256=:{value}:"
    assert response.headers["Digest"] == f"sha-256={value}"
    partial = api.call("office", "GET", f"/products/{product_id}/files/{file_id}/original",
                       headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and partial.headers["Repr-Digest"] == f"sha-256=:{value}:"


def test_an_original_damaged_in_its_only_copy_is_refused_not_sent_with_its_digest(api):
    product_id, file_id = upload(api, os.urandom(5000))
    [target] = fixity.select_targets(api.kho)
    flip_byte(api.kho.storage.root / target.storage_key)
    fixity.run(api.kho, [target])
    url = f"/products/{product_id}/files/{file_id}/original"
    response = api.call("office", "GET", url, headers={"Accept-Language": "vi"})
    assert response.status_code == 409
    assert "Repr-Digest" not in response.headers and "Digest" not in response.headers
    assert response.get_json()["message"] == (
        f"bản gốc của tệp {file_id} bị hỏng ở mọi bản sao Kho lưu giữ; chưa thể tải về "
        "cho đến khi quản trị viên khôi phục nó")
    assert api.call("office", "HEAD", url).status_code == 409


def test_a_damaged_primary_is_served_from_the_whole_replica(tmp_path):
    from tests.conftest import make_settings
    from tests.unit.api.conftest import build_api

    for replicated in build_api(make_settings(
            tmp_path / "instance", replica_storage="local",
            replica_storage_path=str(tmp_path / "replica"))):
        data = os.urandom(5000)
        product_id, file_id = upload(replicated, data)
        [target] = fixity.select_targets(replicated.kho)
        flip_byte(replicated.kho.storage.root / target.storage_key)
        fixity.run(replicated.kho, [target])
        url = f"/products/{product_id}/files/{file_id}/original"
        served = replicated.call("office", "GET", url)
        value = base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert served.status_code == 200 and served.data == data
        assert served.headers["Repr-Digest"] == f"sha-256=:{value}:"
        flip_byte(replicated.kho.replica.root / target.storage_key)
        fixity.run(replicated.kho, [target])
        assert replicated.call("office", "GET", url).status_code == 409
