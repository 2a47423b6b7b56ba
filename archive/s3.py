"""S3Storage: objects in an S3-compatible bucket (MinIO, Ceph RGW, AWS S3).

The only module of Kho that imports boto3/botocore. One client is made lazily on
first use and shared by all calls (boto3 clients are thread-safe). Credentials come
only from boto3's own chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
``~/.aws``, instance role), never from Kho's settings.

Uploads and downloads go through boto3's transfer manager: files above
``multipart_threshold`` bytes are sent in parts from disk, never read whole into
memory. Every botocore failure is turned into a one-line Kho error: NotFound for a
missing key, ValidationError for a bad range, StorageError naming the bucket and
endpoint for everything else (missing bucket, refused credentials, unreachable).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, NoReturn

from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from boto3.session import Session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, \
    PartialCredentialsError, ProfileNotFound

from archive.errors import MissingObject, NotFound, StorageError, ValidationError
from archive.storage import CHUNK_BYTES, StoredObject, check_range, content_disposition, \
    validate_key, validate_prefix

MIB = 1024 * 1024
MIN_PART_BYTES = 8 * MIB            # S3 needs >= 5 MiB parts; boto3's default is 8 MiB
CONNECT_TIMEOUT = 5                 # seconds to open a connection
READ_TIMEOUT = 60                   # seconds without a byte before giving up
MAX_ATTEMPTS = 2                    # one retry: a dead endpoint fails in seconds

_MISSING_KEY_CODES = {"NoSuchKey", "404", "NotFound"}
_CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken",
                     "ExpiredToken", "InvalidClientTokenId", "AuthorizationHeaderMalformed"}
_DENIED_CODES = {"AccessDenied", "403", "Forbidden", "AllAccessDisabled"}


@dataclass(frozen=True)
class PendingUpload:
    """An incomplete multipart upload: the key it was writing (without the storage
    prefix), its id, when it last showed activity (seconds since the epoch) and the
    bytes of its stored parts."""

    key: str
    upload_id: str
    last_activity: float
    size: int


class S3Storage:
    """Objects stored as ``<prefix><key>`` in ``bucket``.

    ``endpoint_url`` None means AWS's own endpoint; ``addressing_style`` is
    ``auto | path | virtual`` (MinIO usually needs ``path``); ``prefix`` lets several
    instances share a bucket; ``multipart_threshold`` is in bytes; ``presign_seconds``
    is the default lifetime of presigned URLs; ``profile`` names an AWS credentials
    profile (``~/.aws``) for this store alone, e.g. a replica in another account.
    """

    def __init__(self, bucket: str, *, endpoint_url: str | None = None,
                 region: str | None = None, addressing_style: str = "auto",
                 prefix: str = "", multipart_threshold: int = 64 * MIB,
                 presign_seconds: int = 3600, profile: str | None = None) -> None:
        if not bucket:
            raise ValidationError("an S3 bucket name is required", field="s3_bucket")
        if addressing_style not in {"auto", "path", "virtual"}:
            raise ValidationError("must be auto, path or virtual", field="s3_addressing_style")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        validate_prefix(prefix)
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.region = region or None
        self.addressing_style = addressing_style
        self.prefix = prefix
        self.multipart_threshold = multipart_threshold
        self.presign_seconds = presign_seconds
        self.profile = profile or None
        self._client: Any = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"

    # --- plumbing ---------------------------------------------------------------
    @property
    def where(self) -> str:
        """Where the bucket lives, for messages: the endpoint or 'AWS S3'."""
        return self.endpoint_url or (f"AWS S3 ({self.region})" if self.region else "AWS S3")

    @property
    def client(self) -> Any:
        """The shared boto3 S3 client, made on first use."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    config = Config(
                        s3={"addressing_style": self.addressing_style},
                        signature_version="s3v4",
                        connect_timeout=CONNECT_TIMEOUT,
                        read_timeout=READ_TIMEOUT,
                        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                    )
                    session = Session(profile_name=self.profile)
                    self._client = session.client("s3", endpoint_url=self.endpoint_url,
                                                  region_name=self.region, config=config)
        return self._client

    def _transfer_config(self) -> TransferConfig:
        return TransferConfig(multipart_threshold=self.multipart_threshold,
                              multipart_chunksize=max(self.multipart_threshold, MIN_PART_BYTES))

    def _full(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def _fail(self, exc: BaseException, key: str | None = None) -> NoReturn:
        """Raise the Kho error that explains ``exc`` (see module docstring)."""
        raise translate_error(exc, bucket=self.bucket, where=self.where, key=key) from None

    # --- checks -----------------------------------------------------------------
    def check(self) -> None:
        """Raise StorageError unless the bucket exists and the credentials may use it."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc)

    def ensure(self) -> None:
        """S3 buckets are provisioned by the operator: only :meth:`check` that it exists."""
        self.check()

    def create_bucket(self) -> None:
        """Create the bucket (tests and development set-up only; production never calls it)."""
        params: dict[str, Any] = {"Bucket": self.bucket}
        if self.region and self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**params)
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc)

    # --- writing ----------------------------------------------------------------
    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        """Upload ``path`` (multipart above the threshold). S3 makes the object visible
        only once complete. A missing source raises FileNotFoundError."""
        full = self._full(key)
        Path(path).stat()  # a missing source fails here, before any upload starts
        extra = {"ContentType": content_type} if content_type else None
        try:
            self.client.upload_file(str(path), self.bucket, full, ExtraArgs=extra,
                                    Config=self._transfer_config())
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            self._fail(exc, key)

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._full(key))
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc, key)

    # --- multipart uploads a killed writer left --------------------------------
    def incomplete_uploads(self) -> Iterator[PendingUpload]:
        """Multipart uploads under this store's prefix that were started and never
        completed or aborted (a writer killed mid-upload leaves one: its parts are
        stored, and billed, but no object is visible). ``last_activity`` is the newest
        of the start and the parts' times, so an upload still sending parts looks
        young. Raises StorageError when the bucket cannot be listed."""
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Uploads", []):
                    yield self._pending(item)
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc)

    def _pending(self, item: dict[str, Any]) -> PendingUpload:
        newest, size = item["Initiated"].timestamp(), 0
        pages = self.client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=item["Key"], UploadId=item["UploadId"])
        try:
            for page in pages:
                for part in page.get("Parts", []):
                    newest = max(newest, part["LastModified"].timestamp())
                    size += int(part.get("Size", 0))
        except ClientError as exc:            # completed or aborted meanwhile
            if str(exc.response.get("Error", {}).get("Code")) != "NoSuchUpload":
                raise
        return PendingUpload(item["Key"][len(self.prefix):], item["UploadId"], newest, size)

    def abort_upload(self, upload: PendingUpload) -> None:
        """Abort an incomplete multipart upload (its parts are deleted); one already
        gone is not an error."""
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket,
                                               Key=self.prefix + upload.key,
                                               UploadId=upload.upload_id)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) != "NoSuchUpload":
                self._fail(exc, upload.key)
        except BotoCoreError as exc:
            self._fail(exc, upload.key)

    # --- reading ----------------------------------------------------------------
    def _head(self, key: str) -> dict[str, Any]:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc, key)

    def open(self, key: str) -> BinaryIO:
        """The object's streaming body (read/iter/close; not seekable)."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc, key)
        return response["Body"]

    def read_range(self, key: str, start: int, end_inclusive: int) -> Iterator[bytes]:
        """One ranged GET; the end is clamped to the last byte like HTTP does."""
        end = check_range(key, start, end_inclusive, self.size(key))
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._full(key),
                                              Range=f"bytes={start}-{end}")
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc, key)
        return self._stream(response["Body"], key)

    def _stream(self, body: Any, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        try:
            for chunk in body.iter_chunks(chunk_bytes):
                yield chunk
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc, key)
        finally:
            body.close()

    def stream(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """One GET of the whole object, read in chunks; errors midway are StorageError."""
        return self._stream(self.open(key), key, chunk_bytes)

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except NotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def download_to(self, key: str, path: Path) -> None:
        """Stream the object to ``path`` (boto3 writes a temp file and renames it)."""
        full = self._full(key)
        try:
            self.client.download_file(self.bucket, full, str(path),
                                      Config=self._transfer_config())
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc, key)

    def listing(self, prefix: str) -> Iterator[StoredObject]:
        """Objects under ``prefix`` (ListObjectsV2, 1,000 keys a request)."""
        full = self.prefix + (validate_key(prefix.rstrip("/")) + "/" if prefix.strip("/") else "")
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full)
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"][len(self.prefix):], int(item["Size"]),
                                       item["LastModified"].timestamp())
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc)

    def presigned_url(self, key: str, *, filename: str | None = None,
                      content_type: str | None = None,
                      expires: int | None = None) -> str | None:
        """A presigned GET URL valid ``expires`` seconds (default ``presign_seconds``)
        whose response is an attachment named ``filename`` with ``content_type``."""
        params = {"Bucket": self.bucket, "Key": self._full(key),
                  "ResponseContentDisposition": content_disposition(filename)}
        if content_type:
            params["ResponseContentType"] = content_type
        try:
            return self.client.generate_presigned_url(
                "get_object", Params=params,
                ExpiresIn=self.presign_seconds if expires is None else expires)
        except (BotoCoreError, ClientError) as exc:
            self._fail(exc, key)

    def local_path(self, key: str) -> Path | None:
        """S3 objects have no local file: None."""
        validate_key(key)
        return None


