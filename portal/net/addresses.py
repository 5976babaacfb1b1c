"""Address vetting for outbound fetches: which addresses are not on the public internet
(blocked_reason), and vet_url, which resolves a URL's host and checks every address it
resolves to against a FetchPolicy (portal.net.policy) before anything connects."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import idna
import requests
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from portal.net.errors import BlockedAddress, ConnectionFailed, InvalidURL

if TYPE_CHECKING:
    from portal.net.policy import FetchPolicy

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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


def normalize_host(host: str) -> str:
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
        host = normalize_host(raw_host)
        if normalize_host(sent_host or "") != host:
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
