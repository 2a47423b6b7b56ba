"""S3Storage against a real S3 HTTP server (moto): the shared contract plus S3 specifics."""
from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from typing import Iterator

import boto3
import pytest

from archive.errors import StorageError
from archive.s3 import S3Storage
from archive.storage import original_key
from tests.s3server import MotoServer, MotoServerError, free_port, new_s3_storage, \
    s3_endpoint  # noqa: F401 (fixture)
from tests.storage_contract import StorageContract, write_file
from tests.stored_keys import stored_keys

pytestmark = pytest.mark.integration
MIB = 1024 * 1024


def emptied(store: S3Storage) -> S3Storage:
    """``store`` with every object removed (a bucket per test would cost a client each)."""
    for key in list(stored_keys(store)):
        store.delete(key)
    return store


@pytest.fixture(scope="module")
def module_s3_storage(s3_endpoint: str) -> S3Storage:
    return new_s3_storage(s3_endpoint, multipart_threshold=5 * MIB)


@pytest.fixture(scope="module")
def module_prefixed_s3_storage(s3_endpoint: str) -> S3Storage:
    return new_s3_storage(s3_endpoint, prefix="huyen-kon-ray", multipart_threshold=5 * MIB)


@pytest.fixture
def storage(module_s3_storage: S3Storage) -> S3Storage:
    return emptied(module_s3_storage)


class TestS3StorageContract(StorageContract):
    pass


class TestS3StorageWithPrefixContract(StorageContract):
    """Same contract when several instances share a bucket under key prefixes."""

    @pytest.fixture
    def storage(self, module_prefixed_s3_storage: S3Storage) -> S3Storage:
        return emptied(module_prefixed_s3_storage)


def test_prefix_keeps_objects_apart_inside_one_bucket(s3_endpoint, tmp_path):
    first = new_s3_storage(s3_endpoint, prefix="office-a/")
    second = S3Storage(first.bucket, endpoint_url=s3_endpoint, prefix="office-b",
                       addressing_style="path")
    whole = S3Storage(first.bucket, endpoint_url=s3_endpoint, addressing_style="path")
    first.put_file("a/b", write_file(tmp_path / "in", b"x"))
    assert list(stored_keys(first)) == ["a/b"]
    assert not second.exists("a/b")
    assert list(stored_keys(whole)) == ["office-a/a/b"]


def test_presigned_url_downloads_the_exact_bytes_as_an_attachment(storage, tmp_path):
    data = b"%PDF-1.4 ban tin\n" * 500
    key = original_key(hashlib.sha256(data).hexdigest())
    storage.put_file(key, write_file(tmp_path / "in", data))
    url = storage.presigned_url(key, filename="Bản tin số 1.pdf",
                                content_type="application/pdf", expires=300)
    assert url.startswith(storage.endpoint_url)
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        disposition = response.headers["Content-Disposition"]
        content_type = response.headers["Content-Type"]
    assert body == data
    assert 'filename="Ban tin so 1.pdf"' in disposition
    assert "filename*=UTF-8''B%E1%BA%A3n%20tin%20s%E1%BB%91%201.pdf" in disposition
    assert content_type == "application/pdf"


def test_presigned_url_is_refused_after_tampering(storage, tmp_path):
    key = "a/b"
    storage.put_file(key, write_file(tmp_path / "in", b"secret"))
    url = storage.presigned_url(key, filename="b.txt", content_type=None, expires=300)
    tampered = url.replace("a/b", "a/c")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(tampered, timeout=10)
    assert caught.value.code == 403


