"""The portal's one outbound HTTP client, safe to point at URLs that publishers type in.

Everything that fetches a URL it did not choose itself (the link checker, catalog harvesters)
goes through `fetch()` / `fetch_bytes()` with a `FetchPolicy`:

- only `http` and `https` URLs are fetched, and the URL is vetted in the form requests sends
  it (quoted, IDNA-encoded), so parsers that disagree on the host cannot be played off;
- the host is resolved first and every address it resolves to is vetted: loopback, private
  (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), shared CGNAT
  (100.64/10), unspecified, multicast, reserved and other non-public ranges are refused, also
  when written in another form (IPv4-mapped IPv6, NAT64, 6to4, decimal `http://2130706433/`),
  unless the policy's `allowed_hosts` lists the host name, the host:port, or a network holding
  the address. Cloud metadata services (169.254.169.254, ...) are only reachable when their
  exact address is listed: a broad range such as 169.254.0.0/16 or a host name does not do;
- redirects are followed here, one hop at a time, and every hop is vetted the same way, so an
  allowed host cannot bounce the client to an internal address;
- the connection is made to the vetted address itself (`_PinnedAdapter`), never to a second
  DNS answer, so a name that resolves to a public address at the check and to an internal one
  a moment later (DNS rebinding) cannot slip through. The request still carries the URL's host
  name in the Host header, and HTTPS still sends it as TLS SNI and verifies the certificate
  against it;
- timeouts, a bounded number of retries with backoff (429/502/503/504, refused or timed-out
  connections; not a server that stalls after accepting), honouring Retry-After; at most
  `max_redirects` redirects and at most `max_bytes` of body, counted on the decoded bytes
  whatever Content-Length says.

Residual risks, accepted here:

- environment proxies (HTTP(S)_PROXY) and .netrc are ignored: the guard needs a direct
  connection to the address it vetted. A site that must go through an egress proxy needs a
  proxy-aware variant (and the proxy then enforces the policy);
- `read_timeout` bounds each wait for data, not the whole download: a server that trickles a
  byte just before each timeout keeps one worker busy until `max_bytes` is reached;
- a host name in `allowed_hosts` (or `*.suffix`) is trusted with whatever it resolves to, so
  only list names whose DNS the portal's operators control.

Errors are `FetchError` subclasses whose message is written for a department user, e.g.
"Address 10.0.0.5 is a private network address and is not allowed".
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import idna
import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, ReadTimeoutError
from urllib3.util import parse_url

from portal import __version__

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MB = 1024 * 1024
CHUNK_SIZE = 64 * 1024
USER_AGENT = "OpenDataPortal/" + ".".join(__version__.split(".")[:2])
RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that must not follow a redirect to another origin.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})

# Instance metadata services: reachable only through an exact entry in allowed_hosts.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Tencent Cloud, ...
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS over IPv6
    )
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_HOSTNAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


# --- Errors -------------------------------------------------------------------------------


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


# --- Policy -------------------------------------------------------------------------------


def parse_allowed_hosts(value: str | Sequence[str] | None) -> list[str]:
    """Split a comma- (or space-) separated allow-list into entries, dropping empty ones."""
    if not value:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    return [item.strip() for item in items if item and item.strip()]


@dataclass(frozen=True)
class _AllowList:
    source: tuple[str, ...]
    names: frozenset[str]
    suffixes: tuple[str, ...]
    host_ports: frozenset[tuple[str, int]]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def compile(cls, entries: Sequence[str]) -> _AllowList:
        names: set[str] = set()
        suffixes: list[str] = []
        host_ports: set[tuple[str, int]] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            text = entry.strip().lower()
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
                continue
            except ValueError:
                pass
            match = re.fullmatch(r"\[([0-9a-f:.%]+)\]:(\d{1,5})|([^:\[\]]+):(\d{1,5})", text)
            try:
                if match:
                    host = _normalize_host(match.group(1) or match.group(3))
                    port = int(match.group(2) or match.group(4))
                    if not 0 < port < 65536:
                        raise ValueError
                    host_ports.add((host, port))
                elif text.startswith("*."):
                    suffixes.append("." + _normalize_host(text[2:]))
                else:
                    host = _normalize_host(text)
                    if not _HOSTNAME.fullmatch(host):
                        raise ValueError
                    names.add(host)
            except (ValueError, UnicodeError):
                raise ValueError(
                    f"Cannot read allowed host {entry!r}: use a host name, *.domain, host:port, "
                    "an IP address or a CIDR range such as 127.0.0.0/8"
                ) from None
        return cls(
            tuple(entries),
            frozenset(names),
            tuple(suffixes),
            frozenset(host_ports),
            tuple(networks),
        )

    def allows(self, host: str, port: int, address: IPAddress) -> bool:
        """Whether `address`, which `host` resolved to, may be reached on `port`."""
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            candidates.append(address.ipv4_mapped)
        metadata = any(a in METADATA_ADDRESSES for a in candidates)
        if any((str(a), port) in self.host_ports for a in candidates):
            return True
        for network in self.networks:
            if any(a in network for a in candidates):
                if not metadata or network.num_addresses == 1:
                    return True
        if metadata:
            return False
        if host in self.names or (host, port) in self.host_ports:
            return True
        return any(host.endswith(suffix) for suffix in self.suffixes)


def _user_agent(site_url: str | None) -> str:
    return f"{USER_AGENT} (+{site_url.rstrip('/')})" if site_url else USER_AGENT


@dataclass
class FetchPolicy:
    """Limits for one kind of outbound fetch (link checking, harvesting, ...).

    `allowed_hosts` lists what may be reached although it is not a public address: host names
    (`geo.intranet.gov.cn`, `*.intranet.gov.cn`), host:port pairs (`127.0.0.1:8080`,
    `[::1]:8080`), IP addresses and CIDR ranges (`10.20.0.0/16`). A comma-separated string is
    accepted and parsed. Public addresses are always allowed. `sleep` is called for the waits
    between retries (tests pass a recorder so they never really sleep).
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_bytes: int = 50 * MB
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 0.5
    max_retry_wait: float = 60.0
    user_agent: str = USER_AGENT
    allowed_hosts: list[str] = field(default_factory=list)
    ca_bundle: str | None = None
    sleep: Callable[[float], Any] = field(default=time.sleep, repr=False, compare=False)
    _allow: _AllowList = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.allowed_hosts = parse_allowed_hosts(self.allowed_hosts)
        self._allow = _AllowList.compile(self.allowed_hosts)

    @classmethod
    def from_env(
        cls,
        setting: str,
        environ: Mapping[str, str] | None = None,
        *,
        site_url: str | None = None,
        **overrides: Any,
    ) -> FetchPolicy:
        """A policy whose allow-list is read from the environment variable `setting` (e.g.
        PORTAL_LINKCHECK_ALLOWED_HOSTS, PORTAL_HARVEST_ALLOWED_HOSTS). The User-Agent names
        `site_url` (default: PORTAL_SITE_URL); `overrides` set any other field."""
        env = os.environ if environ is None else environ
        try:
            hosts = parse_allowed_hosts(env.get(setting, ""))
            values: dict[str, Any] = {"allowed_hosts": hosts}
            values["user_agent"] = _user_agent(site_url or env.get("PORTAL_SITE_URL"))
            values.update(overrides)
            return cls(**values)
        except ValueError as exc:
            raise ValueError(f"{setting}: {exc}") from None

    def allows(self, host: str, port: int, address: IPAddress) -> bool:
        """Whether the allow-list admits `address` (which `host` resolved to) on `port`."""
        if self._allow.source != tuple(self.allowed_hosts):  # the list was changed in place
            self._allow = _AllowList.compile(parse_allowed_hosts(self.allowed_hosts))
        return self._allow.allows(host, port, address)

    def backoff_delay(self, attempt: int) -> float:
        """The wait before retry number `attempt` (1, 2, ...) when the server named none."""
        return min(self.backoff * 2 ** (attempt - 1), self.max_retry_wait)


