"""The API tells why a file failed as a code, its values and a sentence in the
requester's language (``error`` keeps working, now in that language too); a product
with a failed file beside a ready one is "ready" with ``warnings``; an upload says
which product already holds the same content and whether the file fits the kind."""
from __future__ import annotations

import io

from tests.unit.api.conftest import png_bytes


def _fail(api, product_id: int) -> int:
    from app.services.processing import pipeline
    from archive.models import File

    response = api.call("producer", "POST", f"/products/{product_id}/files",
                        data={"file": [(io.BytesIO(png_bytes((40, 30))), "anh.png"),
                                       (io.BytesIO(b"%PDF-1.4 khong" * 40), "to-roi.pdf")]},
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    ids = {f["filename"]: f["file_id"] for f in response.get_json()["files"]}
    with api.kho.transaction() as s:     # as an encrypted PDF fails
        f = s.get(File, ids["to-roi.pdf"])
        f.status, f.problem, f.problem_params = "failed", "pdf.encrypted", {}
        f.error_detail = "probe: PDF is encrypted (needs a password)"
        pipeline.product_status(f.product)
    return ids["to-roi.pdf"]


def test_a_failed_file_carries_code_values_and_a_sentence_in_the_readers_language(api):
    product = api.create(kind="poster")
    fid = _fail(api, product["id"])
    vi = api.call("commune", "GET", f"/products/{product['id']}",
                  headers={"Accept-Language": "vi"}).get_json()
    failed = next(f for f in vi["files"] if f["id"] == fid)
    assert failed["problem"]["code"] == "pdf.encrypted" and failed["problem"]["params"] == {}
    assert failed["problem"]["message"] == ("Tệp PDF được khoá bằng mật khẩu — hãy lưu lại "
                                            "không có mật khẩu rồi tải lên.")
    assert failed["error"] == failed["problem"]["message"]
    assert "encrypted" in failed["problem"]["tool_output"]
    assert vi["status"] == "ready" and vi["warnings"] == 1      # ready, with a warning
    en = api.call("producer", "GET", f"/products/{product['id']}",
                  headers={"Accept-Language": "en"}).get_json()
    failed = next(f for f in en["files"] if f["id"] == fid)
    assert failed["error"] == ("The PDF is protected by a password — save it again without "
                               "a password and upload it.")
    ready = next(f for f in en["files"] if f["id"] != fid)
    assert ready["problem"] is None and ready["error"] is None


def test_an_upload_names_the_product_that_holds_it_and_a_kind_misfit(api):
    first, second = api.create(kind="poster"), api.create(kind="radio-feature")
    data = png_bytes((50, 40))
    api.call("producer", "POST", f"/products/{first['id']}/files",
             data={"file": [(io.BytesIO(data), "a.png")]}, content_type="multipart/form-data")
    response = api.call("producer", "POST", f"/products/{second['id']}/files",
                        data={"file": [(io.BytesIO(data), "b.png")]},
                        content_type="multipart/form-data")
    got = response.get_json()["files"][0]
    assert got["duplicate"] == "stored-before" and got["duplicate_product"] == first["id"]
    assert got["kind_mismatch"] is True and got["expected"] == ["audio", "text"]