def test_upload_keeps_the_content_type(storage, tmp_path):
    key = "derivatives/aa/bb/x/thumb.jpg"
    storage.put_file(key, write_file(tmp_path / "in", b"\xff\xd8\xff"), "image/jpeg")
    head = storage.client.head_object(Bucket=storage.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"


def test_files_above_the_threshold_are_uploaded_in_parts(storage, tmp_path):
    source = tmp_path / "big.bin"
    with open(source, "wb") as handle:
        for _ in range(12):
            handle.write(os.urandom(MIB))
    storage.put_file("originals/aa/bb/big", source, "video/mp4")
    head = storage.client.head_object(Bucket=storage.bucket, Key="originals/aa/bb/big")
    # A multipart object's ETag is "<md5 of part md5s>-<parts>": 12 MiB in 8 MiB parts.
    assert head["ETag"].strip('"').endswith("-2")
    assert head["ContentType"] == "video/mp4"
    assert head["ContentLength"] == 12 * MIB


def test_s3_has_no_local_path(storage, tmp_path):
    storage.put_file("a/b", write_file(tmp_path / "in", b"x"))
    assert storage.local_path("a/b") is None


def test_missing_bucket_is_named_in_one_line(s3_endpoint, tmp_path):
    store = S3Storage("kho-no-such-bucket", endpoint_url=s3_endpoint, addressing_style="path")
    for action in (store.check, store.ensure,
                   lambda: store.put_file("a/b", write_file(tmp_path / "in", b"x"))):
        with pytest.raises(StorageError) as caught:
            action()
        message = str(caught.value)
        assert message == (f"s3_bucket: S3 bucket 'kho-no-such-bucket' does not exist "
                           f"at {s3_endpoint}")


def test_unreachable_endpoint_is_a_storage_error_naming_it(s3_endpoint):
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = S3Storage("kho", endpoint_url=endpoint, addressing_style="path")
    with pytest.raises(StorageError) as caught:
        store.check()
    message = str(caught.value)
    assert f"cannot reach S3 endpoint {endpoint}" in message
    assert "'kho'" in message and "\n" not in message


def test_missing_credentials_are_explained(s3_endpoint, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    store = S3Storage("kho", endpoint_url=s3_endpoint, addressing_style="path")
    with pytest.raises(StorageError) as caught:
        store.check()
    assert "no usable S3 credentials" in str(caught.value)
    assert "AWS_ACCESS_KEY_ID" in str(caught.value)


@pytest.fixture(scope="module")
def checking_s3(s3_endpoint: str) -> Iterator[tuple[str, str, str]]:
    """A second moto server that checks credentials, with one IAM user lacking any
    permission. Yields (endpoint, access key id, secret key) of that user."""
    server = MotoServer({"INITIAL_NO_AUTH_ACTION_COUNT": "2"})
    try:
        endpoint = server.start()
    except MotoServerError as exc:
        pytest.fail(f"credential-checking S3 server could not start: {exc}", pytrace=False)
    try:
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
        iam.create_user(UserName="kho-reader")
        key = iam.create_access_key(UserName="kho-reader")["AccessKey"]
        yield endpoint, key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        server.stop()


def check_message(endpoint: str, monkeypatch, key_id: str, secret: str) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    store = S3Storage("kho", endpoint_url=endpoint, addressing_style="path")
    with pytest.raises(StorageError) as caught:      # a read, as every request makes
        store.open("originals/aa/bb/probe")
    return str(caught.value)


def test_unknown_access_key_is_reported_as_rejected_credentials(checking_s3, monkeypatch):
    endpoint, _, _ = checking_s3
    message = check_message(endpoint, monkeypatch, "AKIAUNKNOWNKEY000000", "whatever")
    assert f"S3 bucket 'kho' at {endpoint} rejected the credentials (InvalidAccessKeyId)" \
        in message


def test_wrong_secret_is_reported_as_rejected_credentials(checking_s3, monkeypatch):
    endpoint, key_id, secret = checking_s3
    message = check_message(endpoint, monkeypatch, key_id, secret[::-1])
    assert "rejected the credentials (SignatureDoesNotMatch)" in message
    assert "'kho'" in message


def test_credentials_without_permission_are_reported_as_access_denied(checking_s3,
                                                                      monkeypatch):
    endpoint, key_id, secret = checking_s3
    message = check_message(endpoint, monkeypatch, key_id, secret)
    assert message.startswith(f"s3_bucket: access denied to S3 bucket 'kho' at {endpoint}")


def test_check_reports_refused_credentials_naming_the_bucket(checking_s3, monkeypatch):
    endpoint, key_id, _ = checking_s3
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(StorageError) as caught:
        S3Storage("kho", endpoint_url=endpoint, addressing_style="path").check()
    assert f"S3 bucket 'kho' at {endpoint}" in str(caught.value)
