"""Department pages through the Flask test client: login, CSRF, the profile-driven dataset form
and its field-keyed errors, uploads, publishing, visibility, deletion, members and tokens."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.actions import call
from portal.auth import throttle
from portal.auth.passwords import hash_password
from portal.web import forms
from tests.conftest import create_dataset, site_context
from tests.test_resources import stored_files
from tests.test_web_pages import login_as, text


def csrf(client, path: str) -> str:
    page = text(client.get(path))
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<ul class="field-errors" id="field-{field}-error">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


@pytest.fixture
def editor(client, cast):
    login_as(client, cast.editor)
    return cast.editor


def new_dataset_form(**fields) -> dict:
    form = {
        "type": "dataset",
        "name": "bus-stops",
        "title": "公交站点",
        "title_en": "Bus stops",
        "notes": "全省公交站点。",
        "owner_org": "",
        "tag_string": "公交, 站点",
        "license_id": "cc-by-4.0",
    }
    form.update(fields)
    return form


# --- login and CSRF --------------------------------------------------------------------------


def test_login_with_password_and_logout(client, app, cast):
    session = app.extensions["portal.db"].session()
    user = session.merge(cast.editor.user)
    user.password_hash = hash_password("correct horse battery")
    session.commit()
    token = csrf(client, "/user/login")
    response = client.post(
        "/user/login",
        data={"username": "transport-editor", "password": "wrong", "csrf_token": token},
    )
    assert response.status_code == 401 and "用户名或密码不正确" in text(response)
    response = client.post(
        "/user/login?next=/dataset/new",
        data={
            "username": "transport-editor",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/dataset/new"
    assert "退出" in text(client.get("/dashboard"))
    client.post("/user/logout", data={"csrf_token": csrf(client, "/dashboard")})
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_login_refuses_offsite_next(client, app, cast):
    session = app.extensions["portal.db"].session()
    session.merge(cast.editor.user).password_hash = hash_password("correct horse battery")
    session.commit()
    response = client.post(
        "/user/login?next=https://evil.example.com/",
        data={
            "username": "transport-editor",
            "password": "correct horse battery",
            "csrf_token": csrf(client, "/user/login"),
        },
    )
    assert response.headers["Location"] == "/dashboard"


def test_forms_without_a_csrf_token_are_refused(client, editor):
    response = client.post("/dataset/new", data=new_dataset_form())
    assert response.status_code == 400
    assert "表单已过期" in text(response)
    response = client.post("/user/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400


def test_the_api_needs_no_csrf_token(client, cast):
    response = client.post(
        "/api/3/action/package_create",
        json={"name": "via-api", "owner_org": "transport"},
        headers=cast.editor.headers,
    )
    assert response.status_code == 200


def test_publisher_pages_need_a_login(client):
    for path in ("/dashboard", "/dataset/new", "/user/tokens"):
        response = client.get(path)
        assert response.status_code == 302 and "/user/login?next=" in response.headers["Location"]


# --- the dataset form ------------------------------------------------------------------------


def test_form_is_generated_from_the_profile(client, editor):
    page = text(client.get("/dataset/new?type=cn-gov"))
    assert "共享类型" in page and "无条件共享" in page  # a select with bilingual choices
    assert 'name="data_items-0-name"' in page  # repeating rows
    assert "data-add-row" in page and "<template data-row-template>" in page
    assert 'for="field-share_type"' in page and 'id="field-share_type"' in page
    english = text(client.get("/dataset/new?type=cn-gov&lang=en"))
    assert "Sharing type" in english and "Shared unconditionally" in english
    dcat = text(client.get("/dataset/new?lang=zh"))
    assert "更新频率" in dcat and "Frequency" not in dcat


def test_every_form_input_has_a_label(client, editor):
    page = text(client.get("/dataset/new?type=cn-gov"))
    page = page.split("<template", 1)[0] + page.split("</template>", 1)[1]
    ids = re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*id="([^"]+)"', page
    )
    assert ids
    for ident in ids:
        assert f'for="{ident}"' in page, ident


def test_validation_errors_are_shown_next_to_their_fields(client, editor, cast):
    form = new_dataset_form(name="Bad Name", owner_org=cast.transport.id)
    response = client.post(
        "/dataset/new", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert response.status_code == 409
    page = text(response)
    assert "2 至 100" in field_error(page, "name")
    assert 'aria-invalid="true"' in page and 'class="error-summary"' in page
    assert 'value="公交站点"' in page  # what was typed is kept
    english = client.post(
        "/dataset/new?lang=en", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert "lowercase letters" in field_error(text(english), "name")


def test_create_upload_publish_and_find(client, app, editor, cast):
    form = new_dataset_form(owner_org=cast.transport.id, groups=[])
    response = client.post(
        "/dataset/new", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dataset/bus-stops/resource/new"
    shown = call("package_show", site_context(app), {"id": "bus-stops"})
    assert shown["state"] == "draft" and shown["title_en"] == "Bus stops"
    assert [t["name"] for t in shown["tags"]] == ["公交", "站点"]
    # Not public yet.
    anonymous = app.test_client()
    assert "bus-stops" not in text(anonymous.get("/dataset?q=公交站点"))
    # Upload a file through the form.
    token = csrf(client, "/dataset/bus-stops/resource/new")
    content = "站点,线路\n火车站,1路\n".encode("gb18030")
    response = client.post(
        "/dataset/bus-stops/resource/new",
        data={"csrf_token": token, "name": "站点表", "upload": (io.BytesIO(content), "stops.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)
    resource = call("package_show", site_context(app), {"id": "bus-stops"})["resources"][0]
    assert resource["format"] == "CSV" and resource["size"] == len(content)
    # Publish.
    page = text(client.get("/dataset/bus-stops"))
    assert "发布" in page and "草稿" in page
    response = client.post(
        "/dataset/bus-stops/publish", data={"csrf_token": csrf(client, "/dataset/bus-stops")}
    )
    assert response.status_code == 302
    assert "bus-stops" in text(anonymous.get("/dataset?q=公交站点"))
    assert anonymous.get("/dataset/bus-stops").status_code == 200


def test_upload_without_file_or_url_shows_the_error(client, app, editor, cast):
    create_dataset(app, "bus-stops", cast.transport)
    response = client.post(
        "/dataset/bus-stops/resource/new",
        data={"csrf_token": csrf(client, "/dataset/bus-stops/resource/new"), "name": "空"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert "请填写网址或上传文件" in field_error(text(response), "upload")


def test_edit_keeps_and_clears_fields(client, app, editor, cast):
    create_dataset(app, "bus-stops", cast.transport, title="公交站点", version="1.0")
    page = text(client.get("/dataset/edit/bus-stops"))
    assert 'value="公交站点"' in page and 'value="1.0"' in page
    form = new_dataset_form(owner_org=cast.transport.id, title="公交站点（修订）", version="")
    response = client.post(
        "/dataset/edit/bus-stops", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert response.status_code == 302
    shown = call("package_show", site_context(app), {"id": "bus-stops"})
    assert shown["title"] == "公交站点（修订）" and shown["version"] is None


def test_profile_fields_round_trip_through_the_form(client, app, editor, cast):
    form = new_dataset_form(
        type="cn-gov",
        owner_org=cast.transport.id,
        resource_category="basic",
        resource_code="1010010001/000123",
        share_type="unconditional",
        open_to_public="yes",
        update_cycle="monthly",
        share_method=["download", "api"],
        **{
            "data_items-0-name": "站点名称",
            "data_items-0-type": "C",
            "data_items-0-length": "50",
            "data_items-3-name": "经度",
            "data_items-3-type": "F",
        },
    )
    response = client.post(
        "/dataset/new", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert response.status_code == 302, text(response)
    page = text(client.get("/dataset/bus-stops"))
    assert "共享类型" in page and "无条件共享" in page
    assert "平台文件下载, 接口调用" in page
    assert "<td>站点名称</td>" in page and "<td>字符型</td>" in page and "<td>浮点型</td>" in page
    edit = text(client.get("/dataset/edit/bus-stops"))
    assert 'name="data_items-1-name" type="text" value="经度"' in edit


def test_rows_with_errors_show_them_in_their_cells(app):
    from schemas.profiles import profile_for_type

    with app.test_request_context("/"):
        built = forms.profile_form(
            profile_for_type("cn-gov"),
            {"data_items": [{"name": "a"}, {"type": "C"}]},
            {"data_items": [{}, {"name": ["Missing value"]}], "share_type": ["Missing value"]},
        )
    items = next(f for f in built if f.name == "data_items")
    assert items.row_errors[1] == {"name": ["缺少必填值"]}
    assert next(f for f in built if f.name == "share_type").errors == ["缺少必填值"]


def test_form_parsing_skips_empty_rows_and_splits_tags(app):
    from werkzeug.datastructures import MultiDict

    from schemas.profiles import profile_for_type

    posted = MultiDict(
        [
            ("name", "x1"),
            ("tag_string", "公交，地铁; 交通"),
            ("data_items-0-name", ""),
            ("data_items-2-name", "编号"),
            ("share_method", "api"),
            ("share_method", "download"),
        ]
    )
    data = forms.parse_dataset_form(posted, profile_for_type("cn-gov"))
    assert [t["name"] for t in data["tags"]] == ["公交", "地铁", "交通"]
    assert data["data_items"] == [{"name": "编号"}]
    assert data["share_method"] == ["api", "download"]
    assert data["private"] is False and data["title"] is None


def test_outsiders_cannot_edit(client, app, cast):
    create_dataset(app, "bus-stops", cast.transport)
    login_as(client, cast.outsider)
    assert client.get("/dataset/edit/bus-stops").status_code == 403
    assert 'href="/dataset/edit/bus-stops"' not in text(client.get("/dataset/bus-stops"))
    login_as(client, cast.stranger)
    assert client.get("/dataset/new").status_code == 403


def test_make_private_and_delete_with_confirmation(client, app, editor, cast):
    create_dataset(app, "bus-stops", cast.transport)
    token = csrf(client, "/dataset/bus-stops")
    client.post("/dataset/bus-stops/visibility", data={"csrf_token": token, "private": "true"})
    assert call("package_show", site_context(app), {"id": "bus-stops"})["private"] is True
    assert app.test_client().get("/dataset/bus-stops").status_code == 404
    page = text(client.get("/dataset/bus-stops/delete"))
    assert "删除此数据集" in page and "确认删除" in page
    response = client.post("/dataset/bus-stops/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert call("package_show", site_context(app), {"id": "bus-stops"})["state"] == "deleted"


def test_dashboard_lists_drafts_private_and_public(client, app, editor, cast):
    create_dataset(app, "public-one", cast.transport, title="公开数据")
    create_dataset(app, "private-one", cast.transport, title="私有数据", private=True)
    create_dataset(app, "draft-one", cast.transport, title="草稿数据", state="draft")
    create_dataset(app, "health-one", cast.health, title="卫生数据")
    page = text(client.get("/dashboard"))
    for name in ("public-one", "private-one", "draft-one"):
        assert f'href="/dataset/{name}"' in page
    assert "health-one" not in page
    drafts = text(client.get("/dashboard?state=draft"))
    assert "draft-one" in drafts and "public-one" not in drafts
    private = text(client.get("/dashboard?state=private"))
    assert "private-one" in private and "public-one" not in private


def test_deleted_datasets_are_listed_for_their_department_and_restored(
    client, app, editor, cast
):
    create_dataset(app, "bus-stops", cast.transport, title="公交站点")
    create_dataset(app, "clinics", cast.health, title="诊所名录")
    client.post("/dataset/bus-stops/delete", data={"csrf_token": csrf(client, "/dashboard")})
    admin = site_context(app, cast.sysadmin.user)
    call("package_delete", admin, {"id": "clinics"})
    assert 'href="/dataset/bus-stops"' not in text(app.test_client().get("/dataset?q=公交站点"))
    trash = text(client.get("/dashboard/deleted"))
    assert "公交站点" in trash and "诊所名录" not in trash  # another department's
    page = text(client.get("/dataset/bus-stops"))
    assert "此数据集已删除" in page and "恢复" in page
    response = client.post(
        "/dataset/bus-stops/restore", data={"csrf_token": csrf(client, "/dashboard/deleted")}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/dataset/bus-stops"
    assert call("package_show", site_context(app), {"id": "bus-stops"})["state"] == "active"
    assert 'href="/dataset/bus-stops"' in text(app.test_client().get("/dataset?q=公交站点"))
    assert "公交站点" not in text(client.get("/dashboard/deleted"))
    # Others cannot restore it: a member reads the department but may not edit.
    call("package_delete", admin, {"id": "bus-stops"})
    login_as(client, cast.member)
    assert client.post(
        "/dataset/bus-stops/restore", data={"csrf_token": csrf(client, "/dashboard")}
    ).status_code in (403, 404)
    assert call("package_show", admin, {"id": "bus-stops"})["state"] == "deleted"


def test_the_trash_list_only_shows_departments_the_caller_edits(api, app, cast):
    create_dataset(app, "bus-stops", cast.transport)
    create_dataset(app, "clinics", cast.health)
    admin = site_context(app, cast.sysadmin.user)
    for name in ("bus-stops", "clinics"):
        call("package_delete", admin, {"id": name})
    mine = api.ok("package_trash_list", cast.editor)
    assert [d["name"] for d in mine["results"]] == ["bus-stops"] and mine["count"] == 1
    assert api.ok("package_trash_list", cast.member)["count"] == 0
    assert api.ok("package_trash_list", cast.sysadmin)["count"] == 2
    refused = api.post("package_trash_list", cast.editor, owner_org=cast.health.name)
    assert refused.status_code == 403
    assert api.post("package_trash_list", cast.anonymous).status_code == 403


# --- editing resources -----------------------------------------------------------------------


def _upload_through_form(client, name: str, content: bytes, filename: str) -> None:
    client.post(
        f"/dataset/{name}/resource/new",
        data={
            "csrf_token": csrf(client, f"/dataset/{name}/resource/new"),
            "name": "站点表",
            "upload": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def test_editing_a_resource_changes_its_metadata_and_keeps_the_file(client, app, editor, cast):
    create_dataset(app, "bus-stops", cast.transport)
    _upload_through_form(client, "bus-stops", "站点\n火车站\n".encode(), "stops.csv")
    resource = call("package_show", site_context(app), {"id": "bus-stops"})["resources"][0]
    edit_url = f"/dataset/bus-stops/resource/{resource['id']}/edit"
    assert f'href="{edit_url}"' in text(client.get("/dataset/bus-stops"))
    page = text(client.get(edit_url))
    assert "编辑文件或链接" in page and "当前文件：stops.csv" in page and 'value="站点表"' in page
    response = client.post(
        edit_url,
        data={"csrf_token": csrf(client, edit_url), "name": "站点表（2024）", "format": "CSV"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    changed = call("resource_show", site_context(app), {"id": resource["id"]})
    assert changed["name"] == "站点表（2024）"
    assert changed["url_type"] == "upload" and changed["hash"] == resource["hash"]
    download = app.test_client().get(f"/dataset/{changed['package_id']}/resource/"
                                      f"{changed['id']}/download/stops.csv")
    assert download.status_code == 200 and download.data == "站点\n火车站\n".encode()


def test_replacing_a_file_and_switching_to_a_link(client, app, editor, cast):
    create_dataset(app, "bus-stops", cast.transport)
    _upload_through_form(client, "bus-stops", b"a,b\n1,2\n", "stops.csv")
    resource = call("package_show", site_context(app), {"id": "bus-stops"})["resources"][0]
    edit_url = f"/dataset/bus-stops/resource/{resource['id']}/edit"
    replacement = "站点,线路\n火车站,1路\n西站,2路\n".encode("gb18030")
    response = client.post(
        edit_url,
        data={
            "csrf_token": csrf(client, edit_url),
            "name": "站点表",
            "format": "CSV",
            "upload": (io.BytesIO(replacement), "stops-2024.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)
    replaced = call("resource_show", site_context(app), {"id": resource["id"]})
    assert replaced["size"] == len(replacement) and replaced["hash"] != resource["hash"]
    assert replaced["url"].endswith("/download/stops-2024.csv")
    assert list(stored_files(app).values()) == [replacement]  # the old file is gone
    # Switch to a link: the uploaded file and what was measured of it go.
    response = client.post(
        edit_url,
        data={
            "csrf_token": csrf(client, edit_url),
            "name": "站点表",
            "url": "https://data.example.gov.cn/stops.csv",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    linked = call("resource_show", site_context(app), {"id": resource["id"]})
    assert linked["url"] == "https://data.example.gov.cn/stops.csv"
    assert linked["url_type"] is None and linked["size"] is None and linked["hash"] is None
    assert stored_files(app) == {}


def test_resource_edit_errors_are_shown_and_outsiders_refused(client, app, editor, cast):
    create_dataset(app, "bus-stops", cast.transport)
    admin = site_context(app, cast.sysadmin.user)
    resource = call(
        "resource_create", admin, {"package_id": "bus-stops", "url": "https://example.org/a.csv"}
    )
    edit_url = f"/dataset/bus-stops/resource/{resource['id']}/edit"
    response = client.post(
        edit_url,
        data={"csrf_token": csrf(client, edit_url), "name": "x", "url": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409 and "请填写网址或上传文件" in text(response)
    assert call("resource_show", admin, {"id": resource["id"]})["url"] == (
        "https://example.org/a.csv"
    )
    assert client.get("/dataset/bus-stops/resource/nope/edit").status_code == 404
    login_as(client, cast.outsider)
    assert client.get(edit_url).status_code == 403


# --- login throttling ------------------------------------------------------------------------


def _try_login(client, password: str, address: str = "203.0.113.7"):
    return client.post(
        "/user/login",
        data={
            "username": "transport-editor",
            "password": password,
            "csrf_token": csrf(client, "/user/login"),
        },
        environ_base={"REMOTE_ADDR": address},
    )


def test_repeated_failed_logins_are_slowed_down_per_address(client, app, cast):
    session = app.extensions["portal.db"].session()
    session.merge(cast.editor.user).password_hash = hash_password("correct horse battery")
    session.commit()
    for _ in range(throttle.PER_ACCOUNT):
        assert _try_login(client, "wrong").status_code == 401
    locked = _try_login(client, "correct horse battery")
    assert locked.status_code == 429 and "尝试失败次数过多" in text(locked)
    assert 0 < int(locked.headers["Retry-After"]) <= throttle.WINDOW.total_seconds() + 1
    # Someone else, elsewhere, is not locked out of the same account.
    assert _try_login(app.test_client(), "correct horse battery", "198.51.100.9").status_code == 302
    # Once the window has passed the address may try again.
    later = datetime.now(UTC).replace(tzinfo=None) + throttle.WINDOW + timedelta(seconds=1)
    key = throttle.account_key(cast.editor.user.id, "transport-editor")
    assert throttle.retry_after(session, key, "203.0.113.7", now=later) == 0
    session.rollback()  # end the read: PostgreSQL's next test truncates these tables


def test_a_successful_login_clears_earlier_failures(client, app, cast):
    session = app.extensions["portal.db"].session()
    session.merge(cast.editor.user).password_hash = hash_password("correct horse battery")
    session.commit()
    for _ in range(throttle.PER_ACCOUNT - 1):
        _try_login(client, "wrong")
    assert _try_login(client, "correct horse battery").status_code == 302
    client.post("/user/logout", data={"csrf_token": csrf(client, "/dashboard")})
    for _ in range(throttle.PER_ACCOUNT - 1):
        assert _try_login(client, "wrong").status_code == 401
    assert _try_login(client, "correct horse battery").status_code == 302


# --- members and tokens ----------------------------------------------------------------------


def test_department_admins_manage_members(client, cast):
    login_as(client, cast.admin)
    page = text(client.get("/organization/transport/members"))
    assert "transport-editor" in page
    token = csrf(client, "/organization/transport/members")
    response = client.post(
        "/organization/transport/members",
        data={"csrf_token": token, "username": "citizen", "role": "editor"},
    )
    assert response.status_code == 302
    assert "<td>citizen</td>" in text(client.get("/organization/transport/members"))
    response = client.post(
        "/organization/transport/members",
        data={"csrf_token": token, "username": "nobody-here", "role": "editor"},
    )
    assert response.status_code == 409 and "用户不存在" in field_error(text(response), "username")
    client.post(
        "/organization/transport/members",
        data={"csrf_token": token, "username": "citizen", "remove": "1"},
    )
    assert "<td>citizen</td>" not in text(client.get("/organization/transport/members"))
    login_as(client, cast.editor)
    assert client.get("/organization/transport/members").status_code == 403


def test_api_tokens_are_shown_once_listed_and_revoked(client, cast):
    login_as(client, cast.editor)
    token = csrf(client, "/user/tokens")
    response = client.post("/user/tokens", data={"csrf_token": token, "name": "nightly upload"})
    page = text(response)
    secret = re.search(r'id="new-token" class="code" type="text" readonly value="([^"]+)"', page)
    assert secret and response.headers["Cache-Control"] == "no-store"
    headers = {"Authorization": secret.group(1)}
    assert client.get("/api/3/action/api_token_list", headers=headers).status_code == 200
    listing = text(client.get("/user/tokens"))
    assert "nightly upload" in listing and secret.group(1) not in listing
    jti = re.findall(r'name="revoke" value="([^"]+)"', listing)
    for value in jti:
        client.post("/user/tokens", data={"csrf_token": token, "revoke": value})
    fresh = app_client_status(client, headers)
    assert fresh == 403


def app_client_status(client, headers) -> int:
    return (
        client.application.test_client()
        .get("/api/3/action/api_token_list", headers=headers)
        .status_code
    )


def test_a_form_naming_another_department_is_a_403_page_not_a_500(client, app, editor, api, cast):
    form = new_dataset_form(owner_org=cast.health.id, csrf_token=csrf(client, "/dataset/new"))
    response = client.post("/dataset/new", data=form)
    assert response.status_code == 403
    assert "<html" in text(response).lower()
    found = api.ok("package_search", cast.sysadmin, q="公交站点", include_private=True)
    assert found["count"] == 0