# --- Address vetting ----------------------------------------------------------------------


def _normalize_host(host: str) -> str:
    """Lower-case, unbracketed, without a trailing dot; IPs in canonical form; IDN as ASCII."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host.encode("idna").decode("ascii")


def blocked_reason(address: IPAddress) -> str | None:
    """Why `address` is not a public internet address (None when it is one)."""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata service address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return blocked_reason(embedded)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address (this server itself)"
    if address in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if any(address in network for network in _PRIVATE) or (
        isinstance(address, ipaddress.IPv6Address) and address.is_site_local
    ):
        return "a private network address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a special-purpose address, not on the public internet"
    return None


@dataclass(frozen=True)
class Target:
    """A vetted URL: its host, port and the addresses the connection may use."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def _resolve(host: str, port: int, url: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise ConnectionFailed(f"The server name {host} could not be found", url) from None
    addresses: list[str] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise ConnectionFailed(f"The server name {host} has no usable address", url)
    return addresses


def vet_url(url: str, policy: FetchPolicy) -> Target:
    """Check that `url` is http(s) and that its host resolves only to addresses the policy
    allows; return the vetted target. Raises InvalidURL, BlockedAddress or ConnectionFailed
    (the name does not resolve)."""
    text = url.strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        raise InvalidURL(f"The link {url!r} is not a valid web address", url) from None
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "no scheme"
        raise InvalidURL(
            f"Only http:// and https:// links can be fetched (this one has {shown})", url
        )
    try:
        # Vet the URL exactly as requests will send it (it re-quotes and IDNA-encodes), so
        # the host checked here is the host requested.
        url = requests.Request("GET", text).prepare().url or ""
        parts = urlsplit(url)
        raw_host = parts.hostname
        port = parts.port
        sent_host = parse_url(url).host
    except (requests.RequestException, ValueError, UnicodeError, LocationParseError):
        raise InvalidURL(f"The link {text!r} is not a valid web address", text) from None
    if not raw_host:
        raise InvalidURL(f"The link {text!r} has no server name", text)
    try:
        host = _normalize_host(raw_host)
        if _normalize_host(sent_host or "") != host:
            raise ValueError
    except (UnicodeError, ValueError):
        raise InvalidURL(f"The server name in {text!r} is not valid", text) from None
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port, url)
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        reason = blocked_reason(address)
        if reason and not policy.allows(host, port, address):
            of_host = "" if host == str(address) else f" (of {host})"
            raise BlockedAddress(
                f"Address {address}{of_host} is {reason} and is not allowed", url, str(address)
            )
    return Target(url, scheme, host, port, tuple(addresses))


