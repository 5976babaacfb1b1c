"""Reuse pages through the Flask test client: the list (featured first), submitting with
field-keyed errors, a reuse's page with the datasets used, editing, featuring, reporting and
the moderation queue, the dataset page's list of reuses, and both languages."""

from __future__ import annotations

import io

import pytest
from conftest import create_dataset

from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf, field_error

APP = {
    "title": "公交到站提醒小程序",
    "description": "提醒乘客车辆**即将到站**。",
    "type": "application",
    "url": "https://apps.example.cn/bus-alert",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def bus(app, cast):
    create_dataset(app, "bus-positions", cast.transport, title="公交车实时位置")
    return create_dataset(app, "bus-internal", cast.transport, title="公交内部调度", private=True)


def submit(api, person, **fields):
    return api.ok("reuse_create", person, **{**APP, "datasets": ["bus-positions"], **fields})


def test_anonymous_visitor_reads_the_list_and_a_reuse(client, api, cast, bus):
    submit(api, cast.stranger, title="公交线路图", type="visualisation")
    featured = submit(api, cast.stranger)
    api.ok("reuse_feature", cast.admin, id=featured["id"])
    listing = text(client.get("/reuse"))
    assert listing.index("公交到站提醒小程序") < listing.index("公交线路图")  # featured first
    assert "推荐" in listing and "可视化" in listing and "数据应用" in listing
    page = text(client.get(f"/reuse/{featured['id']}"))
    assert "<strong>即将到站</strong>" in page and 'href="/dataset/bus-positions"' in page
    assert 'href="https://apps.example.cn/bus-alert"' in page
    assert "登录后举报此数据应用" in page and "推荐此数据应用" not in page
    assert client.get("/reuse/no-such-reuse").status_code == 404
    only = text(client.get("/reuse?type=visualisation"))
    assert "公交线路图" in only and "公交到站提醒小程序" not in only


def test_submitting_needs_a_login(client):
    response = client.get("/reuse/new")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_signed_in_user_submits_with_an_image_and_sees_field_errors(client, cast, bus):
    login_as(client, cast.stranger)
    form = text(client.get("/reuse/new?dataset=bus-positions"))
    assert 'value="bus-positions"' in form
    token = csrf(client, "/reuse/new")
    data = {"csrf_token": token, **APP, "url": "javascript:alert(1)", "datasets": "bus-positions"}
    refused = text(client.post("/reuse/new", data=data))
    assert field_error(refused, "url") == "只允许 http 和 https 地址。"
    data.update(url=APP["url"], datasets="bus-positions, bus-internal")
    refused = text(client.post("/reuse/new", data=data))
    assert field_error(refused, "datasets") == "未找到数据集：bus-internal"
    data.update(url=APP["url"], datasets="bus-positions", image=(io.BytesIO(PNG), "截图.png"))
    created = client.post("/reuse/new", data=data, content_type="multipart/form-data")
    assert created.status_code == 302
    page = text(client.get(created.headers["Location"]))
    assert "公交到站提醒小程序" in page and "公交到站提醒小程序 的截图" in page
    image = client.get(created.headers["Location"] + "/image")
    assert image.status_code == 200 and image.data == PNG


def test_owner_edits_and_others_cannot(client, api, cast, bus):
    reuse = submit(api, cast.stranger)
    path = f"/reuse/{reuse['id']}"
    login_as(client, cast.member)
    assert client.get(f"{path}/edit").status_code == 403
    login_as(client, cast.stranger)
    token = csrf(client, f"{path}/edit")
    data = {"csrf_token": token, **APP, "title": "到站提醒 2.0", "datasets": "bus-positions"}
    response = client.post(f"{path}/edit", data=data)
    assert response.status_code == 302
    assert "到站提醒 2.0" in text(client.get(path))


def test_department_admin_features_from_the_page(client, api, cast, bus):
    reuse = submit(api, cast.stranger)
    path = f"/reuse/{reuse['id']}"
    login_as(client, cast.outsider)
    assert "推荐此数据应用" not in text(client.get(path))
    login_as(client, cast.admin)
    token = csrf(client, path)
    page = text(client.post(f"{path}/feature", data={"csrf_token": token}, follow_redirects=True))
    assert "已推荐该数据应用。" in page and "取消推荐" in page


def test_report_reaches_the_moderation_queue_and_hiding_closes_it(client, api, cast, bus):
    reuse = submit(api, cast.stranger, title="可疑的推广链接")
    path = f"/reuse/{reuse['id']}"
    login_as(client, cast.member)
    token = csrf(client, path)
    page = text(client.post(f"{path}/report", data={"csrf_token": token, "reason": "赌博广告"},
                            follow_redirects=True))  # fmt: skip
    assert "感谢举报" in page
    assert client.get("/reuse/moderation").status_code == 403
    login_as(client, cast.sysadmin)
    queue = text(client.get("/reuse/moderation"))
    assert "可疑的推广链接" in queue and "赌博广告" in queue
    token = csrf(client, "/reuse/moderation")
    client.post(f"{path}/moderate", data={"csrf_token": token, "decision": "hide"})
    assert "没有待处理的举报。" in text(client.get("/reuse/moderation"))
    login_as(client, cast.member)
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/image").status_code == 404


def test_dataset_page_lists_its_reuses_but_never_private_datasets(client, api, cast, bus):
    reuse = submit(api, cast.member, datasets=["bus-positions", "bus-internal"])
    page = text(client.get("/dataset/bus-positions"))
    assert "数据应用" in page and f'href="/reuse/{reuse["id"]}"' in page
    assert 'href="/reuse/new?dataset=bus-positions"' in page
    shown = text(client.get(f"/reuse/{reuse['id']}"))
    assert "bus-internal" not in shown and "公交内部调度" not in shown
    assert "使用 1 个数据集" in text(client.get("/reuse"))


def test_pages_speak_english_when_asked(client, api, cast, bus):
    reuse = submit(api, cast.stranger)
    english = text(client.get(f"/reuse/{reuse['id']}?lang=en"))
    assert '<html lang="en">' in english and "Datasets used" in english
    assert "Application" in english
    assert "1 reuse" in text(client.get("/reuse?lang=en"))
    assert "Reuses" in text(client.get("/dataset/bus-positions?lang=en"))


def test_daily_limit_is_said_in_chinese_on_the_form(client, app, cast, bus):
    app.extensions["portal.settings"].reuse_daily_limit = 0
    login_as(client, cast.stranger)
    token = csrf(client, "/reuse/new")
    data = {"csrf_token": token, **APP, "datasets": "bus-positions"}
    page = text(client.post("/reuse/new", data=data))
    assert "您今天提交的数据应用已达上限，请明天再试。" in page
    assert 'value="公交到站提醒小程序"' in page  # what was typed is kept
