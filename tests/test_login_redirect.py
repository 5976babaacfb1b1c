"""After logging in, the login form follows `next` only to a page of this site: never to
another host however the address is dressed up (scheme-relative, backslashes, percent-encoded,
control characters, absolute URLs)."""

from __future__ import annotations

import pytest

from portal.auth.passwords import hash_password
from tests.test_web_publisher import csrf

PASSWORD = "正确的马电池 correct horse"


@pytest.fixture
def editor_password(app, cast):
    session = app.extensions["portal.db"].session()
    session.merge(cast.editor.user).password_hash = hash_password(PASSWORD)
    session.commit()


def login_with_next(client, target: str):
    return client.post(
        "/user/login",
        query_string={"next": target},
        data={
            "username": "transport-editor",
            "password": PASSWORD,
            "csrf_token": csrf(client, "/user/login"),
        },
    )


@pytest.mark.parametrize(
    "target",
    [
        "////evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\\/evil.example/",
        "/%2F/evil.example/",
        "/%2f%2fevil.example/",
        "/%5Cevil.example/",
        "%2F%2Fevil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/%09/evil.example/",
        "https://evil.example/dashboard",
        "HTTPS://evil.example/",
        "javascript:alert(1)",
        "evil.example/",
        "",
    ],
)
def test_login_does_not_follow_next_to_another_site(client, editor_password, target):
    response = login_with_next(client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_login_follows_next_to_a_page_of_this_site(client, editor_password):
    response = login_with_next(client, "/dataset/公交站点?q=公交&page=2")
    assert response.status_code == 302
    assert response.location.startswith("/dataset/")
    assert "evil" not in response.headers["Location"]
    assert client.get("/dashboard").status_code == 200