# --- Connections pinned to the vetted addresses -------------------------------------------


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


def _transport_error(exc: Exception, url: str, host: str, policy: FetchPolicy) -> FetchError:
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


# --- Fetching -----------------------------------------------------------------------------


def _human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


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
            raise _transport_error(exc, self.final_url, self._host, self._policy) from exc
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
        raise _transport_error(exc, target.url, target.host, policy) from exc
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


def _send_with_retries(
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


def _location(response: requests.Response) -> str | None:
    location = response.headers.get("Location")
    if not location:
        return None
    # http.client decodes headers as latin-1; servers send UTF-8 (as requests assumes too).
    try:
        return location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return location


def fetch(
    url: str,
    policy: FetchPolicy | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    stream: bool = True,
    *,
    raise_for_status: bool = True,
) -> FetchResult:
    """Fetch `url` under `policy`, following (and vetting) redirects.

    Returns a FetchResult whose body is read on demand (`stream=True`) or already read and
    size-checked (`stream=False`). A final status other than 2xx raises HTTPStatusError unless
    `raise_for_status` is false. Raises a FetchError subclass on every failure.
    """
    policy = policy or FetchPolicy()
    method = method.upper()
    request_headers = dict(headers or {})
    cookies = RequestsCookieJar()
    redirects: list[str] = []
    current = url
    while True:
        target = vet_url(current, policy)
        session, response, attempts = _send_with_retries(
            target, method, request_headers, policy, cookies
        )
        location = _location(response) if response.status_code in REDIRECT_STATUSES else None
        if location is None:
            break
        response.close()
        session.close()
        if len(redirects) >= policy.max_redirects:
            raise TooManyRedirects(
                f"The link redirects more than {policy.max_redirects} times "
                f"(a redirect loop or a very long chain), starting at {url}",
                current,
            )
        redirects.append(target.url)
        current = urljoin(target.url, location)
        status = response.status_code
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method = "GET"
        try:
            next_target = urlsplit(current)
            same_origin = (
                next_target.scheme.lower() == target.scheme
                and _normalize_host(next_target.hostname or "") == target.host
                and (next_target.port or (443 if next_target.scheme == "https" else 80))
                == target.port
            )
        except (ValueError, UnicodeError):
            same_origin = False
        if not same_origin:
            request_headers = {
                k: v for k, v in request_headers.items() if k.lower() not in CREDENTIAL_HEADERS
            }
    result = FetchResult(response, session, policy, target, method, redirects, attempts)
    if raise_for_status and not result.ok:
        result.close()
        retried = f" after {attempts} attempts" if attempts > 1 else ""
        raise HTTPStatusError(
            f"The server answered {_status_text(result.status)}{retried}",
            result.final_url,
            result.status,
            result.headers,
            attempts,
        )
    if not stream:
        result._preload()
    return result


def fetch_bytes(
    url: str, policy: FetchPolicy | None = None, headers: Mapping[str, str] | None = None
) -> bytes:
    """The whole body of `url` (at most the policy's max_bytes), after a 2xx answer."""
    with fetch(url, policy, headers=headers) as result:
        return result.read()
