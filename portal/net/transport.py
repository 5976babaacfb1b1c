"""Sending one request: connections pinned to the vetted addresses (no second DNS answer,
so no DNS rebinding), transport failures turned into FetchErrors, retries with backoff."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, ReadTimeoutError

from portal.net.addresses import Target
from portal.net.errors import ConnectionFailed, FetchError, FetchTimeout, InvalidURL
from portal.net.policy import FetchPolicy

RETRY_STATUSES = frozenset({429, 502, 503, 504})


def _pinned_pool(pool_class: type, connection_class: type, addresses: tuple[str, ...]) -> type:
    """A urllib3 pool class whose connections go to `addresses` (tried in order) instead of
    resolving the host again; `self.host`, so the Host header, SNI and certificate check, stay
    the URL's host name."""

    class PinnedConnection(connection_class):  # type: ignore[misc, valid-type]
        def _new_conn(self) -> socket.socket:
            hostname = self._dns_host
            error: Exception | None = None
            try:
                for address in addresses:
                    self._dns_host = address
                    try:
                        return super()._new_conn()
                    except ConnectTimeoutError as exc:  # NewConnectionError is a subclass
                        error = exc
            finally:
                self._dns_host = hostname
            assert error is not None
            raise error

    name = f"Pinned{pool_class.__name__}"
    return type(name, (pool_class,), {"ConnectionCls": PinnedConnection})


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, addresses: tuple[str, ...]) -> None:
        self._addresses = addresses
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pinned_pool(HTTPConnectionPool, HTTPConnection, self._addresses),
            "https": _pinned_pool(HTTPSConnectionPool, HTTPSConnection, self._addresses),
        }


def _root_reason(exc: BaseException) -> str:
    """The innermost OS-level reason of a requests/urllib3 error ("Connection refused")."""
    seen: set[int] = set()
    current: BaseException | None = exc
    reason = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            reason = current.strerror
        nested = getattr(current, "reason", None)
        if isinstance(nested, BaseException):
            current = nested
        elif current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
        else:
            current = current.__cause__ or current.__context__
    return reason or str(exc)


def transport_error(exc: Exception, url: str, host: str, policy: FetchPolicy) -> FetchError:
    inner = exc.args[0] if exc.args else None
    if isinstance(exc, requests.ConnectTimeout):
        return FetchTimeout(
            f"The server {host} did not accept a connection within {policy.connect_timeout:g} s",
            url,
            retryable=True,
        )
    if isinstance(exc, requests.ReadTimeout) or isinstance(inner, ReadTimeoutError):
        return FetchTimeout(
            f"The server {host} did not send data within {policy.read_timeout:g} s", url
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return ConnectionFailed(f"The secure connection to {host} failed: {_root_reason(exc)}", url)
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return ConnectionFailed(f"The download from {host} broke off or was garbled", url)
    if isinstance(exc, requests.ConnectionError):
        reason = _root_reason(exc)
        return ConnectionFailed(f"Could not connect to {host}: {reason}", url, retryable=True)
    return FetchError(f"The request to {host} failed: {_root_reason(exc)}", url)


def _send(
    target: Target,
    method: str,
    headers: Mapping[str, str],
    policy: FetchPolicy,
    cookies: RequestsCookieJar,
) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    session.trust_env = False  # no environment proxies or .netrc: connect to what was vetted
    session.cookies = cookies
    session.headers["User-Agent"] = policy.user_agent
    adapter = _PinnedAdapter(target.addresses)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        response = session.request(
            method,
            target.url,
            headers=dict(headers),
            allow_redirects=False,
            stream=True,
            timeout=(policy.connect_timeout, policy.read_timeout),
            verify=policy.ca_bundle or True,
        )
    except requests.RequestException as exc:
        session.close()
        raise transport_error(exc, target.url, target.host, policy) from exc
    except (ValueError, UnicodeError) as exc:
        session.close()
        raise InvalidURL(f"The link {target.url!r} cannot be requested: {exc}", target.url) from exc
    return session, response


def _retry_after(value: str | None, policy: FetchPolicy) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), policy.max_retry_wait)


def send_with_retries(
    target: Target,
    method: str,
    headers: Mapping[str, str],
    policy: FetchPolicy,
    cookies: RequestsCookieJar,
) -> tuple[requests.Session, requests.Response, int]:
    attempt = 0
    while True:
        attempt += 1
        try:
            session, response = _send(target, method, headers, policy, cookies)
        except FetchError as exc:
            if not exc.retryable or attempt > policy.retries:
                raise
            delay = policy.backoff_delay(attempt)
        else:
            if response.status_code not in RETRY_STATUSES or attempt > policy.retries:
                return session, response, attempt
            delay = _retry_after(response.headers.get("Retry-After"), policy)
            if delay is None:
                delay = policy.backoff_delay(attempt)
            response.close()
            session.close()
        policy.sleep(delay)
