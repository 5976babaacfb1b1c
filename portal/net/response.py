"""FetchResult: a response whose body is read on demand within the policy's max_bytes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import requests

from portal.net.addresses import Target
from portal.net.errors import ResponseTooLarge
from portal.net.policy import MB, FetchPolicy
from portal.net.transport import transport_error

CHUNK_SIZE = 64 * 1024


def _human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"


class FetchResult:
    """A response with its body not read yet (unless fetched with stream=False).

    `iter_content()` and `read()` stop with ResponseTooLarge once more than the policy's
    max_bytes arrive (decoded), whatever Content-Length says; `read(limit)` reads a prefix
    only. Use it as a context manager, or call `close()`, to release the connection.
    """

    def __init__(
        self,
        response: requests.Response,
        session: requests.Session,
        policy: FetchPolicy,
        target: Target,
        method: str,
        redirects: list[str],
        attempts: int,
    ) -> None:
        self.status: int = response.status_code
        self.final_url: str = target.url
        self.headers: Mapping[str, str] = response.headers
        self.method = method
        self.redirects = redirects
        self.attempts = attempts
        self._response = response
        self._session = session
        self._policy = policy
        self._host = target.host
        self._received = 0
        self._buffer = bytearray()
        self._source: Iterator[bytes] | None = None
        self._content: bytes | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def content_length(self) -> int | None:
        """The size the server announces (may be absent or wrong)."""
        try:
            return int(self.headers["Content-Length"])
        except (KeyError, ValueError):
            return None

    def _too_large(self, detail: str) -> ResponseTooLarge:
        limit = self._policy.max_bytes
        return ResponseTooLarge(
            f"The file is larger than the {_human_size(limit)} limit ({detail})",
            self.final_url,
            limit,
        )

    def _refuse_announced_oversize(self) -> None:
        declared = self.content_length
        if self.method != "HEAD" and declared is not None and declared > self._policy.max_bytes:
            self.close()
            raise self._too_large(f"the server announces {_human_size(declared)}")

    def _chunks(self, chunk_size: int) -> Iterator[bytes]:
        if self._source is None:
            self._source = self._generate(chunk_size)
        return self._source

    def _generate(self, chunk_size: int) -> Iterator[bytes]:
        limit = self._policy.max_bytes
        try:
            for chunk in self._response.iter_content(chunk_size):
                self._received += len(chunk)
                if self._received > limit:
                    self.close()
                    raise self._too_large(f"more than {_human_size(limit)} arrived")
                yield chunk
        except requests.RequestException as exc:
            self.close()
            raise transport_error(exc, self.final_url, self._host, self._policy) from exc
        self.close()

    def iter_content(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The body in chunks of at most `chunk_size` bytes."""
        if self._content is not None:
            yield self._content
            return
        self._refuse_announced_oversize()
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            yield data
        yield from self._chunks(chunk_size)

    def read(self, limit: int | None = None) -> bytes:
        """The whole (rest of the) body; or, with `limit`, at most `limit` more bytes, without
        reading further (a prefix of a large file does not raise ResponseTooLarge)."""
        if self._content is not None:
            return self._content if limit is None else self._content[:limit]
        if limit is None:
            return b"".join(self.iter_content())
        source = self._chunks(min(limit, CHUNK_SIZE) or 1)
        while len(self._buffer) < limit:
            chunk = next(source, None)
            if chunk is None:
                break
            self._buffer += chunk
        data = bytes(self._buffer[:limit])
        del self._buffer[:limit]
        return data

    def _preload(self) -> None:
        self._content = self.read()

    def close(self) -> None:
        self._response.close()
        self._session.close()

    def __enter__(self) -> FetchResult:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<FetchResult {self.status} {self.final_url}>"
