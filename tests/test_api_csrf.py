"""A hostile page cannot write through the Action API with a visitor's cookies: writes are
authenticated by an API token (or the portal's own CSRF token), cookie sessions may only read.

Each attack is what a cross-site page can send without a CORS preflight: an HTML form
(urlencoded or multipart) or a fetch with a text/plain body, carrying the browser's cookies."""

from __future__ import annotations

import io
import json
import re

import pytest

from portal.auth.passwords import hash_password
from tests.conftest import create_dataset
from tests.test_web_pages import login_as, text

HOSTILE = {"Origin": "https://evil.example", "Referer": "https://evil.example/page"}
DATASET = {"name": "stolen-session", "title": "跨站请求伪造", "owner_org": "transport"}


def dataset_names(api, cast) -> set[str]:
    found = api.ok("package_search", cast.sysadmin, include_private=True, include_drafts=True)
    return {d["name"] for d in found["results"]}


def token_names(app, cast) -> list[str]:
    from portal.auth.models import ApiToken

    session = app.extensions["portal.db"].session()
    return [t.name for t in session.query(ApiToken).filter_by(user_id=cast.editor.user.id)]


@pytest.fixture
def browser(client, cast):
    """The test client as the editor's browser: it holds a session cookie, no token."""
    login_as(client, cast.editor)
    return client


def test_a_cross_site_form_post_does_not_create_a_dataset(browser, api, cast):
    response = browser.post("/api/3/action/package_create", data=DATASET, headers=HOSTILE)
    assert response.status_code == 403
    assert response.get_json()["error"]["__type"] == "Authorization Error"
    assert "API token" in response.get_json()["error"]["message"]
    assert "stolen-session" not in dataset_names(api, cast)


def test_a_cross_site_text_plain_json_post_is_not_parsed(browser, api, cast):
    response = browser.post(
        "/api/3/action/package_create",
        data=json.dumps(DATASET),
        headers={**HOSTILE, "Content-Type": "text/plain"},
    )
    assert response.status_code in (403, 415)
    assert response.get_json()["success"] is False
    assert "stolen-session" not in dataset_names(api, cast)


def test_text_plain_bodies_are_refused_even_with_a_token(client, api, cast):
    response = client.post(
        "/api/3/action/package_create",
        data=json.dumps(DATASET),
        headers={**cast.editor.headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]["message"]
    assert "stolen-session" not in dataset_names(api, cast)


def test_a_cross_site_multipart_post_does_not_create_a_dataset(browser, api, cast):
    data = {**DATASET, "upload": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")}
    response = browser.post(
        "/api/3/action/package_create",
        data=data,
        headers=HOSTILE,
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert "stolen-session" not in dataset_names(api, cast)


def test_a_cookie_session_cannot_mint_an_api_token(browser, app, cast):
    before = token_names(app, cast)
    response = browser.post(
        "/api/3/action/api_token_create",
        data={"user": cast.editor.name, "name": "stolen"},
        headers=HOSTILE,
    )
    assert response.status_code == 403
    assert token_names(app, cast) == before


def test_a_cookie_session_may_still_read(browser, app, cast):
    create_dataset(app, "bus-costs", cast.transport, title="公交运营成本", private=True)
    response = browser.get("/api/3/action/package_show?id=bus-costs")
    assert response.status_code == 200
    assert response.get_json()["result"]["title"] == "公交运营成本"


def test_the_portals_own_pages_may_write_with_their_csrf_token(browser, api, cast):
    page = text(browser.get("/dashboard"))
    token = re.search(r'name="csrf-token" content="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    response = browser.post(
        "/api/3/action/package_create",
        json=DATASET,
        headers={"X-CSRFToken": token.group(1)},
    )
    assert response.status_code == 200, response.get_json()
    assert "stolen-session" in dataset_names(api, cast)


def test_a_token_decides_even_when_a_session_cookie_is_sent(browser, api, cast):
    # The editor's browser cookie, the stranger's token: the token's owner is the caller.
    response = browser.post(
        "/api/3/action/package_create", json=DATASET, headers=cast.stranger.headers
    )
    assert response.status_code == 403
    response = browser.post(
        "/api/3/action/package_create", json=DATASET, headers=cast.editor.headers
    )
    assert response.status_code == 200


def test_the_remember_me_cookie_is_http_only_and_same_site(client, app, cast):
    session = app.extensions["portal.db"].session()
    session.merge(cast.editor.user).password_hash = hash_password("correct horse battery")
    session.commit()
    page = text(client.get("/user/login"))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/user/login",
        data={
            "username": cast.editor.name,
            "password": "correct horse battery",
            "remember": "1",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    remember = cookies["remember_token"]
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    assert "Secure" not in remember  # the test site is plain http


def test_a_remember_me_cookie_alone_cannot_write(client, app, api, cast):
    test_the_remember_me_cookie_is_http_only_and_same_site(client, app, cast)
    client.delete_cookie("session")
    assert client.get("/api/3/action/package_list").status_code == 200
    response = client.post("/api/3/action/package_create", data=DATASET, headers=HOSTILE)
    assert response.status_code == 403
    assert "stolen-session" not in dataset_names(api, cast)
