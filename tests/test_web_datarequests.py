"""Data request pages through the Flask test client: the public list, asking with field-keyed
errors, supporting and withdrawing, the department's answer, deleting, and both languages."""

from __future__ import annotations

import re

from conftest import create_dataset

from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf, field_error

BUS = {"title": "公交车实时位置数据", "description": "希望开放全省公交车辆的实时位置。"}


def ask(api, person, **fields):
    return api.ok("datarequest_create", person, **{**BUS, **fields})


def test_anonymous_visitor_reads_the_list_and_a_request(client, api, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    listing = text(client.get("/datarequest"))
    assert "公交车实时位置数据" in listing and "省交通运输厅" in listing
    page = text(client.get(f"/datarequest/{request['id']}"))
    assert "希望开放全省公交车辆的实时位置。" in page
    assert "登录后支持此需求" in page
    assert client.get("/datarequest/no-such-request").status_code == 404


def test_asking_needs_a_login(client):
    response = client.get("/datarequest/new")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_signed_in_user_asks_and_sees_field_errors(client, cast):
    login_as(client, cast.stranger)
    token = csrf(client, "/datarequest/new")
    refused = client.post(
        "/datarequest/new",
        data={"csrf_token": token, "title": " ", "description": BUS["description"]},
    )
    assert field_error(text(refused), "title") == "缺少必填值"
    created = client.post(
        "/datarequest/new",
        data={"csrf_token": token, **BUS, "organization": "transport"},
    )
    assert created.status_code == 302
    page = text(client.get(created.headers["Location"]))
    assert "公交车实时位置数据" in page and "向省交通运输厅提出" in page


def test_support_button_counts_once_and_can_be_withdrawn(client, api, cast):
    request = ask(api, cast.stranger)
    path = f"/datarequest/{request['id']}"
    login_as(client, cast.member)
    token = csrf(client, path)
    for _ in range(2):
        client.post(f"{path}/support", data={"csrf_token": token})
    page = text(client.get(path))
    assert "1 位支持者" in page and "撤回我的支持" in page
    client.post(f"{path}/support", data={"csrf_token": token, "withdraw": "true"})
    assert "0 位支持者" in text(client.get(path))


def test_department_editor_answers_with_a_dataset(client, api, app, cast):
    create_dataset(app, "bus-positions", cast.transport, title="公交车实时位置")
    request = ask(api, cast.stranger, organization_id="transport")
    path = f"/datarequest/{request['id']}"
    login_as(client, cast.outsider)
    assert "答复此需求" not in text(client.get(path))
    login_as(client, cast.editor)
    token = csrf(client, path)
    data = {"csrf_token": token, "state": "published", "dataset": "no-such-dataset"}
    page = text(client.post(f"{path}/answer", data=data, follow_redirects=True))
    assert "没有该 ID 或名称的公开数据集。" in page
    data["dataset"] = "bus-positions"
    page = text(client.post(f"{path}/answer", data=data, follow_redirects=True))
    assert "已开放" in page and 'href="/dataset/bus-positions"' in page


def test_requester_deletes_an_open_request(client, api, cast):
    request = ask(api, cast.stranger)
    path = f"/datarequest/{request['id']}"
    login_as(client, cast.stranger)
    token = csrf(client, path)
    response = client.post(f"{path}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/datarequest")
    assert client.get(path).status_code == 404


def test_pages_speak_english_when_asked(client, api, cast):
    request = ask(api, cast.stranger)
    english = text(client.get(f"/datarequest/{request['id']}?lang=en"))
    assert '<html lang="en">' in english and "Waiting for an answer" in english
    listing = text(client.get("/datarequest?lang=en&state=open&sort=most_supported"))
    assert re.search(r"1 data request\b", listing)


def test_list_shows_how_each_department_responds(client, api, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    ask(api, cast.stranger, organization_id="transport")
    api.ok("datarequest_answer", cast.editor, id=request["id"], state="planned")
    listing = text(client.get("/datarequest"))
    assert "各部门的答复情况" in listing
    cells = re.sub(r"<[^>]+>", " ", listing.split("各部门的答复情况")[1])
    row = re.search(r"省交通运输厅\s+(\d+)\s+(\d+)\s+([\d.]+)", cells)
    assert row is not None and row.groups()[:2] == ("2", "1"), listing
