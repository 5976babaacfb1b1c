"""Moderation and abuse of data requests, through the API and the pages: the per-user daily
limit, reports once per user, a sysadmin hiding (404 and absent from lists for all but the
requester and sysadmins) and restoring, the moderation queue, sanitized descriptions, and
activity without e-mail addresses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from portal.api.openapi import build_spec
from portal.catalog.models import Activity
from portal.config import Settings
from tests.test_openapi_conformance import response_errors
from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf

SPAM = {
    "title": "低价代办各类证件",
    "description": "加微信 xxx 代办证件，价格优惠。",
}
BUS = {
    "title": "公交车实时位置数据",
    "description": "希望开放全省公交车辆的实时位置，用于出行应用。",
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_spec()


def ask(api, person, **fields: Any) -> dict[str, Any]:
    return api.ok("datarequest_create", person, **{**BUS, **fields})


def error(response, status: int, kind: str) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["__type"] == kind, body
    return body["error"]


def listed(api, person, **params: Any) -> list[str]:
    return [r["id"] for r in api.ok("datarequest_list", person, **params)["results"]]


def test_daily_limit_per_user_spares_sysadmins(api, app, cast):
    app.extensions["portal.settings"].datarequest_daily_limit = 2
    ask(api, cast.stranger)
    ask(api, cast.stranger, title="医院床位数据")
    refused = api.post("datarequest_create", cast.stranger, **{**BUS, "title": "第三个需求"})
    assert error(refused, 409, "Validation Error")["limit"] == [
        "You have reached the daily limit of new data requests: try again tomorrow."
    ]
    ask(api, cast.member)  # the limit is per user
    for number in range(3):
        ask(api, cast.sysadmin, title=f"管理员需求{number}")
    assert api.ok("datarequest_list")["count"] == 6


def test_the_daily_limit_is_a_setting():
    assert Settings.from_env({"PORTAL_DATAREQUEST_DAILY_LIMIT": "9"}).datarequest_daily_limit == 9
    assert Settings.from_env({}).datarequest_daily_limit == 5


def test_report_once_per_user_then_hide_and_restore(api, cast):
    spam = ask(api, cast.stranger, **SPAM)
    error(api.post("datarequest_report", None, id=spam["id"], reason="广告"), 403,
          "Authorization Error")  # fmt: skip
    blank = api.post("datarequest_report", cast.member, id=spam["id"], reason="  ")
    assert "reason" in error(blank, 409, "Validation Error")
    api.ok("datarequest_report", cast.member, id=spam["id"], reason="广告")
    api.ok("datarequest_report", cast.member, id=spam["id"], reason="广告，请尽快处理")
    api.ok("datarequest_report", cast.editor, id=spam["id"], reason="与数据无关")
    error(api.post("datarequest_report_list", cast.admin), 403, "Authorization Error")
    error(api.post("datarequest_report_list", None), 403, "Authorization Error")
    queue = api.ok("datarequest_report_list", cast.sysadmin)
    assert queue["count"] == 1 and queue["results"][0]["open_reports"] == 2
    reasons = {r["reason"] for r in queue["results"][0]["reports"]}
    assert reasons == {"广告，请尽快处理", "与数据无关"}
    assert api.ok("datarequest_show", cast.member, id=spam["id"])["open_reports"] is None

    body = {"id": spam["id"], "decision": "hide"}
    error(api.post("datarequest_moderate", cast.admin, **body), 403, "Authorization Error")
    bad = api.post("datarequest_moderate", cast.sysadmin, id=spam["id"], decision="delete")
    assert "decision" in error(bad, 409, "Validation Error")
    hidden = api.ok("datarequest_moderate", cast.sysadmin, **body)
    assert hidden["hidden"] is True and hidden["open_reports"] == 0
    assert api.ok("datarequest_report_list", cast.sysadmin)["count"] == 0

    other = ask(api, cast.member)
    for person in (None, cast.member, cast.admin):
        error(api.post("datarequest_show", person, id=spam["id"]), 404, "Not Found Error")
        error(api.post("datarequest_support", cast.member, id=spam["id"]), 404,
              "Not Found Error")  # fmt: skip
        assert listed(api, person) == [other["id"]]
        assert spam["id"] not in listed(api, person, include_hidden=True)
    assert api.ok("datarequest_show", cast.stranger, id=spam["id"])["hidden"] is True
    assert listed(api, cast.stranger) == [other["id"]]
    assert listed(api, cast.stranger, include_hidden=True) == [other["id"], spam["id"]]
    assert listed(api, cast.sysadmin, include_hidden=True) == [other["id"], spam["id"]]

    restored = api.ok("datarequest_moderate", cast.sysadmin, id=spam["id"], decision="restore")
    assert restored["hidden"] is False
    assert api.ok("datarequest_show", id=spam["id"])["title"] == SPAM["title"]


def test_hidden_requests_count_in_no_statistics(api, cast):
    ask(api, cast.stranger, organization_id="transport")
    spam = ask(api, cast.stranger, organization_id="transport", **SPAM)
    assert api.ok("datarequest_stats")["total"]["count"] == 2
    api.ok("datarequest_moderate", cast.sysadmin, id=spam["id"], decision="hide")
    stats = api.ok("datarequest_stats")
    assert stats["total"]["count"] == 1 and stats["departments"][0]["count"] == 1


def test_moderation_is_recorded_without_addresses(app, api, cast):
    spam = ask(api, cast.stranger, **SPAM)
    api.ok("datarequest_report", cast.member, id=spam["id"], reason="广告")
    api.ok("datarequest_moderate", cast.sysadmin, id=spam["id"], decision="hide")
    api.ok("datarequest_moderate", cast.sysadmin, id=spam["id"], decision="restore")
    session = app.extensions["portal.db"].session()
    rows = session.scalars(
        select(Activity).where(Activity.object_id == spam["id"]).order_by(Activity.timestamp)
    ).all()
    assert [(r.activity_type, r.user_id) for r in rows] == [
        ("new datarequest", cast.stranger.user.id),
        ("hidden datarequest", cast.sysadmin.user.id),
        ("restored datarequest", cast.sysadmin.user.id),
    ]
    logged = json.dumps([r.data for r in rows], ensure_ascii=False)
    assert SPAM["title"] in logged and "@" not in logged


def test_results_match_the_documented_schemas(api, cast, doc):
    request = ask(api, cast.stranger)
    api.ok("datarequest_report", cast.member, id=request["id"], reason="广告")
    for name, person, body in [
        ("datarequest_report", cast.editor, {"id": request["id"], "reason": "重复"}),
        ("datarequest_report_list", cast.sysadmin, {}),
        ("datarequest_moderate", cast.sysadmin, {"id": request["id"], "decision": "hide"}),
        ("datarequest_show", cast.sysadmin, {"id": request["id"]}),
        ("datarequest_list", cast.stranger, {"include_hidden": True}),
    ]:
        response = api.post(name, person, **body)
        assert response.status_code == 200, (name, response.get_json())
        assert response_errors(doc, name, 200, response.get_json()) == [], name


# --- pages --------------------------------------------------------------------------------------


def test_script_and_event_handlers_in_the_description_are_sanitized(api, client, cast):
    hostile = (
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[点我](javascript:alert(1)) 和 [公交数据](https://data.example.cn/)"
    )
    request = ask(api, cast.stranger, description=hostile, title="<b>公交</b>数据")
    page = client.get(f"/datarequest/{request['id']}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript' not in page and "<b>公交</b>" not in page
    assert "&lt;b&gt;公交&lt;/b&gt;数据" in page
    assert 'href="https://data.example.cn/"' in page
    listing = client.get("/datarequest").get_data(as_text=True)
    assert "<b>公交</b>" not in listing and "&lt;b&gt;公交&lt;/b&gt;数据" in listing


def test_report_button_fills_the_queue_and_hiding_closes_it(client, api, cast):
    spam = ask(api, cast.stranger, **SPAM)
    path = f"/datarequest/{spam['id']}"
    assert "登录后举报此数据需求" in text(client.get(path))
    login_as(client, cast.member)
    page = text(client.get(path))
    assert "举报此数据需求" in page and "隐藏" not in page
    token = csrf(client, path)
    done = text(client.post(f"{path}/report", data={"csrf_token": token, "reason": "代办证件广告"},
                            follow_redirects=True))  # fmt: skip
    assert "感谢举报" in done
    assert client.get("/datarequest/moderation").status_code == 403
    assert 'href="/datarequest/moderation"' not in text(client.get("/datarequest"))

    login_as(client, cast.sysadmin)
    assert 'href="/datarequest/moderation"' in text(client.get("/datarequest"))
    queue = text(client.get("/datarequest/moderation"))
    assert "数据需求审核" in queue and "低价代办各类证件" in queue and "代办证件广告" in queue
    token = csrf(client, "/datarequest/moderation")
    data = {"csrf_token": token, "decision": "hide", "next": "queue"}
    moved = client.post(f"{path}/moderate", data=data)
    assert moved.headers["Location"].endswith("/datarequest/moderation")
    assert "没有待处理的举报。" in text(client.get("/datarequest/moderation"))
    shown = text(client.get(path))
    assert "管理员已隐藏此数据需求" in shown and "恢复显示" in shown

    login_as(client, cast.member)
    assert client.get(path).status_code == 404
    assert "低价代办各类证件" not in text(client.get("/datarequest"))
    login_as(client, cast.stranger)
    assert "管理员已隐藏此数据需求" in text(client.get(path))
    assert "低价代办各类证件" in text(client.get("/datarequest"))  # the requester's own


def test_sysadmin_hides_and_restores_from_the_request_page(client, api, cast):
    request = ask(api, cast.stranger)
    path = f"/datarequest/{request['id']}"
    login_as(client, cast.sysadmin)
    token = csrf(client, path)
    page = text(client.post(f"{path}/moderate", data={"csrf_token": token, "decision": "hide"},
                            follow_redirects=True))  # fmt: skip
    assert "已隐藏该数据需求。" in page
    page = text(client.post(f"{path}/moderate", data={"csrf_token": token, "decision": "restore"},
                            follow_redirects=True))  # fmt: skip
    assert "该数据需求已恢复显示。" in page and "管理员已隐藏" not in page
    assert client.get(path).status_code == 200


def test_daily_limit_is_said_in_chinese_on_the_form(client, app, cast):
    app.extensions["portal.settings"].datarequest_daily_limit = 0
    login_as(client, cast.stranger)
    token = csrf(client, "/datarequest/new")
    page = text(client.post("/datarequest/new", data={"csrf_token": token, **BUS}))
    assert "您今天提交的数据需求已达上限，请明天再试。" in page
    assert 'value="公交车实时位置数据"' in page  # what was typed is kept


def test_moderation_pages_speak_english_when_asked(client, api, cast):
    spam = ask(api, cast.stranger, **SPAM)
    api.ok("datarequest_report", cast.member, id=spam["id"], reason="spam")
    login_as(client, cast.sysadmin)
    queue = text(client.get("/datarequest/moderation?lang=en"))
    assert "Data request moderation" in queue and "1 reported data request" in queue
    assert "Report this data request" in text(client.get(f"/datarequest/{spam['id']}?lang=en"))
