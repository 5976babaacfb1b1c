"""Applications and their keys: a key is a CKAN token (ckanapi works with it), may be
read-only or expire, and is revoked with its application or alone."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import ckanapi
import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from portal.api.openapi import build_spec
from portal.auth.models import ApiToken
from portal.database import utcnow
from tests.test_openapi_conformance import response_errors

BUS_APP = {
    "name": "公交到站提醒",
    "description": "用全省公交实时位置数据提醒乘客车辆到站。",
    "url": "https://bus.example.cn/app",
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_spec()


@pytest.fixture
def served(app) -> Iterator[str]:
    """The test app over real HTTP on loopback, for the ckanapi client."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def register(api, person, **fields: Any) -> dict[str, Any]:
    return api.ok("app_create", person, **{**BUS_APP, **fields})


def new_key(api, person, app_id: str, **fields: Any) -> dict[str, Any]:
    return api.ok("app_key_create", person, app_id=app_id, **fields)


def key_headers(key: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": key["token"]}


def error(response, status: int, kind: str) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["__type"] == kind, body
    return body["error"]


def conforms(api, doc, action: str, person, **data: Any) -> Any:
    """Call an action and check its body against the OpenAPI document."""
    response = api.post(action, person, **data)
    assert response.status_code == 200, response.get_json()
    assert response_errors(doc, action, 200, response.get_json()) == [], action
    return response.get_json()["result"]


def test_developer_registers_an_application_in_chinese(api, cast, doc):
    created = conforms(api, doc, "app_create", cast.stranger, **BUS_APP)
    assert created["name"] == "公交到站提醒" and created["user_name"] == "citizen"
    assert created["key_count"] == 0 and created["rate_limit"] is None
    assert created["effective_rate_limit"] == "600/minute"
    listed = conforms(api, doc, "app_list", cast.stranger)
    assert [a["id"] for a in listed] == [created["id"]]
    assert api.ok("app_list", cast.member) == []


def test_only_the_owner_or_a_sysadmin_sees_and_changes_an_application(api, cast):
    created = register(api, cast.stranger)
    error(api.post("app_show", cast.member, id=created["id"]), 403, "Authorization Error")
    error(api.post("app_update", cast.member, id=created["id"], name="x"), 403,
          "Authorization Error")  # fmt: skip
    error(api.post("app_show", None, id=created["id"]), 403, "Authorization Error")
    error(api.post("app_show", cast.stranger, id="no-such-app"), 404, "Not Found Error")
    assert api.ok("app_show", cast.sysadmin, id=created["id"])["name"] == "公交到站提醒"
    assert [a["id"] for a in api.ok("app_list", cast.sysadmin, all=True)] == [created["id"]]


def test_update_changes_only_the_fields_given_and_the_rate_limit_is_for_sysadmins(api, cast):
    created = register(api, cast.stranger)
    updated = api.ok("app_update", cast.stranger, id=created["id"], name="公交到站提醒（新版）")
    assert updated["name"] == "公交到站提醒（新版）" and updated["url"] == BUS_APP["url"]
    refused = api.post("app_update", cast.stranger, id=created["id"], rate_limit="5000/minute")
    error(refused, 403, "Authorization Error")
    bad = api.post("app_update", cast.sysadmin, id=created["id"], rate_limit="很多")
    assert "rate_limit" in error(bad, 409, "Validation Error")
    raised = api.ok("app_update", cast.sysadmin, id=created["id"], rate_limit="5000/minute")
    assert raised["effective_rate_limit"] == "5000/minute"


def test_bad_input_gets_validation_errors(api, cast):
    missing = api.post("app_create", cast.stranger, description="没有名称")
    assert error(missing, 409, "Validation Error")["name"] == ["Missing value"]
    bad_url = api.post("app_create", cast.stranger, name="应用", url="javascript:alert(1)")
    assert "url" in error(bad_url, 409, "Validation Error")
    created = register(api, cast.stranger)
    days = api.post("app_key_create", cast.stranger, app_id=created["id"], expires_in_days=0)
    assert "expires_in_days" in error(days, 409, "Validation Error")


def test_key_is_shown_once_and_stored_hashed(app, api, cast, doc):
    created = register(api, cast.stranger)
    made = {"app_id": created["id"], "name": "生产环境"}
    key = conforms(api, doc, "app_key_create", cast.stranger, **made)
    assert key["token"].startswith("odp_") and key["name"] == "生产环境"
    listed = conforms(api, doc, "app_key_list", cast.stranger, app_id=created["id"])
    assert [k["id"] for k in listed] == [key["id"]] and "token" not in listed[0]
    stored = app.extensions["portal.db"].session().get(ApiToken, key["id"])
    assert key["token"] not in stored.token_hash and len(stored.token_hash) == 64
    assert api.ok("app_show", cast.stranger, id=created["id"])["key_count"] == 1


def test_key_works_with_ckanapi_in_both_headers(served, api, cast):
    created = register(api, cast.stranger)
    key = new_key(api, cast.stranger, created["id"])
    with ckanapi.RemoteCKAN(served, apikey=key["token"]) as remote:
        assert remote.action.user_show()["name"] == "citizen"
        made = remote.action.datarequest_create(title="地铁客流数据", description="按站点统计")
        assert made["user_name"] == "citizen"
    headers = {"X-CKAN-API-Key": key["token"]}
    assert (
        api.client.post("/api/action/user_show", json={}, headers=headers).get_json()["result"][
            "name"
        ]
        == "citizen"
    )


def test_read_only_key_reads_but_every_write_is_refused(served, api, cast):
    created = register(api, cast.stranger)
    key = new_key(api, cast.stranger, created["id"], read_only=True)
    assert key["read_only"] is True
    with ckanapi.RemoteCKAN(served, apikey=key["token"]) as remote:
        assert remote.action.user_show()["name"] == "citizen"
        with pytest.raises(ckanapi.NotAuthorized) as refused:
            remote.action.datarequest_create(title="地铁客流数据", description="按站点统计")
    assert "this key is read-only" in str(refused.value)
    response = api.client.post(
        "/api/3/action/app_key_create", json={"app_id": created["id"]}, headers=key_headers(key)
    )
    assert "read-only" in error(response, 403, "Authorization Error")["message"]


def test_read_only_key_does_not_sign_in_a_page_form_post(app, api, cast):
    created = register(api, cast.stranger)
    key = new_key(api, cast.stranger, created["id"], read_only=True)
    page = api.client.get("/user/tokens", headers=key_headers(key))
    assert page.status_code == 200  # reading a page with the key is signed in
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))[1]
    form = {"csrf_token": csrf, "name": "偷偷创建的令牌"}
    posted = api.client.post("/user/tokens", data=form, headers=key_headers(key))
    assert posted.status_code == 302 and "/user/login" in posted.headers["Location"]
    assert "偷偷创建的令牌" not in [t["name"] for t in api.ok("api_token_list", cast.stranger)]


