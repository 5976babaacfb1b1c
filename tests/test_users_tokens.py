"""Accounts and API tokens: validation, password and token storage, token use and revocation,
and the site actions anyone may call."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select, text

from portal.auth.models import ApiToken, User
from portal.auth.passwords import check_password

PASSWORD = "长城-Great-Wall-2024"


def error(response, status: int) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False
    return body["error"]


def db_session(app):
    return app.extensions["portal.db"].factory()


def call_with_token(client, token: str, action: str = "user_show", **params: Any):
    return client.get(
        f"/api/3/action/{action}", query_string=params, headers={"Authorization": token}
    )


@pytest.fixture
def wang(api, cast) -> dict[str, Any]:
    return api.ok(
        "user_create",
        cast.sysadmin,
        name="wang-fang",
        email="wang.fang@jtt.example.gov.cn",
        password=PASSWORD,
        fullname="王芳",
        about="交通运输厅数据管理员",
    )


# --- accounts ----------------------------------------------------------------------------------


def test_user_create_returns_the_profile_without_secrets(api, cast, wang):
    assert wang["name"] == "wang-fang"
    assert wang["fullname"] == "王芳"
    assert wang["display_name"] == "王芳"
    assert wang["email"] == "wang.fang@jtt.example.gov.cn"
    assert wang["sysadmin"] is False
    assert not {"password", "password_hash"} & set(wang)
    public = api.ok("user_show", id="wang-fang")
    assert "email" not in public
    assert public["about"] == "交通运输厅数据管理员"
    assert not {"password", "password_hash"} & set(public)


def test_password_is_stored_as_an_argon2_hash(app, wang):
    with db_session(app) as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "wang-fang"))
        row = session.execute(text("SELECT * FROM \"user\" WHERE name = 'wang-fang'")).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert all(PASSWORD not in str(value) for value in row)
    assert check_password(stored, PASSWORD)
    assert not check_password(stored, PASSWORD.upper())


def test_invalid_user_is_refused_per_field(api, cast):
    cases = [
        ("password", "1234567"),
        ("password", ""),
        ("email", "wang.fang"),
        ("email", "王芳@"),
        ("name", "Wang Fang"),
        ("name", "王芳"),
        ("name", "w"),
        ("sysadmin", "maybe"),
        ("colour", "红"),
    ]
    data = {"name": "wang-fang", "email": "wang.fang@example.gov.cn", "password": PASSWORD}
    for field, value in cases:
        response = api.post("user_create", cast.sysadmin, **{**data, field: value})
        assert response.status_code == 409, (field, value)
        assert field in response.get_json()["error"], (field, value)
    assert error(api.post("user_show", id="wang-fang"), 404)


def test_missing_password_and_email_are_reported(api, cast):
    err = error(api.post("user_create", cast.sysadmin, name="wang-fang"), 409)
    assert err["password"] == [
        "Missing value: give a password (or a password_hash from user_show)."
    ]
    assert err["email"] == ["Missing value"]


def test_duplicate_login_name_is_refused(api, cast, wang):
    response = api.post(
        "user_create",
        cast.sysadmin,
        name="wang-fang",
        email="other@example.gov.cn",
        password=PASSWORD,
    )
    assert list(error(response, 409)) == ["__type", "name"]
    assert api.ok("user_show", cast.sysadmin, id="wang-fang")["email"] == wang["email"]


def test_taken_user_id_is_refused(api, cast):
    taken = cast.editor.user.id
    response = api.post(
        "user_create",
        cast.sysadmin,
        id=taken,
        name="wang-fang",
        email="wang.fang@example.gov.cn",
        password=PASSWORD,
    )
    assert "id" in error(response, 409)
    assert api.ok("user_show", id=taken)["name"] == "transport-editor"


def test_user_show_of_oneself_needs_a_login(api, cast):
    assert api.ok("user_show", cast.member)["name"] == "transport-member"
    assert error(api.post("user_show"), 403)["__type"] == "Authorization Error"
    assert error(api.post("user_show", id="nobody"), 404)["__type"] == "Not Found Error"


# --- tokens ------------------------------------------------------------------------------------


def test_token_is_shown_once_and_stored_only_as_a_hash(api, app, cast):
    created = api.ok("api_token_create", cast.editor, user="transport-editor", name="数据同步脚本")
    secret = created["token"]
    assert secret.startswith("odp_") and len(secret) > 40
    listed = api.ok("api_token_list", cast.editor)
    assert [t["name"] for t in listed] == ["test", "数据同步脚本"]
    assert all(secret not in str(value) for token in listed for value in token.values())
    assert all("token" not in token for token in listed)
    with db_session(app) as session:
        stored = session.get(ApiToken, created["id"])
        rows = session.execute(text("SELECT * FROM api_token")).all()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for row in rows for value in row)


def test_new_token_authenticates_its_user(api, client, cast):
    secret = api.ok("api_token_create", cast.editor, user="transport-editor", name="ci")["token"]
    for headers in (
        {"Authorization": secret},
        {"Authorization": f"Bearer {secret}"},
        {"X-CKAN-API-Key": secret},
    ):
        me = client.get("/api/3/action/user_show", headers=headers).get_json()["result"]
        assert me["name"] == "transport-editor"
        assert me["email"] == "transport-editor@example.gov.cn"
    created = client.post(
        "/api/3/action/package_create",
        json={"name": "bus-lines", "owner_org": "transport"},
        headers={"Authorization": secret},
    )
    assert created.get_json()["result"]["creator_user_id"] == cast.editor.user.id


def test_token_use_is_recorded(api, client, cast):
    secret = api.ok("api_token_create", cast.editor, user="transport-editor", name="ci")["token"]

    def last_access() -> str | None:
        tokens = api.ok("api_token_list", cast.sysadmin, user="transport-editor")
        return {t["name"]: t["last_access"] for t in tokens}["ci"]

    assert last_access() is None
    call_with_token(client, secret)
    assert last_access() is not None


def test_revoked_token_is_refused_and_others_keep_working(api, client, cast):
    first = api.ok("api_token_create", cast.editor, user="transport-editor", name="旧脚本")
    second = api.ok("api_token_create", cast.editor, user="transport-editor", name="新脚本")
    assert api.ok("api_token_revoke", cast.editor, jti=first["id"]) is None
    refused = call_with_token(client, first["token"])
    assert error(refused, 403)["__type"] == "Authorization Error"
    assert call_with_token(client, second["token"]).get_json()["result"]["name"] == (
        "transport-editor"
    )
    names = [t["name"] for t in api.ok("api_token_list", cast.editor)]
    assert names == ["test", "新脚本"]
    assert api.ok("api_token_revoke", cast.editor, token=second["token"]) is None
    assert error(call_with_token(client, second["token"]), 403)


def test_revoking_needs_the_token_or_its_id(api, cast):
    assert "token" in error(api.post("api_token_revoke", cast.editor), 409)
    assert error(api.post("api_token_revoke", cast.editor, token="odp_nope"), 404)


def test_token_for_an_unknown_user_or_without_name_is_refused(api, cast):
    response = api.post("api_token_create", cast.sysadmin, user="nobody", name="ci")
    assert error(response, 409)["user"] == ["User not found"]
    response = api.post("api_token_create", cast.editor, user="transport-editor")
    assert error(response, 409)["name"] == ["Missing value"]


def test_sysadmin_token_for_another_user_acts_as_that_user(api, client, cast):
    secret = api.ok("api_token_create", cast.sysadmin, user="citizen", name="代办")["token"]
    me = call_with_token(client, secret).get_json()["result"]
    assert (me["name"], me["sysadmin"]) == ("citizen", False)
    refused = client.post(
        "/api/3/action/group_create", json={"name": "traffic"}, headers={"Authorization": secret}
    )
    assert error(refused, 403)["__type"] == "Authorization Error"


# --- site actions ------------------------------------------------------------------------------


def test_status_show_works_anonymously(api, app):
    status = api.ok("status_show")
    assert status["ckan_version"] == "2.10.0"
    assert status["site_url"] == app.extensions["portal.settings"].site_url
    assert status["locale_default"] == "zh_Hans_CN"
    assert status["backends"]["database"] == app.extensions["portal.db"].engine.dialect.name
    assert api.get("status_show").get_json()["result"] == status


def test_site_read_works_anonymously(api, cast):
    assert api.ok("site_read") is True
    assert api.get("site_read").get_json()["result"] is True
    assert api.ok("site_read", cast.stranger) is True
