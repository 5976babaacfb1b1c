"""File storage behind one interface: a local directory by default, S3 at scale.

`PORTAL_STORAGE_URL` picks the engine: `file:///path` (default: the instance's `files/`) or
`s3://bucket/prefix?endpoint_url=...&region=...`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class StorageError(Exception):
    pass


class FileTooLarge(StorageError):
    pass


class Storage(Protocol):
    def put(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        """Store the stream under key; the size and SHA-256 are computed while writing."""

    def open(self, key: str) -> Iterator[bytes]:
        """Yield the stored bytes in chunks; raise FileNotFoundError if absent."""

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def download_redirect(self, key: str, filename: str) -> str | None:
        """A URL to send the browser to instead of streaming (S3 presigned), or None."""


CHUNK = 1024 * 1024


def open_storage(url: str) -> Storage:
    if url.startswith("file://"):
        from portal.storage.local import LocalStorage

        return LocalStorage(url.removeprefix("file://"))
    if url.startswith("s3://"):
        from portal.storage.s3 import S3Storage

        return S3Storage.from_url(url)
    raise ValueError(f"Unsupported PORTAL_STORAGE_URL scheme: {url!r}")


def resource_key(resource_id: str, filename: str) -> str:
    """A fresh key for one upload of a resource's file.

    Each upload gets its own key, so replacing a file never overwrites the old one before the
    database change commits (the old file is deleted after commit, the new one on rollback).
    The folder is split by id prefix so no directory grows unbounded.
    """
    upload_id = secrets.token_hex(8)
    return f"resources/{resource_id[:3]}/{resource_id}/{upload_id}/{filename}"
