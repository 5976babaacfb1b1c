"""Transport and headers: Secure cookies and HSTS on https sites, nosniff everywhere, 405 with
Allow, and the API's JSON error body for what the HTTP layer refuses (405, 413, 414)."""

from __future__ import annotations

import http.client
import re

import pytest

from portal import create_app
from portal.config import Settings
from tests.live_server import running_portal
from tests.test_web_pages import text


@pytest.fixture
def https_app(settings):
    secure = Settings.from_env(
        {"PORTAL_SITE_URL": "https://data.example.gov.cn"},
        instance=settings.instance,
        database_url=settings.database_url,
        queue_url="memory://",
        link_check=False,
    )
    app = create_app(secure)
    app.config["TESTING"] = True
    yield app
    app.extensions["portal.db"].dispose()


def test_an_https_site_marks_its_cookies_secure_and_sends_hsts(https_app):
    client = https_app.test_client()
    response = client.get("/user/login", base_url="https://data.example.gov.cn")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert https_app.config["REMEMBER_COOKIE_SECURE"] is True
    response = client.get("/?lang=en", base_url="https://data.example.gov.cn")
    language = next(c for c in response.headers.getlist("Set-Cookie") if "lang" in c.split("=")[0])
    assert "Secure" in language


def test_an_http_site_sends_no_hsts(client):
    response = client.get("/user/login")
    assert "Strict-Transport-Security" not in response.headers
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" not in cookie


def test_secure_cookies_can_be_forced_behind_a_tls_terminating_proxy(settings):
    forced = Settings.from_env({"PORTAL_SECURE_COOKIES": "1"}, instance=settings.instance)
    assert forced.secure_cookies is True
    off = Settings.from_env(
        {"PORTAL_SITE_URL": "https://x.example", "PORTAL_SECURE_COOKIES": "0"},
        instance=settings.instance,
    )
    assert off.secure_cookies is False


def test_api_responses_say_nosniff(client):
    for response in (
        client.get("/api/3/action/package_list"),
        client.get("/api/3/action/package_show?id=missing"),
        client.get("/api/3/openapi.json"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_wrong_method_on_the_api_is_405_with_allow_and_json(client, method):
    response = client.open("/api/3/action/package_show", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    body = response.get_json()
    assert body["success"] is False and body["error"]["__type"] == "Bad Request"


def test_a_wrong_method_on_a_page_is_405_with_allow(client):
    response = client.open("/user/logout", method="PUT")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert "<html" in text(response).lower()


def _raw_request(portal, request_line: bytes, headers: bytes = b"") -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=30)
    conn.connect()
    conn.sock.sendall(request_line + b"\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
    response = http.client.HTTPResponse(conn.sock)
    response.begin()
    body = response.read().decode()
    conn.close()
    return response.status, response.getheader("Content-Type"), body


@pytest.mark.server
def test_gunicorn_refusals_answer_with_the_api_error_body(tmp_path):
    with running_portal(tmp_path, workers=1) as portal:
        long_query = b"GET /api/3/action/package_search?q=" + b"x" * 9000 + b" HTTP/1.1"
        status, kind, body = _raw_request(portal, long_query)
        assert status == 414 and kind == "application/json"
        assert re.search(r'"success": false', body) and "URI Too Long" in body
        # 8,000 bytes of request line are accepted (long fq lists): not gunicorn's 4 KB default.
        fits = b"GET /api/3/action/package_list?pad=" + b"x" * 7000 + b" HTTP/1.1"
        assert _raw_request(portal, fits)[0] == 200
        status, kind, body = _raw_request(
            portal, b"GET /api/3/action/package_list HTTP/1.1", b"Bad Header\r\n"
        )
        assert status == 400 and kind == "application/json" and '"success": false' in body
        # curl ".../package_search?q=公交" sends raw UTF-8, which HTTP does not allow there.
        raw_utf8 = "GET /api/3/action/package_search?q=公交&rows=5 HTTP/1.1".encode()
        status, kind, body = _raw_request(portal, raw_utf8)
        assert status == 400 and kind == "application/json"
        assert "percent-encode" in body and "--data-urlencode" in body


def test_the_api_help_examples_send_chinese_percent_encoded(client):
    page = text(client.get("/api-help"))
    assert "?q=公交" not in page
    assert '--data-urlencode "q=公交"' in page
