"""An incomplete multipart upload left in the bucket by a writer killed mid-upload to
S3: ``kho check`` names it among the leftovers, start-up (``kho init``, as ``serve``
and ``worker`` do) aborts it, and a young one — a writer still sending parts — is
left alone."""
from __future__ import annotations

from click.testing import CliRunner

from app.cli import main
from app.services.common import leftovers
from archive.storage import original_key


def _run(monkeypatch, tmp_path, env: dict[str, str], *args: str):
    for key in ("KHO_LANG", "KHO_DEFAULT_LOCALE", "KHO_DATABASE_URL", "KHO_STORAGE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KHO_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)


def _start_upload(storage, key: str) -> str:
    """What boto3's transfer manager had done when its process was killed: the upload
    started and one part sent, never completed."""
    full = storage.prefix + key
    upload = storage.client.create_multipart_upload(Bucket=storage.bucket, Key=full)
    storage.client.upload_part(Bucket=storage.bucket, Key=full, PartNumber=1,
                               UploadId=upload["UploadId"], Body=b"x" * 1000)
    return upload["UploadId"]


def _pending(storage) -> list[str]:
    answer = storage.client.list_multipart_uploads(Bucket=storage.bucket)
    return [u["UploadId"] for u in answer.get("Uploads", [])]


def test_incomplete_multipart_upload_is_named_by_check_and_aborted_at_start_up(
        monkeypatch, tmp_path, pg_url, s3_endpoint):
    from tests.s3server import new_s3_storage

    storage = new_s3_storage(s3_endpoint)
    env = {"KHO_DATABASE_URL": pg_url, "KHO_STORAGE": "s3", "KHO_S3_BUCKET": storage.bucket,
           "KHO_S3_ENDPOINT_URL": s3_endpoint, "KHO_S3_ADDRESSING_STYLE": "path"}
    assert _run(monkeypatch, tmp_path, env, "init").exit_code == 0
    key = original_key("ab" * 32)
    upload_id = _start_upload(storage, key)

    young = _run(monkeypatch, tmp_path, env, "check")    # a writer may still be at it
    assert "leftovers: none" in young.output.splitlines()
    assert _run(monkeypatch, tmp_path, env, "init").exit_code == 0
    assert _pending(storage) == [upload_id]

    monkeypatch.setattr(leftovers, "MAX_AGE_SECONDS", 0)   # as if an hour had passed
    check = _run(monkeypatch, tmp_path, env, "check")
    assert check.exit_code == 0, check.output
    assert (f"leftovers: incomplete S3 upload of {key} (1000 bytes, upload {upload_id}); "
            "kho init, serve and worker abort it") in check.output.splitlines()
    init = _run(monkeypatch, tmp_path, env, "init")
    assert "Aborted 1 incomplete S3 uploads of stopped processes" in init.output
    assert _pending(storage) == []
    after = _run(monkeypatch, tmp_path, env, "check")
    assert "leftovers: none" in after.output.splitlines()
