"""Following datasets and departments: CKAN's follow actions, mail to followers when a followed
dataset gets a new version (a real local SMTP server), the signed unsubscribe link, and the
Atom feeds (a dataset's, and each follower's behind a token); private datasets never leak."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from conftest import create_dataset

from tests import smtp_server
from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf

inbox = smtp_server.inbox  # the fixture: a local SMTP server the app sends to
ATOM = "{http://www.w3.org/2005/Atom}"


def bus(app, cast, name="bus-routes", **fields):
    return create_dataset(
        app, name, cast.transport, title="公交线路", title_en="Bus routes", **fields
    )


def add_file(api, person, dataset="bus-routes", name="2025 年线路表"):
    return api.ok(
        "resource_create", person, package_id=dataset, name=name,
        url="https://data.example.gov.cn/routes-2025.csv", format="CSV",
    )  # fmt: skip


def entries(response):
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]


def test_follow_actions_follow_ckan(api, app, cast):
    dataset = bus(app, cast)
    assert api.ok("am_following_dataset", cast.stranger, id="bus-routes") is False
    followed = api.ok("follow_dataset", cast.stranger, id="bus-routes")
    assert followed["object_id"] == dataset["id"] and followed["follower_id"]
    api.ok("follow_dataset", cast.stranger, id="bus-routes")  # again: still one follow
    assert api.ok("dataset_follower_count", cast.anonymous, id="bus-routes") == 1
    assert api.ok("am_following_dataset", cast.stranger, id="bus-routes") is True
    assert [d["name"] for d in api.ok("dataset_followee_list", cast.stranger)] == ["bus-routes"]
    listed = api.post("dataset_follower_list", cast.stranger, id="bus-routes")
    assert listed.status_code == 403
    users = api.ok("dataset_follower_list", cast.sysadmin, id="bus-routes")
    assert [u["name"] for u in users] == ["citizen"]
    assert api.ok("unfollow_dataset", cast.stranger, id="bus-routes") is None
    again = api.post("unfollow_dataset", cast.stranger, id="bus-routes")
    assert again.status_code == 404
    assert api.post("follow_dataset", None, id="bus-routes").status_code == 403
    other = api.post("dataset_followee_list", cast.member, id="citizen")
    assert other.status_code == 403


def test_private_datasets_cannot_be_followed_or_counted_by_outsiders(api, app, cast):
    create_dataset(app, "staff-rota", cast.transport, title="内部排班", private=True)
    for name in ("follow_dataset", "dataset_follower_count"):
        response = api.post(name, cast.outsider, id="staff-rota")
        assert response.status_code == 404 and response.get_json()["error"]["__type"] == (
            "Not Found Error"
        )
    api.ok("follow_dataset", cast.member, id="staff-rota")  # a reader of it may
    api.ok("package_patch", cast.sysadmin, id="staff-rota", owner_org="health")
    assert api.ok("dataset_followee_list", cast.member) == []  # no longer readable: not listed


def test_departments_are_followed_as_groups(api, cast):
    api.ok("follow_group", cast.stranger, id="transport")
    assert api.ok("am_following_group", cast.stranger, id="transport") is True
    assert api.ok("organization_follower_count", id="transport") == 1
    assert api.ok("group_follower_count", id="transport") == 1
    assert [o["title"] for o in api.ok("organization_followee_list", cast.stranger)] == [
        "省交通运输厅"
    ]
    assert api.ok("unfollow_group", cast.stranger, id="transport") is None
    assert api.post("follow_group", cast.stranger, id="no-such-department").status_code == 404


def test_followers_get_a_bilingual_mail_when_a_resource_is_added(api, app, cast, inbox):
    bus(app, cast)
    create_dataset(app, "taxi-ranks", cast.transport, title="出租车停靠点")
    api.ok("follow_dataset", cast.stranger, id="bus-routes")
    api.ok("follow_dataset", cast.editor, id="bus-routes")  # the one who changes it: no mail
    add_file(api, cast.editor, dataset="taxi-ranks")  # followed by no one: no mail
    add_file(api, cast.editor)
    [message] = inbox.wait_for(1)
    assert message["To"] == "citizen@example.gov.cn"
    assert message["Subject"].startswith("您关注的数据集有更新：公交线路")
    body = message.get_content()
    assert body.index("新增资源：2025 年线路表") < body.index("New resources: 2025 年线路表")
    assert "https://data.example.gov.cn/dataset/bus-routes" in body
    assert len(inbox.messages) == 1


def test_department_followers_hear_of_its_datasets_but_not_private_ones(api, app, cast, inbox):
    bus(app, cast)
    create_dataset(app, "staff-rota", cast.transport, title="内部排班", private=True)
    api.ok("follow_group", cast.stranger, id="transport")
    add_file(api, cast.editor, dataset="staff-rota", name="排班表")
    api.ok("package_patch", cast.editor, id="bus-routes", notes="更新了线路说明。")
    [message] = inbox.wait_for(1)
    assert "数据集的元数据已更新。" in message.get_content()
    assert "内部排班" not in message.get_content() and len(inbox.messages) == 1


def test_the_unsubscribe_link_stops_the_mails(api, app, client, cast, inbox):
    bus(app, cast)
    api.ok("follow_dataset", cast.stranger, id="bus-routes")
    add_file(api, cast.editor)
    [message] = inbox.wait_for(1)
    link = re.search(
        r"https://data\.example\.gov\.cn(/follow/unsubscribe\?\S+)", message.get_content()
    )
    path = link.group(1)
    page = client.get(path)
    assert page.status_code == 200 and "退订" in text(page)
    assert api.ok("am_following_dataset", cast.stranger, id="bus-routes") is True
    query = dict(p.split("=", 1) for p in urlsplit(path).query.split("&"))
    forged = client.post(
        "/follow/unsubscribe", data={**query, "s": "0" * 32, "csrf_token": csrf(client, path)}
    )
    assert forged.status_code == 404
    done = client.post("/follow/unsubscribe", data={**query, "csrf_token": csrf(client, path)})
    assert done.status_code == 200
    assert api.ok("am_following_dataset", cast.stranger, id="bus-routes") is False


def test_dataset_atom_feed_lists_changes_of_public_datasets_only(api, app, client, cast):
    bus(app, cast)
    add_file(api, cast.editor)
    titles = entries(client.get("/dataset/bus-routes/activity.atom"))
    assert titles[0] == "数据集更新 / Dataset updated: 公交线路"
    assert titles[-1] == "新数据集 / New dataset: 公交线路" and len(titles) == 2
    create_dataset(app, "staff-rota", cast.transport, title="内部排班", private=True)
    assert client.get("/dataset/staff-rota/activity.atom").status_code == 404
    login_as(client, cast.member)  # a reader of the private dataset: still no public feed
    assert client.get("/dataset/staff-rota/activity.atom").status_code == 404


def test_each_users_feed_needs_its_token_and_hides_private_datasets(api, app, client, cast):
    bus(app, cast)
    create_dataset(app, "staff-rota", cast.transport, title="内部排班")
    api.ok("follow_dataset", cast.member, id="staff-rota")
    api.ok("follow_dataset", cast.member, id="bus-routes")
    add_file(api, cast.editor)
    api.ok("package_patch", cast.editor, id="staff-rota", private=True)
    login_as(client, cast.member)
    page = text(client.get("/dashboard/feedback"))
    feed = re.search(r'href="http://localhost(/user/transport-member/feed\.atom\?token=\w+)"', page)
    client.get("/user/logout")
    titles = entries(client.get(feed.group(1)))
    assert titles and all("公交线路" in t for t in titles)
    assert not any("内部排班" in t for t in titles)
    assert client.get("/user/transport-member/feed.atom?token=wrong").status_code == 404
    assert client.get("/user/citizen/feed.atom?" + feed.group(1).split("?")[1]).status_code == 404
    changes = api.ok("dashboard_activity_list", cast.member)
    assert {a["object_id"] for a in changes} == {api.ok("package_show", id="bus-routes")["id"]}


def test_a_replaced_file_is_named_in_the_mail(api, app, cast, inbox):
    bus(app, cast)
    resource = add_file(api, cast.editor)
    api.ok("follow_dataset", cast.stranger, id="bus-routes")
    new_url = "https://data.example.gov.cn/routes-2026.csv"
    api.ok("resource_patch", cast.editor, id=resource["id"], url=new_url)
    [message] = inbox.wait_for(1)
    assert "资源文件已更新：2025 年线路表" in message.get_content()
