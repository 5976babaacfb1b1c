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
- the connection is made to the vetted address itself (portal.net.transport), never to a second
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

Errors are `FetchError` subclasses (portal.net.errors) whose message is written for a
department user, e.g. "Address 10.0.0.5 is a private network address and is not allowed".
The address vetting is portal.net.addresses, the policy portal.net.policy, sending and retrying
portal.net.transport, the response and its size limit portal.net.response; this module follows
the redirects.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import requests
from requests.cookies import RequestsCookieJar

from portal.net.addresses import normalize_host, vet_url
from portal.net.errors import FetchError, HTTPStatusError, TooManyRedirects
from portal.net.policy import FetchPolicy
from portal.net.response import FetchResult
from portal.net.transport import send_with_retries

__all__ = ["FetchError", "fetch", "fetch_bytes"]  # FetchError: portal.datastore.loader's import

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that must not follow a redirect to another origin.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


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
        session, response, attempts = send_with_retries(
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
                and normalize_host(next_target.hostname or "") == target.host
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