def test_expired_key_is_an_invalid_token(app, api, cast):
    created = register(api, cast.stranger)
    key = new_key(api, cast.stranger, created["id"], expires_in_days=30)
    assert key["expires_at"] is not None and key["expired"] is False
    ok = api.client.post("/api/3/action/user_show", json={}, headers=key_headers(key))
    assert ok.status_code == 200
    session = app.extensions["portal.db"].session()
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == key["id"])
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    response = api.client.post("/api/3/action/user_show", json={}, headers=key_headers(key))
    assert error(response, 403, "Authorization Error")["message"] == "Invalid API token"
    listed = api.ok("app_key_list", cast.stranger, app_id=created["id"])
    assert listed[0]["expired"] is True


def test_revoked_key_and_deleted_application_stop_working(api, cast):
    created = register(api, cast.stranger)
    first, second = (new_key(api, cast.stranger, created["id"]) for _ in range(2))
    error(api.post("app_key_revoke", cast.member, id=first["id"]), 403, "Authorization Error")
    api.ok("app_key_revoke", cast.stranger, id=first["id"])
    revoked = api.client.post("/api/3/action/user_show", json={}, headers=key_headers(first))
    error(revoked, 403, "Authorization Error")
    still = api.client.post("/api/3/action/user_show", json={}, headers=key_headers(second))
    assert still.status_code == 200
    error(api.post("app_key_revoke", cast.stranger, id=first["id"]), 404, "Not Found Error")
    api.ok("app_delete", cast.stranger, id=created["id"])
    gone = api.client.post("/api/3/action/user_show", json={}, headers=key_headers(second))
    error(gone, 403, "Authorization Error")
    assert api.ok("app_list", cast.stranger) == []


def test_plain_tokens_cannot_be_revoked_as_app_keys(api, cast):
    token_id = api.ok("api_token_list", cast.stranger)[0]["id"]
    error(api.post("app_key_revoke", cast.stranger, id=token_id), 404, "Not Found Error")
