"""Feedback on datasets through the Action API: citizens comment, ask and report errors; the
department answers and closes; private datasets' feedback stays private; spam limits, abuse
reports and sysadmin moderation; response times in the statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import create_dataset

from portal.api.openapi import build_spec
from portal.feedback.models import Feedback, FeedbackReply
from tests import smtp_server
from tests.test_openapi_conformance import response_errors

inbox = smtp_server.inbox  # the fixture: a local SMTP server the app sends to
QUESTION = "这份数据多久更新一次？是否包含郊区线路？"
WRONG = "第 12 行的站点坐标明显有误，位于海里。"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_spec()


@pytest.fixture
def bus(app, cast) -> dict[str, Any]:
    return create_dataset(
        app,
        "bus-stops",
        cast.transport,
        title="公交站点",
        resources=[{"name": "站点表", "url": "https://data.example.gov.cn/stops.csv"}],
    )


def post(api, person, dataset="bus-stops", **fields: Any) -> dict[str, Any]:
    body = {"package_id": dataset, "kind": "question", "text": QUESTION, **fields}
    return api.ok("feedback_create", person, **body)


def error(response, status: int, kind: str) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["__type"] == kind, body
    return body["error"]


def test_citizen_asks_and_the_department_answers_then_closes(api, cast, bus):
    item = post(api, cast.stranger)
    assert item["state"] == "open" and item["user_name"] == "citizen"
    assert item["package_title"] == "公交站点" and item["organization_id"] == cast.transport.id
    answered = api.ok("feedback_reply", cast.editor, id=item["id"], text="每月更新，含郊区。")
    assert answered["state"] == "answered" and answered["response_time"] >= 0
    [reply] = answered["replies"]
    assert reply["official"] is True and reply["user_name"] == "transport-editor"
    thanks = api.ok("feedback_reply", cast.stranger, id=item["id"], text="谢谢！")
    assert [r["official"] for r in thanks["replies"]] == [True, False]
    assert thanks["answered"] == answered["answered"]
    closed = api.ok("feedback_close", cast.admin, id=item["id"])
    assert closed["state"] == "closed" and closed["closed"] is not None
    late = api.post("feedback_reply", cast.stranger, id=item["id"], text="还有一个问题")
    assert "id" in error(late, 409, "Validation Error")


def test_an_error_report_names_a_resource_of_the_dataset(api, cast, bus):
    resource = bus["resources"][0]
    item = post(api, cast.stranger, kind="wrong_data", text=WRONG, resource_id=resource["id"])
    assert item["kind"] == "wrong_data" and item["resource_name"] == "站点表"
    other = api.post(
        "feedback_create", cast.stranger, package_id="bus-stops", kind="broken_link",
        text="链接打不开", resource_id="no-such-resource",
    )  # fmt: skip
    assert "resource_id" in error(other, 409, "Validation Error")


def test_only_the_department_sysadmins_or_the_author_reply_and_close(api, cast, bus):
    item = post(api, cast.stranger)
    for person in (cast.outsider, cast.member):
        refused = api.post("feedback_reply", person, id=item["id"], text="我来答")
        error(refused, 403, "Authorization Error")
        error(api.post("feedback_close", person, id=item["id"]), 403, "Authorization Error")
    done = api.ok("feedback_close", cast.sysadmin, id=item["id"], text="已在新版本中修正。")
    assert done["state"] == "closed" and done["replies"][0]["official"] is True
    error(api.post("feedback_create", None, package_id="bus-stops", text="匿名"), 403,
          "Authorization Error")  # fmt: skip


def test_lists_by_dataset_department_and_state(api, app, cast, bus):
    create_dataset(app, "clinics", cast.health, title="社区诊所")
    first = post(api, cast.stranger)
    post(api, cast.member, kind="comment", text="很有用的数据")
    post(api, cast.stranger, dataset="clinics", kind="comment", text="希望增加营业时间")
    api.ok("feedback_reply", cast.editor, id=first["id"], text="已答复")
    listed = api.get("feedback_list", package_id="bus-stops").get_json()["result"]
    assert listed["count"] == 2 and listed["results"][0]["text"] == "很有用的数据"
    transport = api.get("feedback_list", organization_id="transport", state="open")
    assert [f["text"] for f in transport.get_json()["result"]["results"]] == ["很有用的数据"]
    health = api.get("feedback_list", organization_id="health").get_json()["result"]
    assert [f["package_name"] for f in health["results"]] == ["clinics"]
    assert api.get("feedback_list", kind="question").get_json()["result"]["count"] == 1
    unknown = api.get("feedback_list", organization_id="no-such-department")
    assert "organization_id" in error(unknown, 409, "Validation Error")


def test_feedback_on_a_private_dataset_is_seen_only_by_its_readers(api, app, cast):
    create_dataset(app, "internal-plan", cast.transport, title="内部规划", private=True)
    item = post(api, cast.member, dataset="internal-plan", text="内部讨论：口径需要统一")
    for person in (cast.anonymous, cast.stranger, cast.outsider):
        response = api.post("feedback_show", person, id=item["id"])
        assert error(response, 404, "Not Found Error")["message"] == "Feedback not found"
        everything = api.get("feedback_list", person).get_json()["result"]
        assert everything["count"] == 0
        stats = api.get("feedback_stats", person).get_json()["result"]
        assert stats["total"]["count"] == 0
        refused = api.post("feedback_create", person, package_id="internal-plan", text="看看")
        assert refused.status_code in (403, 404)
    assert api.ok("feedback_show", cast.editor, id=item["id"])["text"].startswith("内部讨论")
    assert api.get("feedback_list", cast.member).get_json()["result"]["count"] == 1


def test_posting_is_limited_per_user_per_hour(api, app, cast, bus):
    app.extensions["portal.settings"].feedback_per_hour = 2
    item = post(api, cast.stranger)
    api.ok("feedback_reply", cast.stranger, id=item["id"], text="补充：主要是 5 路车")
    refused = api.post("feedback_create", cast.stranger, package_id="bus-stops", text="第三条")
    assert error(refused, 409, "Validation Error")["text"] == [
        "You have posted too much feedback in the last hour; try again later."
    ]
    # The department's answers are not limited, and an hour later the author may post again.
    for text in ("答复一", "答复二", "答复三"):
        api.ok("feedback_reply", cast.editor, id=item["id"], text=text)
    session = app.extensions["portal.db"].session()
    session.get(Feedback, item["id"]).created -= timedelta(hours=2)
    for reply in session.query(FeedbackReply).filter_by(user_id=cast.stranger.user.id):
        reply.created -= timedelta(hours=2)
    session.commit()
    post(api, cast.stranger, text="一小时后再问")


def test_text_has_a_maximum_length_and_a_kind_from_the_list(api, cast, bus):
    long = api.post("feedback_create", cast.stranger, package_id="bus-stops", text="长" * 5001)
    assert "text" in error(long, 409, "Validation Error")
    blank = api.post("feedback_create", cast.stranger, package_id="bus-stops", text="   ")
    assert "text" in error(blank, 409, "Validation Error")
    kind = api.post("feedback_create", cast.stranger, package_id="bus-stops", kind="spam", text="x")
    assert "kind" in error(kind, 409, "Validation Error")
    missing = api.post("feedback_create", cast.stranger, package_id="no-such-dataset", text="x")
    error(missing, 404, "Not Found Error")


def test_reports_queue_items_for_sysadmins_who_hide_and_restore(api, cast, bus):
    spam = post(api, cast.stranger, kind="comment", text="低价代办发票，加微信 123")
    for person in (cast.member, cast.member, cast.editor):
        api.ok("feedback_report", person, id=spam["id"], reason="广告")
    error(api.get("feedback_list", cast.editor, reported="true"), 403, "Authorization Error")
    queue = api.get("feedback_list", cast.sysadmin, reported="true").get_json()["result"]
    assert [(f["id"], f["report_count"]) for f in queue["results"]] == [(spam["id"], 2)]
    error(api.post("feedback_moderate", cast.editor, id=spam["id"], moderation="hide"), 403,
          "Authorization Error")  # fmt: skip
    hidden = api.ok("feedback_moderate", cast.sysadmin, id=spam["id"], moderation="hide")
    assert hidden["hidden"] is True
    error(api.post("feedback_show", cast.stranger, id=spam["id"]), 404, "Not Found Error")
    assert api.get("feedback_list", package_id="bus-stops").get_json()["result"]["count"] == 0
    restored = api.ok("feedback_moderate", cast.sysadmin, id=spam["id"], moderation="restore")
    assert restored["hidden"] is False and restored["report_count"] == 0


def test_a_sysadmin_hides_one_reply_of_a_thread(api, cast, bus):
    item = post(api, cast.stranger)
    replied = api.ok("feedback_reply", cast.stranger, id=item["id"], text="垃圾广告回复")
    reply_id = replied["replies"][0]["id"]
    api.ok("feedback_moderate", cast.sysadmin, id=item["id"], reply_id=reply_id, moderation="hide")
    assert api.ok("feedback_show", cast.anonymous, id=item["id"])["replies"] == []
    assert api.ok("feedback_show", cast.sysadmin, id=item["id"])["replies"][0]["hidden"] is True
    wrong = api.post("feedback_moderate", cast.sysadmin, id=item["id"], reply_id="x",
                     moderation="hide")  # fmt: skip
    assert "reply_id" in error(wrong, 409, "Validation Error")


def test_stats_count_states_and_the_median_response_time_per_department(api, app, cast, bus):
    create_dataset(app, "clinics", cast.health, title="社区诊所")
    items = [post(api, cast.stranger, text=f"问题 {n}") for n in range(3)]
    post(api, cast.member, dataset="clinics", text="诊所问题")
    session = app.extensions["portal.db"].session()
    for item, hours in zip(items, (1, 2, 6), strict=True):
        session.get(Feedback, item["id"]).created -= timedelta(hours=hours)
    session.commit()
    for item in items:
        api.ok("feedback_reply", cast.editor, id=item["id"], text="已答复")
    api.ok("feedback_close", cast.editor, id=items[0]["id"])
    stats = api.get("feedback_stats").get_json()["result"]
    assert stats["total"]["count"] == 4 and stats["total"]["open"] == 1
    transport, health = stats["departments"]
    assert transport["organization_title"] == "省交通运输厅"
    assert (transport["answered"], transport["closed"], transport["open"]) == (2, 1, 0)
    assert abs(transport["median_response_time"] - 2 * 3600) < 60
    assert health["median_response_time"] is None and health["open"] == 1
    only = api.get("feedback_stats", organization_id="health").get_json()["result"]
    assert [d["organization_name"] for d in only["departments"]] == ["health"]


def test_steps_are_recorded_as_activity(api, app, cast, bus):
    from portal.catalog.models import Activity

    item = post(api, cast.stranger)
    api.ok("feedback_reply", cast.editor, id=item["id"], text="已答复")
    api.ok("feedback_moderate", cast.sysadmin, id=item["id"], moderation="hide")
    session = app.extensions["portal.db"].session()
    rows = session.query(Activity).filter_by(object_id=item["id"]).all()
    assert {(a.activity_type, a.user_id) for a in rows} == {
        ("new feedback", cast.stranger.user.id),
        ("replied feedback", cast.editor.user.id),
        ("hidden feedback", cast.sysadmin.user.id),
    }


def test_results_match_the_documented_schemas(api, cast, bus, doc):
    item = post(api, cast.stranger)
    calls = [
        ("feedback_show", cast.anonymous, {"id": item["id"]}),
        ("feedback_list", cast.anonymous, {"package_id": "bus-stops"}),
        ("feedback_reply", cast.editor, {"id": item["id"], "text": "已答复"}),
        ("feedback_report", cast.member, {"id": item["id"]}),
        ("feedback_moderate", cast.sysadmin, {"id": item["id"], "moderation": "restore"}),
        ("feedback_close", cast.editor, {"id": item["id"]}),
        ("feedback_stats", cast.anonymous, {}),
    ]
    for name, person, body in calls:
        response = api.post(name, person, **body)
        assert response.status_code == 200, (name, response.get_json())
        assert response_errors(doc, name, 200, response.get_json()) == [], name


def test_the_departments_editors_are_mailed_new_feedback(api, app, cast, bus, inbox):
    item = post(api, cast.stranger, kind="wrong_data", text=WRONG)
    messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == [
        "transport-admin@example.gov.cn",
        "transport-editor@example.gov.cn",
    ]
    body = messages[0].get_content()
    assert messages[0]["Subject"].startswith("数据集「公交站点」收到新的反馈")
    assert body.index("数据有误") < body.index("wrong data") and WRONG in body
    assert f"/dataset/bus-stops#feedback-{item['id']}" in body
    assert len(inbox.messages) == 2  # members and outsiders are not told
