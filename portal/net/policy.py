"""FetchPolicy: the limits of one kind of outbound fetch (timeouts, sizes, retries) and its
allow-list of non-public hosts and networks."""

from __future__ import annotations

import ipaddress
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal import __version__
from portal.net.addresses import METADATA_ADDRESSES, IPAddress, IPNetwork, normalize_host

MB = 1024 * 1024
USER_AGENT = "OpenDataPortal/" + ".".join(__version__.split(".")[:2])
_HOSTNAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


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
                    host = normalize_host(match.group(1) or match.group(3))
                    port = int(match.group(2) or match.group(4))
                    if not 0 < port < 65536:
                        raise ValueError
                    host_ports.add((host, port))
                elif text.startswith("*."):
                    suffixes.append("." + normalize_host(text[2:]))
                else:
                    host = normalize_host(text)
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
