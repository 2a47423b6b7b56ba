"""A Word document typed in TCVN3 (.VnTime) on PostgreSQL with S3 storage (moto): the
original fetched from the bucket is processed, its text converted to Unicode and found
by "Cộng hòa", the history says it was converted from TCVN3, and the bytes in the
bucket are the ones uploaded (the same checks as on SQLite:
tests/unit/services/processing/test_legacy_text_ingest.py)."""
from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.services.processing.test_legacy_text_ingest import (check_tcvn3_docx,
                                                                    upload_tcvn3_docx)

pytestmark = pytest.mark.integration


def test_a_tcvn3_docx_is_found_by_cong_hoa_on_postgresql_and_s3(tmp_path, migrated_pg_url,
                                                                 s3_endpoint):
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    bucket = new_s3_storage(s3_endpoint).bucket
    kho = Kho(make_settings(tmp_path / "instance", database_url=migrated_pg_url, storage="s3",
                            s3_bucket=bucket, s3_endpoint_url=s3_endpoint,
                            s3_region="us-east-1", s3_addressing_style="path"))
    try:
        init_instance(kho)
        pid, fid, data = upload_tcvn3_docx(kho, tmp_path)
        assert kho.storage.local_path("anything") is None          # the remote path
        check_tcvn3_docx(kho, pid, fid, data)
    finally:
        kho.close()
