"""Department pages through the Flask test client: login, CSRF, the profile-driven dataset form
and its field-keyed errors, uploads, publishing, visibility, deletion, members and tokens."""

from __future__ import annotations

import io
import re

import pytest

from portal.actions import call
from portal.auth.passwords import hash_password
from portal.web import forms
from tests.conftest import create_dataset, site_context
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
