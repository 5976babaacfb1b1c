"""The safe outbound HTTP client, against a small HTTP server on 127.0.0.1.

No test sleeps for real: retries record their waits through the policy's `sleep`, and the one
slow response is cut by a 0.3 s read timeout (the server's wait is then released).
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from portal.net.addresses import blocked_reason, vet_url
from portal.net.errors import (
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    ResponseTooLarge,
    TooManyRedirects,
)
from portal.net.fetch import fetch, fetch_bytes
from portal.net.policy import FetchPolicy

BIG = 5000  # bytes served by the /big-* paths
FAR_FUTURE = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)


class Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def log_message(self, *_args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.send_response(status)
        headers = {
            "Content-Type": "text/plain",
            "Content-Length": str(len(body)),
            **(headers or {}),
        }
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, headers={"Location": location})

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        hits = self.server.record(path)
        if path == "/ok":
            self._send(200, b"hello", {"Content-Type": "text/csv; charset=utf-8"})
        elif path == "/echo":
            seen = {k: self.headers.get(k) for k in ("Host", "User-Agent", "Authorization")}
            self._send(200, json.dumps(seen).encode(), {"Content-Type": "application/json"})
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/chain/{left - 1}" if left > 1 else "/ok")
        elif path == "/loop":
            self._redirect("/loop")
        elif path == "/to-private":
            self._redirect("http://10.0.0.1/internal")
        elif path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/", 301)
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path == "/to-other-host":
            port = self.server.server_address[1]
            self._redirect(f"http://other.test:{port}/echo")
        elif path == "/rate-limited":
            if hits == 1:
                self._send(429, b"slow down", {"Retry-After": "7"})
            else:
                self._send(200, b"finally")
        elif path == "/rate-limited-date":
            if hits == 1:
                self._send(429, b"slow down", {"Retry-After": FAR_FUTURE})
            else:
                self._send(200, b"finally")
        elif path == "/unavailable":
            self._send(503, b"down")
        elif path == "/missing":
            self._send(404, b"no such file")
        elif path == "/big-declared":
            self._send(200, b"x" * BIG)
        elif path == "/big-undeclared":
            # HTTP/1.0 without Content-Length: the body ends when the connection closes.
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            for _ in range(BIG // 500):
                self.wfile.write(b"y" * 500)
        elif path == "/lying-length":
            self.send_response(200)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"z" * BIG)
        elif path == "/slow-headers":
            self.server.release.wait(5)
            self._send(200, b"too late")
        elif path == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"start")
            self.wfile.flush()
            self.server.release.wait(5)
        else:
            self._send(404, b"unknown path")


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, **kwargs: Any) -> None:
        super().__init__(address, handler, **kwargs)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.release = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up early (size limit, timeout) is expected here

    def record(self, path: str) -> int:
        with self.lock:
            self.hits[path] += 1
            return self.hits[path]

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    httpd = LocalServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def policy(sleeps: list[float]) -> FetchPolicy:
    return FetchPolicy(
        allowed_hosts="127.0.0.1", sleep=sleeps.append, connect_timeout=2, read_timeout=5
    )


def fake_dns(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> Counter[str]:
    """Resolve the given names to the given addresses, one per lookup (the last repeats);
    count the lookups. Other names and IP literals resolve as usual."""
    real = socket.getaddrinfo
    lookups: Counter[str] = Counter()

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host in names:
            answers = names[host]
            answer = answers[min(lookups[host], len(answers) - 1)]
            lookups[host] += 1
            return real(answer, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


# --- Plain fetches ------------------------------------------------------------------------


def test_fetch_returns_status_headers_and_body_from_an_allowed_host(server, policy):
    with fetch(server.url("/ok"), policy) as result:
        assert result.status == 200
        assert result.final_url == server.url("/ok")
        assert result.content_type == "text/csv; charset=utf-8"
        assert result.headers["content-length"] == "5"
        assert result.read() == b"hello"


def test_fetch_bytes_returns_the_whole_body(server, policy):
    assert fetch_bytes(server.url("/ok"), policy) == b"hello"


def test_fetch_without_streaming_reads_the_body_at_once(server, policy):
    result = fetch(server.url("/ok"), policy, stream=False)
    assert result.read() == b"hello"
    assert b"".join(result.iter_content()) == b"hello"


def test_requests_name_the_portal_and_keep_the_host_header(server, sleeps):
    policy = FetchPolicy.from_env(
        "PORTAL_TEST_ALLOWED",
        {"PORTAL_TEST_ALLOWED": "127.0.0.1"},
        site_url="https://data.example/",
    )
    seen = json.loads(fetch_bytes(server.url("/echo"), policy))
    assert seen["User-Agent"] == "OpenDataPortal/0.1 (+https://data.example)"
    assert seen["Host"] == f"127.0.0.1:{server.port}"


def test_a_non_2xx_answer_raises_http_status_error_with_the_status(server, policy):
    with pytest.raises(HTTPStatusError) as caught:
        fetch(server.url("/missing"), policy)
    assert caught.value.status == 404
    assert str(caught.value) == "The server answered 404 Not Found"


def test_a_non_2xx_answer_can_be_returned_instead(server, policy):
    with fetch(server.url("/missing"), policy, raise_for_status=False) as result:
        assert result.status == 404
        assert not result.ok


# --- Redirects ----------------------------------------------------------------------------


def test_a_redirect_chain_is_followed_to_the_final_url(server, policy):
    with fetch(server.url("/chain/3"), policy) as result:
        assert result.status == 200
        assert result.final_url == server.url("/ok")
        assert result.redirects == [server.url(f"/chain/{n}") for n in (3, 2, 1)]
        assert result.read() == b"hello"


def test_a_head_request_follows_redirects_too(server, policy):
    with fetch(server.url("/chain/2"), policy, method="HEAD") as result:
        assert (result.status, result.final_url) == (200, server.url("/ok"))
        assert result.read() == b""


def test_a_redirect_loop_raises_too_many_redirects(server, policy):
    with pytest.raises(TooManyRedirects) as caught:
        fetch(server.url("/loop"), policy)
    assert "more than 5 times" in str(caught.value)
    assert server.hits["/loop"] == 6


def test_a_chain_longer_than_max_redirects_is_refused(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", max_redirects=2, sleep=sleeps.append)
    with pytest.raises(TooManyRedirects):
        fetch(server.url("/chain/3"), policy)
    assert server.hits["/ok"] == 0


def test_a_redirect_to_a_private_address_is_blocked_although_the_first_host_is_allowed(
    server, policy
):
    with pytest.raises(BlockedAddress) as caught:
        fetch(server.url("/to-private"), policy)
    assert str(caught.value) == "Address 10.0.0.1 is a private network address and is not allowed"
    assert caught.value.url == "http://10.0.0.1/internal"


def test_a_redirect_to_the_cloud_metadata_service_is_blocked(server, policy):
    with pytest.raises(BlockedAddress) as caught:
        fetch(server.url("/to-metadata"), policy)
    assert "169.254.169.254 is a cloud metadata service address" in str(caught.value)


def test_a_redirect_to_a_file_url_is_refused(server, policy):
    with pytest.raises(InvalidURL):
        fetch(server.url("/to-file"), policy)


def test_credentials_are_not_sent_to_another_host_after_a_redirect(server, monkeypatch, sleeps):
    fake_dns(monkeypatch, {"other.test": ["127.0.0.1"]})
    policy = FetchPolicy(allowed_hosts="127.0.0.0/8", sleep=sleeps.append)
    same = json.loads(fetch_bytes(server.url("/echo"), policy, {"Authorization": "Bearer s"}))
    assert same["Authorization"] == "Bearer s"
    moved = json.loads(
        fetch_bytes(server.url("/to-other-host"), policy, {"Authorization": "Bearer s"})
    )
    assert moved["Host"] == f"other.test:{server.port}"
    assert moved["Authorization"] is None


# --- Retries ------------------------------------------------------------------------------


def test_429_is_retried_after_the_retry_after_seconds(server, policy, sleeps):
    with fetch(server.url("/rate-limited"), policy) as result:
        assert result.status == 200
        assert result.attempts == 2
        assert result.read() == b"finally"
    assert server.hits["/rate-limited"] == 2
    assert sleeps == [7.0]


def test_a_retry_after_date_is_honoured_but_capped_at_max_retry_wait(server, policy, sleeps):
    assert fetch_bytes(server.url("/rate-limited-date"), policy) == b"finally"
    assert sleeps == [60.0]


def test_503_is_retried_with_exponential_backoff_then_raises(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", retries=2, sleep=sleeps.append)
    with pytest.raises(HTTPStatusError) as caught:
        fetch(server.url("/unavailable"), policy)
    assert caught.value.status == 503
    assert caught.value.attempts == 3
    assert "503 Service Unavailable after 3 attempts" in str(caught.value)
    assert server.hits["/unavailable"] == 3
    assert sleeps == [0.5, 1.0]


def test_a_refused_connection_is_retried_then_raises_connection_failed(sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed below: nothing listens there any more
    policy = FetchPolicy(allowed_hosts="127.0.0.1", retries=1, sleep=sleeps.append)
    with pytest.raises(ConnectionFailed) as caught:
        fetch(f"http://127.0.0.1:{port}/", policy)
    assert "refused" in str(caught.value).lower()
    assert sleeps == [0.5]


def test_a_404_is_not_retried(server, policy, sleeps):
    with pytest.raises(HTTPStatusError):
        fetch(server.url("/missing"), policy)
    assert server.hits["/missing"] == 1
    assert sleeps == []


# --- Size and time limits -----------------------------------------------------------------


def test_a_body_announced_larger_than_max_bytes_is_refused(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", max_bytes=1000, sleep=sleeps.append)
    with fetch(server.url("/big-declared"), policy) as result, pytest.raises(ResponseTooLarge):
        result.read()
    with pytest.raises(ResponseTooLarge) as caught:
        fetch_bytes(server.url("/big-declared"), policy)
    assert "larger than the 1000 bytes limit" in str(caught.value)


def test_a_body_without_content_length_is_cut_off_at_max_bytes(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", max_bytes=1000, sleep=sleeps.append)
    received = 0
    with fetch(server.url("/big-undeclared"), policy) as result:
        assert result.content_length is None
        with pytest.raises(ResponseTooLarge):
            for chunk in result.iter_content(100):
                received += len(chunk)
    assert received <= 1000
    with pytest.raises(ResponseTooLarge):
        fetch(server.url("/big-undeclared"), policy, stream=False)


def test_a_body_of_exactly_max_bytes_is_accepted(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", max_bytes=BIG, sleep=sleeps.append)
    assert len(fetch_bytes(server.url("/big-undeclared"), policy)) == BIG


def test_a_short_content_length_does_not_let_more_bytes_through(server, policy):
    assert fetch_bytes(server.url("/lying-length"), policy) == b"z" * 10


def test_a_prefix_of_a_large_body_can_be_read(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", max_bytes=1000, sleep=sleeps.append)
    with fetch(server.url("/big-undeclared"), policy) as result:
        assert result.read(300) == b"y" * 300
        assert result.read(300) == b"y" * 300


def test_a_server_slower_than_the_read_timeout_raises_fetch_timeout(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", read_timeout=0.3, sleep=sleeps.append)
    with pytest.raises(FetchTimeout) as caught:
        fetch(server.url("/slow-headers"), policy)
    assert "did not send data within 0.3 s" in str(caught.value)
    assert sleeps == []  # a slow server is not hammered with retries


def test_a_body_that_stalls_raises_fetch_timeout_while_reading(server, sleeps):
    policy = FetchPolicy(allowed_hosts="127.0.0.1", read_timeout=0.3, sleep=sleeps.append)
    with fetch(server.url("/slow-body"), policy) as result, pytest.raises(FetchTimeout):
        result.read()


# --- The address guard --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/data.csv", "gopher://example.org/", "example.org"],
)
def test_only_http_and_https_urls_are_fetched(url, policy):
    with pytest.raises(InvalidURL) as caught:
        fetch(url, policy)
    assert "Only http:// and https://" in str(caught.value)


@pytest.mark.parametrize("url", ["http://", "http://example.org:99999/", "http://[::1/"])
def test_malformed_urls_are_refused(url, policy):
    with pytest.raises(InvalidURL):
        fetch(url, policy)


def test_loopback_is_refused_when_not_allow_listed(server, sleeps):
    policy = FetchPolicy(sleep=sleeps.append)
    with pytest.raises(BlockedAddress) as caught:
        fetch(server.url("/ok"), policy)
    assert str(caught.value) == (
        "Address 127.0.0.1 is a loopback address (this server itself) and is not allowed"
    )
    assert server.hits["/ok"] == 0


@pytest.mark.parametrize(
    "host", ["localhost", "2130706433", "0x7f.0.0.1", "127.1", "0.0.0.0", "[::ffff:127.0.0.1]"]
)
def test_loopback_in_any_spelling_is_refused(server, host, sleeps):
    with pytest.raises(BlockedAddress):
        fetch(f"http://{host}:{server.port}/ok", FetchPolicy(sleep=sleeps.append))
    assert server.hits["/ok"] == 0


def test_the_host_vetted_is_the_host_requests_would_contact():
    # urlsplit reads the host after "@"; requests (and urllib3) read the one before the "\\".
    with pytest.raises(BlockedAddress):
        vet_url("http://127.0.0.1\\@8.8.8.8/", FetchPolicy())


def test_ipv6_loopback_is_blocked(sleeps):
    with pytest.raises(BlockedAddress) as caught:
        fetch("http://[::1]:8080/", FetchPolicy(sleep=sleeps.append))
    assert "Address ::1 is a loopback address" in str(caught.value)


def test_a_cidr_range_in_the_allow_list_admits_its_addresses(server, sleeps):
    policy = FetchPolicy(allowed_hosts="10.0.0.0/8, 127.0.0.0/8", sleep=sleeps.append)
    assert fetch_bytes(server.url("/ok"), policy) == b"hello"
    assert vet_url("http://10.1.2.3/", policy).addresses == ("10.1.2.3",)
    with pytest.raises(BlockedAddress):
        vet_url("http://192.168.1.1/", policy)


def test_a_host_port_entry_admits_that_port_only(server, sleeps):
    policy = FetchPolicy(allowed_hosts=f"127.0.0.1:{server.port}", sleep=sleeps.append)
    assert fetch_bytes(server.url("/ok"), policy) == b"hello"
    with pytest.raises(BlockedAddress):
        vet_url(f"http://127.0.0.1:{server.port + 1}/", policy)


def test_a_host_name_entry_admits_what_that_name_resolves_to(monkeypatch):
    fake_dns(monkeypatch, {"geo.intranet.test": ["10.9.8.7"], "evil.test": ["10.9.8.7"]})
    policy = FetchPolicy(allowed_hosts="*.intranet.test")
    assert vet_url("http://geo.intranet.test/wfs", policy).addresses == ("10.9.8.7",)
    with pytest.raises(BlockedAddress) as caught:
        vet_url("http://evil.test/", policy)
    assert str(caught.value) == (
        "Address 10.9.8.7 (of evil.test) is a private network address and is not allowed"
    )


def test_the_metadata_address_needs_an_exact_allow_list_entry(monkeypatch):
    with pytest.raises(BlockedAddress):
        vet_url("http://169.254.169.254/", FetchPolicy(allowed_hosts="169.254.0.0/16"))
    fake_dns(monkeypatch, {"metadata.test": ["169.254.169.254"]})
    with pytest.raises(BlockedAddress):
        vet_url("http://metadata.test/", FetchPolicy(allowed_hosts="metadata.test"))
    assert vet_url("http://169.254.169.254/", FetchPolicy(allowed_hosts="169.254.169.254"))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.5", "a private network address"),
        ("172.16.4.1", "a private network address"),
        ("192.168.1.1", "a private network address"),
        ("fd12:3456::1", "a private network address"),
        ("127.0.0.1", "a loopback address (this server itself)"),
        ("::1", "a loopback address (this server itself)"),
        ("169.254.10.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("169.254.169.254", "a cloud metadata service address"),
        ("100.100.100.200", "a cloud metadata service address"),
        ("::ffff:10.0.0.1", "a private network address"),
        ("::ffff:169.254.169.254", "a cloud metadata service address"),
        ("64:ff9b::a00:1", "a private network address"),
        ("2002:a00:1::1", "a private network address"),
        ("192.0.2.1", "a special-purpose address, not on the public internet"),
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_blocked_reasons_of_addresses(address, reason):
    assert blocked_reason(ipaddress.ip_address(address)) == reason


def test_public_addresses_pass_without_an_allow_list():
    assert vet_url("https://8.8.8.8/data.csv", FetchPolicy()).port == 443


def test_an_unknown_host_name_raises_connection_failed(monkeypatch):
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(ConnectionFailed) as caught:
        fetch("http://no-such-host.test/", FetchPolicy())
    assert str(caught.value) == "The server name no-such-host.test could not be found"


def test_the_connection_goes_to_the_vetted_address_not_a_rebound_one(server, monkeypatch, sleeps):
    # First answer: loopback (allowed here); any later lookup would say a private address.
    lookups = fake_dns(monkeypatch, {"rebind.test": ["127.0.0.1", "10.255.255.1"]})
    policy = FetchPolicy(allowed_hosts="127.0.0.0/8", sleep=sleeps.append, connect_timeout=1)
    seen = json.loads(fetch_bytes(f"http://rebind.test:{server.port}/echo", policy))
    assert seen["Host"] == f"rebind.test:{server.port}"
    assert lookups["rebind.test"] == 1


def test_a_name_resolving_to_any_blocked_address_is_refused(monkeypatch):
    real = socket.getaddrinfo

    def two_answers(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "mixed.test":
            return real("8.8.8.8", port, *args, **kwargs) + real("10.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    with pytest.raises(BlockedAddress):
        vet_url("http://mixed.test/", FetchPolicy())


# --- HTTPS: pinned address, but SNI and certificate for the host name ---------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[LocalServer, Path]]:
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=secure.test", "-addext",
         "subjectAltName=DNS:secure.test", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    httpd = LocalServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd, cert
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def test_https_to_a_pinned_address_checks_the_certificate_of_the_host_name(
    tls_server, monkeypatch, sleeps
):
    httpd, cert = tls_server
    fake_dns(monkeypatch, {"secure.test": ["127.0.0.1"], "impostor.test": ["127.0.0.1"]})
    policy = FetchPolicy(
        allowed_hosts="127.0.0.1", ca_bundle=str(cert), sleep=sleeps.append, retries=0
    )
    seen = json.loads(fetch_bytes(f"https://secure.test:{httpd.port}/echo", policy))
    assert seen["Host"] == f"secure.test:{httpd.port}"
    with pytest.raises(ConnectionFailed) as caught:
        fetch(f"https://impostor.test:{httpd.port}/echo", policy)
    assert "secure connection to impostor.test failed" in str(caught.value)


# --- Configuration ------------------------------------------------------------------------


def test_from_env_reads_the_allow_list_and_site_url():
    env = {
        "PORTAL_HARVEST_ALLOWED_HOSTS": "geo.intranet.test, 10.20.0.0/16,127.0.0.1:8080 [::1]:81",
        "PORTAL_SITE_URL": "https://data.example.gov.cn",
    }
    policy = FetchPolicy.from_env("PORTAL_HARVEST_ALLOWED_HOSTS", env, retries=1)
    assert policy.allowed_hosts == [
        "geo.intranet.test",
        "10.20.0.0/16",
        "127.0.0.1:8080",
        "[::1]:81",
    ]
    assert policy.user_agent == "OpenDataPortal/0.1 (+https://data.example.gov.cn)"
    assert policy.retries == 1
    assert vet_url("http://[::1]:81/", policy).addresses == ("::1",)
    assert FetchPolicy.from_env("UNSET_SETTING", {}).allowed_hosts == []


def test_an_unreadable_allow_list_entry_names_the_setting():
    with pytest.raises(ValueError, match="PORTAL_LINKCHECK_ALLOWED_HOSTS: Cannot read"):
        FetchPolicy.from_env(
            "PORTAL_LINKCHECK_ALLOWED_HOSTS", {"PORTAL_LINKCHECK_ALLOWED_HOSTS": "http://x/"}
        )


def test_every_fetch_error_is_a_fetch_error():
    for error in (BlockedAddress, ConnectionFailed, FetchTimeout, HTTPStatusError, InvalidURL,
                  ResponseTooLarge, TooManyRedirects):  # fmt: skip
        assert issubclass(error, FetchError)
