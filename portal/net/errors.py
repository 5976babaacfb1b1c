"""The errors of portal.net.fetch: each message is written for a department user, e.g.
"Address 10.0.0.5 is a private network address and is not allowed"."""

from __future__ import annotations

from collections.abc import Mapping


class FetchError(Exception):
    """A URL could not be fetched. `str(error)` is readable by a department user; `url` is
    the URL (after any redirects) at which it failed."""

    def __init__(self, message: str, url: str | None = None, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        # Whether trying again may help (a refused connection may; a blocked address won't).
        self.retryable = retryable


class InvalidURL(FetchError):
    """The URL is malformed or not http(s)."""


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address the policy does not allow."""

    def __init__(self, message: str, url: str | None = None, address: str | None = None) -> None:
        super().__init__(message, url)
        self.address = address


class ResponseTooLarge(FetchError):
    """The body is larger than the policy's max_bytes."""

    def __init__(self, message: str, url: str | None = None, limit: int = 0) -> None:
        super().__init__(message, url)
        self.limit = limit


class TooManyRedirects(FetchError):
    """More redirects than the policy's max_redirects (or a redirect loop)."""


class HTTPStatusError(FetchError):
    """The final answer was not 2xx (after the retries, for a retryable status)."""

    def __init__(
        self,
        message: str,
        url: str | None = None,
        status: int = 0,
        headers: Mapping[str, str] | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message, url)
        self.status = status
        self.headers: Mapping[str, str] = headers or {}
        self.attempts = attempts


class FetchTimeout(FetchError):
    """The server did not accept the connection or did not send data in time."""


class ConnectionFailed(FetchError):
    """The server could not be reached, the TLS handshake failed, or the download broke off."""