def _client_error_in(exc: BaseException) -> ClientError | None:
    """The ClientError behind ``exc`` (boto3's upload wraps it in S3UploadFailedError)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def translate_error(exc: BaseException, *, bucket: str, where: str,
                    key: str | None = None) -> Exception:
    """The one-line Kho error for a boto3/botocore failure (see module docstring)."""
    there = f"S3 bucket '{bucket}' at {where}"
    if isinstance(exc, ProfileNotFound):
        return StorageError(f"{there}: {exc}", field="s3_profile")
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return StorageError(f"no usable S3 credentials for {there}: set AWS_ACCESS_KEY_ID "
                            "and AWS_SECRET_ACCESS_KEY, ~/.aws or an instance role",
                            field="s3_bucket")
    client_error = _client_error_in(exc)
    if client_error is None:
        if isinstance(exc, BotoCoreError):  # connection refused, DNS, timeouts
            return StorageError(f"cannot reach S3 endpoint {where} for bucket '{bucket}': "
                                f"{exc}", field="s3_endpoint_url")
        return StorageError(f"{there} failed: {exc}".splitlines()[0], field="s3_bucket")
    error = client_error.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = client_error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    operation = client_error.operation_name
    if code == "NoSuchBucket" or (operation == "HeadBucket" and status == 404):
        return StorageError(f"S3 bucket '{bucket}' does not exist at {where}",
                            field="s3_bucket")
    if key is not None and (code in _MISSING_KEY_CODES or status == 404):
        return MissingObject(f"object '{key}' not found in {there}", field="key")
    if code == "InvalidRange" or status == 416:
        return ValidationError(f"byte range is outside object '{key}'", field="range")
    if code in _CREDENTIAL_CODES:
        return StorageError(f"{there} rejected the credentials ({code}): check "
                            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", field="s3_bucket")
    if code in _DENIED_CODES or status == 403:
        return StorageError(f"access denied to {there}: the credentials are wrong or "
                            "lack permission",
                            field="s3_bucket")
    message = str(error.get("Message") or client_error).splitlines()[0]
    return StorageError(f"{there}: {operation} failed ({code or status}): {message}",
                        field="s3_bucket")
