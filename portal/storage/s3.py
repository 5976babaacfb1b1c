"""Files in an S3 bucket (AWS, MinIO, Ceph, rclone serve s3, ...), streamed both ways.

`PORTAL_STORAGE_URL=s3://bucket/prefix?endpoint_url=http://127.0.0.1:9000&region=us-east-1&presign=1`

Query parameters, all optional:

- `endpoint_url`: an S3-compatible server (default: AWS); path-style addressing is used with it
  unless `addressing_style=virtual|auto` is given;
- `region`: the bucket's region (default: the boto3 chain, e.g. AWS_REGION);
- `presign=1`: downloads redirect the browser to a presigned GET URL valid `expires` seconds
  (default 3600) instead of streaming through the portal;
- `create_bucket=0`: never create the bucket (by default it is created on first write if missing).

Credentials: PORTAL_S3_ACCESS_KEY / PORTAL_S3_SECRET_KEY when set, else the standard boto3 chain
(AWS_ACCESS_KEY_ID, ~/.aws, instance roles, ...).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO
from urllib.parse import parse_qs, quote, urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from portal.storage import CHUNK, FileTooLarge, StoredFile

# S3 multipart parts must be at least 5 MiB (except the last); one part is held in memory.
PART_SIZE = 8 * 1024 * 1024
MISSING_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
TRUE = {"1", "true", "yes", "on"}
URL_PARAMETERS = {
    "endpoint_url",
    "region",
    "presign",
    "expires",
    "create_bucket",
    "addressing_style",
}


def _client_error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_missing(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return _client_error_code(exc) in MISSING_CODES or status == 404


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """Read up to `size` bytes, looping over short reads (sockets, pipes); b"" at the end."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        presign: bool = False,
        presign_expires: int = 3600,
        create_bucket: bool = True,
        addressing_style: str | None = None,
        part_size: int = PART_SIZE,
    ) -> None:
        if not bucket:
            raise ValueError("An s3:// storage URL needs a bucket: s3://bucket/prefix")
        if part_size < 5 * 1024 * 1024:
            raise ValueError("S3 multipart parts must be at least 5 MiB.")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.presign = presign
        self.presign_expires = presign_expires
        self.part_size = part_size
        style = addressing_style or ("path" if endpoint_url else "auto")
        config = Config(
            signature_version="s3v4",
            retries={"max_attempts": 3},
            connect_timeout=5,
            read_timeout=60,
            s3={"addressing_style": style},
        )
        credentials: dict[str, str] = {}
        if access_key and secret_key:
            credentials = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
        # A session per storage: boto3's default session is not thread-safe to create clients
        # from, while a client itself is.
        session = boto3.session.Session()
        self.client = session.client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config, **credentials
        )
        self._bucket_ready = not create_bucket
        self._bucket_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, environ: Mapping[str, str] | None = None) -> S3Storage:
        env = os.environ if environ is None else environ
        parsed = urlparse(url)
        if parsed.scheme != "s3":
            raise ValueError(f"Not an s3:// URL: {url!r}")
        params = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        unknown = set(params) - URL_PARAMETERS
        if unknown:
            raise ValueError(f"Unknown s3:// URL parameters: {', '.join(sorted(unknown))}")
        return cls(
            parsed.netloc,
            parsed.path,
            endpoint_url=params.get("endpoint_url") or None,
            region=params.get("region") or None,
            access_key=env.get("PORTAL_S3_ACCESS_KEY") or None,
            secret_key=env.get("PORTAL_S3_SECRET_KEY") or None,
            presign=params.get("presign", "0").lower() in TRUE,
            presign_expires=int(params.get("expires", "3600")),
            create_bucket=params.get("create_bucket", "1").lower() in TRUE,
            addressing_style=params.get("addressing_style") or None,
        )

    def _key(self, key: str) -> str:
        # Same rule as LocalStorage: a key is a relative path that stays below the root. S3
        # itself would accept `a/../b`, but S3-compatible servers that map keys to files reject
        # or normalise them, and the two engines must agree.
        parts = key.split("/")
        if not key or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"Storage key escapes the storage root: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._bucket_lock:
            if self._bucket_ready:
                return
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if not _is_missing(exc):
                    raise
                self._create_bucket()
            self._bucket_ready = True

    def _create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        region = self.client.meta.region_name
        if region and region not in ("us-east-1", "aws-global"):
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(**kwargs)
        except ClientError as exc:
            # Another process created it in between: fine.
            if _client_error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def put(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        full_key = self._key(key)
        self._ensure_bucket()
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        digest, size = hashlib.sha256(), 0

        def next_part() -> bytes:
            nonlocal size
            data = _read_exactly(stream, self.part_size)
            size += len(data)
            if max_bytes is not None and size > max_bytes:
                raise FileTooLarge(f"File is larger than {max_bytes} bytes.")
            digest.update(data)
            return data

        first = next_part()
        if len(first) < self.part_size:
            # Small file: nothing was sent yet, one PUT stores it atomically.
            self.client.put_object(
                Bucket=self.bucket, Key=full_key, Body=first, ContentType=content_type
            )
            return StoredFile(key, size, digest.hexdigest())

        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=full_key, ContentType=content_type
        )["UploadId"]
        try:
            parts = []
            data = first
            while data:
                number = len(parts) + 1
                etag = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=full_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=data,
                )["ETag"]
                parts.append({"ETag": etag, "PartNumber": number})
                data = next_part()
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=full_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            # Too large, a client disconnect or a server error: the parts are discarded and
            # nothing becomes visible under the key.
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=full_key, UploadId=upload_id
                )
            except ClientError:
                pass
            raise
        return StoredFile(key, size, digest.hexdigest())

    def open(self, key: str) -> Iterator[bytes]:
        full_key = self._key(key)
        try:
            # The request is made here, so a missing key raises before streaming starts.
            body = self.client.get_object(Bucket=self.bucket, Key=full_key)["Body"]
        except ClientError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(key) from None
            raise

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(chunk_size=CHUNK)
            finally:
                body.close()

        return chunks()

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if not _is_missing(exc):
                raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def download_redirect(self, key: str, filename: str) -> str | None:
        if not self.presign:
            return None
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentDisposition": (
                    f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
                ),
            },
            ExpiresIn=self.presign_expires,
        )
