"""My applications pages through the Flask test client: registering with field errors, a key
shown once, read-only and expiring keys, usage per key, revoking, deleting, both languages."""

from __future__ import annotations

import re

from portal.apps.usage import flush
from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf, field_error


def register(client, token: str, **fields: str):
    data = {"csrf_token": token, "name": "公交到站提醒", "url": "https://bus.example.cn", **fields}
    return client.post("/user/apps", data=data)


def new_key(client, token: str, app_path: str, **fields: str) -> str:
    page = text(client.post(f"{app_path}/keys", data={"csrf_token": token, **fields}))
    return re.search(r'id="new-key" class="code" type="text" readonly value="([^"]+)"', page)[1]


def test_the_pages_need_a_login(client):
    response = client.get("/user/apps")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_developer_registers_an_application_and_sees_field_errors(client, cast):
    login_as(client, cast.stranger)
    token = csrf(client, "/user/apps")
    assert "你还没有登记应用。" in text(client.get("/user/apps"))
    refused = register(client, token, name=" ", url="ftp://x")
    assert refused.status_code == 409
    assert field_error(text(refused), "name") == "缺少必填值"
    assert field_error(text(refused), "url") == "不是有效的网址。"
    created = register(client, token)
    assert created.status_code == 302
    page = text(client.get(created.headers["Location"]))
    assert "公交到站提醒" in page and "这个应用还没有密钥。" in page
    listing = text(client.get("/user/apps"))
    assert "公交到站提醒" in listing and "600/minute" in listing


def test_new_key_is_shown_once_works_and_its_calls_are_shown(app, client, cast):
    login_as(client, cast.stranger)
    token = csrf(client, "/user/apps")
    path = register(client, token).headers["Location"]
    response = client.post(f"{path}/keys", data={"csrf_token": token, "name": "生产环境"})
    assert response.headers["Cache-Control"] == "no-store"
    secret = new_key(client, token, path, name="夜间同步", read_only="on", expires_in_days="30")
    api = app.test_client()
    for _ in range(3):
        assert (
            api.get("/api/3/action/status_show", headers={"Authorization": secret}).status_code
            == 200
        )
    refused = api.post(
        "/api/3/action/datarequest_create", json={"title": "x"}, headers={"Authorization": secret}
    )
    assert refused.status_code == 403
    flush(app)
    page = text(client.get(path))
    assert secret not in page  # shown once, on the page that created it
    row = re.search(r"<tr>\s*<td>夜间同步</td>(.*?)</tr>", page, re.S)[1]
    assert "只读" in row and "<td>4</td>" in row
    assert "读写" in re.search(r"<tr>\s*<td>生产环境</td>(.*?)</tr>", page, re.S)[1]
    assert "status_show" in page


def test_revoke_and_delete(client, api, cast):
    login_as(client, cast.stranger)
    token = csrf(client, "/user/apps")
    path = register(client, token).headers["Location"]
    new_key(client, token, path, name="测试密钥")
    key_id = api.ok("app_key_list", cast.stranger, app_id=path.rsplit("/", 1)[1])[0]["id"]
    revoked = client.post(f"{path}/keys/{key_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert "密钥已撤销。" in text(client.get(path))
    deleted = client.post(f"{path}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302 and deleted.headers["Location"].endswith("/user/apps")
    assert client.get(path).status_code == 404


def test_another_users_application_is_not_found(client, api, cast):
    created = api.ok("app_create", cast.member, name="医院床位查询")
    login_as(client, cast.stranger)
    assert client.get(f"/user/apps/{created['id']}").status_code == 404
    token = csrf(client, "/user/apps")
    response = client.post(f"/user/apps/{created['id']}/delete", data={"csrf_token": token})
    assert response.status_code == 404
    assert api.ok("app_show", cast.member, id=created["id"])["name"] == "医院床位查询"


def test_pages_in_english(client, cast):
    login_as(client, cast.stranger)
    page = text(client.get("/user/apps", headers={"Accept-Language": "en"}))
    assert "My applications" in page and "Register an application" in page
