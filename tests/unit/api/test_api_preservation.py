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
