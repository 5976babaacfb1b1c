"""Feedback pages through the Flask test client: the dataset page's feedback section (posting,
the department's answer and closing, sanitized text), the follow button, the department's
feedback dashboard, the sysadmins' moderation queue, and both languages."""

from __future__ import annotations

from conftest import create_dataset

from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf

QUESTION = "这份数据多久更新一次？"
PAGE = "/dataset/bus-stops"


def bus(app, cast):
    return create_dataset(
        app, "bus-stops", cast.transport, title="公交站点",
        resources=[{"name": "站点表", "url": "https://data.example.gov.cn/stops.csv"}],
    )  # fmt: skip


def ask(api, person, text=QUESTION, kind="question"):
    return api.ok("feedback_create", person, package_id="bus-stops", kind=kind, text=text)


def test_anonymous_visitor_reads_feedback_and_is_asked_to_log_in(client, api, app, cast):
    bus(app, cast)
    ask(api, cast.stranger)
    page = text(client.get(PAGE))
    assert "意见反馈" in page and QUESTION in page and "提问" in page and "待答复" in page
    assert "登录后可提交反馈或关注此数据集。" in page
    assert 'action="/dataset/bus-stops/feedback"' not in page
    assert "/dataset/bus-stops/activity.atom" in page


def test_signed_in_user_posts_feedback_on_a_resource(client, app, cast):
    dataset = bus(app, cast)
    login_as(client, cast.stranger)
    token = csrf(client, PAGE)
    resource = dataset["resources"][0]["id"]
    data = {"csrf_token": token, "kind": "wrong_data", "text": "坐标有误", "resource": resource}
    done = client.post(f"{PAGE}/feedback", data=data, follow_redirects=True)
    page = text(done)
    assert "谢谢，您的反馈已发布。" in page and "数据有误 · 站点表" in page and "坐标有误" in page
    blank = client.post(f"{PAGE}/feedback", data={**data, "text": " "}, follow_redirects=True)
    assert "缺少必填值" in text(blank)


def test_feedback_text_is_rendered_sanitized(client, api, app, cast):
    bus(app, cast)
    ask(api, cast.stranger, text="**重要** <script>alert(1)</script> [链接](javascript:alert(2))")
    page = text(client.get(PAGE))
    assert "<strong>重要</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert 'href="javascript:' not in page


def test_the_department_answers_and_closes_from_the_dataset_page(client, api, app, cast):
    bus(app, cast)
    item = ask(api, cast.stranger)
    login_as(client, cast.outsider)
    assert "发布答复" not in text(client.get(PAGE))
    login_as(client, cast.editor)
    token = csrf(client, PAGE)
    reply = f"/feedback/{item['id']}/reply"
    page = text(client.post(reply, data={"csrf_token": token, "text": "每月更新。"},
                            follow_redirects=True))  # fmt: skip
    assert "部门答复" in page and "每月更新。" in page and "已答复" in page
    data = {"csrf_token": token, "text": "", "close": "true"}
    page = text(client.post(reply, data=data, follow_redirects=True))
    assert "反馈已关闭。" in page and "已关闭" in page
    assert api.ok("feedback_show", id=item["id"])["state"] == "closed"


def test_the_follow_button_follows_and_unfollows(client, api, app, cast):
    bus(app, cast)
    login_as(client, cast.stranger)
    token = csrf(client, PAGE)
    page = text(client.post(f"{PAGE}/follow", data={"csrf_token": token}, follow_redirects=True))
    assert "您已关注此数据集" in page and "取消关注" in page and "1 位关注者" in page
    data = {"csrf_token": token, "unfollow": "true"}
    page = text(client.post(f"{PAGE}/follow", data=data, follow_redirects=True))
    assert "您已取消关注此数据集。" in page and "0 位关注者" in page


def test_the_department_dashboard_lists_open_feedback_of_its_datasets(client, api, app, cast):
    bus(app, cast)
    create_dataset(app, "clinics", cast.health, title="社区诊所")
    ask(api, cast.stranger)
    api.ok("feedback_create", cast.stranger, package_id="clinics", text="诊所营业时间？")
    login_as(client, cast.editor)
    page = text(client.get("/dashboard/feedback"))
    assert "1 条待答复的反馈" in page and QUESTION in page and "诊所营业时间" not in page
    assert 'href="/dashboard/feedback"' in text(client.get("/dashboard"))


def test_sysadmins_moderate_reported_feedback(client, api, app, cast):
    bus(app, cast)
    spam = ask(api, cast.stranger, text="低价代办发票", kind="comment")
    login_as(client, cast.member)
    token = csrf(client, PAGE)
    client.post(f"/feedback/{spam['id']}/report", data={"csrf_token": token})
    assert client.get("/admin/feedback").status_code == 403
    login_as(client, cast.sysadmin)
    queue = text(client.get("/admin/feedback"))
    assert "1 条被举报的反馈" in queue and "低价代办发票" in queue
    data = {"csrf_token": csrf(client, "/admin/feedback"), "moderation": "hide", "next": "queue"}
    done = client.post(f"/feedback/{spam['id']}/moderate", data=data)
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/feedback")
    assert "已隐藏" in text(client.get("/admin/feedback"))
    client.get("/user/logout")
    assert "低价代办发票" not in text(client.get(PAGE))
    login_as(client, cast.sysadmin)
    client.post(f"/feedback/{spam['id']}/moderate", data={**data, "moderation": "restore"})
    assert "没有被举报的内容。" in text(client.get("/admin/feedback"))
    assert "低价代办发票" in text(client.get(PAGE))


def test_the_section_speaks_english_when_asked(client, api, app, cast):
    bus(app, cast)
    ask(api, cast.stranger)
    page = text(client.get(f"{PAGE}?lang=en"))
    assert "Feedback" in page and "Question" in page and "Log in to give feedback" in page


def test_the_department_page_has_a_follow_button(client, api, cast):
    login_as(client, cast.stranger)
    path = "/organization/transport"
    token = csrf(client, path)
    page = text(client.post(f"{path}/follow", data={"csrf_token": token}, follow_redirects=True))
    assert "您已关注此部门" in page and "1 位关注者" in page and "取消关注" in page
    assert api.ok("am_following_group", cast.stranger, id="transport") is True
    data = {"csrf_token": token, "unfollow": "true"}
    page = text(client.post(f"{path}/follow", data=data, follow_redirects=True))
    assert "您已取消关注此部门。" in page and "0 位关注者" in page
