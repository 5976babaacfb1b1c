"""A user's own data: the privacy notice (both languages, linked from every page), the JSON
export of everything held about an account (no token secret), and deleting one's own account
with the password: personal data erased, activity anonymised, datasets kept by the department.
A sysadmin's user_delete goes on working as CKAN's."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.catalog.models import Activity, Dataset
from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf

PASSWORD = "公交 correct horse"


@pytest.fixture
def editor(app, api, cast):
    """The transport editor with a password, a dataset and a data request."""
    session = app.extensions["portal.db"].session()
    session.get(User, cast.editor.user.id).password_hash = hash_password(PASSWORD)
    session.commit()
    dataset = api.ok("package_create", cast.editor, name="bus-lines", title="公交线路",
                     owner_org="transport")  # fmt: skip
    api.ok("datarequest_create", cast.editor, title="公交站点客流", description="按日统计。")
    return dataset


def test_the_export_holds_profile_datasets_tokens_requests_and_activity(api, cast, editor):
    exported = api.ok("user_data_export", cast.editor)
    assert exported["profile"]["email"] == "transport-editor@example.gov.cn"
    assert exported["organizations"] == [{"name": "transport", "role": "editor"}]
    assert exported["datasets"] == [editor["id"]]
    assert [t["name"] for t in exported["api_tokens"]] == ["test"]
    assert [r["title"] for r in exported["data_requests"]] == ["公交站点客流"]
    assert {a["activity_type"] for a in exported["activity"]} >= {"new package"}
    body = json.dumps(exported, ensure_ascii=False)
    assert cast.editor.token not in body and "token_hash" not in body and "password" not in body
    assert api.post("user_data_export").status_code == 403


def test_deleting_ones_own_account_needs_the_password(api, cast, editor):
    wrong = api.post("user_delete", cast.editor, id="transport-editor", password="猜一个密码")
    assert wrong.status_code == 409 and "password" in wrong.get_json()["error"]
    assert api.post("user_delete", cast.editor, id="transport-editor").status_code == 409
    assert api.post("user_delete", cast.editor, id="transport-admin",
                    password=PASSWORD).status_code == 403  # fmt: skip
    assert api.ok("user_show", cast.editor)["name"] == "transport-editor"


def test_a_deleted_account_is_erased_and_its_activity_anonymised(app, api, cast, editor):
    api.ok("user_delete", cast.editor, id="transport-editor", password=PASSWORD)
    assert api.post("user_show", cast.editor).status_code == 403  # the token is gone
    with app.extensions["portal.db"].factory() as session:
        user = session.get(User, cast.editor.user.id)
        assert user.state == "deleted" and user.name.startswith("deleted-")
        assert user.email is None and user.fullname is None and user.password_hash is None
        mine = select(func.count()).select_from(Activity).where(Activity.user_id == user.id)
        assert session.scalar(mine) == 0
        by_id = Activity.object_id == editor["id"]
        assert session.scalar(select(func.count()).select_from(Activity).where(by_id)) >= 1
        dataset = session.get(Dataset, editor["id"])
        assert dataset.state == "active" and dataset.owner_org == cast.transport.id
    requests = api.ok("datarequest_list")
    assert [r["title"] for r in requests["results"]] == ["公交站点客流"]


def test_a_sysadmin_still_deletes_users_without_a_password(app, api, cast):
    assert api.post("user_delete", cast.sysadmin, id="citizen").status_code == 200
    assert api.post("user_show", id="citizen").status_code == 404
    assert api.post("user_delete", cast.member, id="citizen").status_code == 403


def test_the_privacy_notice_is_linked_from_every_page_in_both_languages(client):
    home = text(client.get("/"))
    assert 'href="/privacy"' in home
    zh = text(client.get("/privacy", headers={"Accept-Language": "zh-CN"}))
    assert "隐私声明" in zh and "加密哈希" in zh and "一天" in zh
    client.get("/lang/en")
    en = text(client.get("/privacy"))
    assert "Privacy notice" in en and "keyed hash" in en and "Your rights" in en


def test_the_account_data_page_downloads_the_export_and_deletes_the_account(
    app, client, cast, editor
):
    login_as(client, cast.editor)
    page = client.get("/user/account-data")
    assert page.status_code == 200 and "注销账号" in text(page)
    download = client.get("/user/account-data/export.json")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["profile"]["name"] == "transport-editor"
    token = csrf(client, "/user/account-data")
    refused = client.post("/user/delete", data={"password": "不对", "csrf_token": token})
    assert refused.status_code == 409 and "field-errors" in text(refused)
    done = client.post("/user/delete", data={"password": PASSWORD, "csrf_token": token})
    assert done.status_code == 302
    assert client.get("/user/account-data").status_code in (302, 401)
    with app.extensions["portal.db"].factory() as session:
        assert session.get(User, cast.editor.user.id).state == "deleted"
