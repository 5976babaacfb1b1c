"""Conditional opening pages through the Flask test client: the dataset page's "Apply for
access" box instead of download buttons, applying with field errors, the applicant's list,
the department's review queue with approve and reject, and the grants list with revoke."""

from __future__ import annotations

import re

from datastore_support import settings  # noqa: F401

from tests.test_conditional_access import APPLICATION, apply, conditional, download
from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf, field_error

FORM = {k: str(v) for k, v in APPLICATION.items() if k != "commitment"}


def test_anonymous_visitors_read_the_metadata_and_are_asked_to_log_in(client, api, cast):
    dataset, resource = conditional(api, cast)
    page = text(client.get(f"/dataset/{dataset['name']}"))
    assert "全省公交车辆实时位置" in page and "有条件开放数据" in page
    assert "经申请并签署数据安全承诺后开放" in page
    assert "登录后申请使用" in page
    assert resource["url"].split("/dataset/", 1)[1] not in page  # no download button
    resource_page = text(client.get(f"/dataset/{dataset['name']}/resource/{resource['id']}"))
    assert "登录后申请使用" in resource_page and "沪A-1001" not in resource_page


def test_unconditional_datasets_keep_their_download_buttons(client, api, cast):
    dataset, resource = conditional(api, cast, name="bus-lines", open_type="unconditional",
                                    resource_code="1010010001/000008")  # fmt: skip
    page = text(client.get(f"/dataset/{dataset['name']}"))
    assert "有条件开放数据" not in page and 'download>下载' in page


def test_a_signed_in_user_applies_from_the_dataset_page(client, api, cast):
    dataset, _resource = conditional(api, cast)
    path = f"/dataset/{dataset['name']}"
    login_as(client, cast.stranger)
    page = text(client.get(path))
    assert "申请使用" in page and 'for="field-purpose"' in page and "我承诺保障数据安全" in page
    token = csrf(client, path)
    refused = client.post(f"{path}/access", data={"csrf_token": token, **FORM, "purpose": " "})
    assert refused.status_code == 200
    body = text(refused)
    assert field_error(body, "purpose") == "缺少必填值"
    assert field_error(body, "commitment") == "申请前须接受数据安全承诺。"
    sent = client.post(f"{path}/access", data={"csrf_token": token, **FORM, "commitment": "on"})
    assert sent.status_code == 302 and sent.headers["Location"] == "/access/mine"
    mine = text(client.get("/access/mine"))
    assert "全省公交车辆实时位置" in mine and "审核中" in mine and "申请 90 天" in mine
    assert "您的申请正在审核中" in text(client.get(path))


def test_the_department_approves_from_its_queue_and_the_file_is_served(client, api, cast):
    dataset, resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    login_as(client, cast.editor)
    queue = text(client.get("/access/review"))
    assert "某某科技有限公司" in queue and "开发公交到站提醒小程序" in queue
    token = csrf(client, "/access/review")
    done = client.post(f"/access/{request['id']}/approve", data={"csrf_token": token, "days": "7"})
    assert done.status_code == 302
    assert "申请已批准。" in text(client.get(done.headers["Location"]))
    login_as(client, cast.stranger)
    assert download(api, resource).status_code == 200
    page = text(client.get(f"/dataset/{dataset['name']}"))
    assert "您可以使用此数据集的文件和数据。" in page and "download>下载" in page
    assert "沪A-1001" in text(client.get(f"/dataset/{dataset['name']}/resource/{resource['id']}"))


def test_rejecting_needs_a_reason_and_strangers_cannot_decide(client, api, cast):
    dataset, _resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    login_as(client, cast.editor)
    token = csrf(client, "/access/review")
    blank = client.post(f"/access/{request['id']}/reject", data={"csrf_token": token})
    assert "缺少必填值" in text(client.get(blank.headers["Location"]))
    client.post(f"/access/{request['id']}/reject",
                data={"csrf_token": token, "reason": "用途不符合开放条件"})  # fmt: skip
    assert "未通过" in text(client.get("/access/review?state=rejected"))
    login_as(client, cast.outsider)
    other = apply(api, cast.stranger, dataset, days=30)
    queue = text(client.get("/access/review"))
    assert "某某科技有限公司" not in queue and "暂无申请。" in queue
    token = csrf(client, "/access/review")
    assert client.post(f"/access/{other['id']}/approve",
                       data={"csrf_token": token}).status_code == 404  # fmt: skip


def test_the_grants_list_revokes_at_once(client, api, cast):
    dataset, resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    grant = api.ok("access_request_approve", cast.admin, id=request["id"])["grant"]
    login_as(client, cast.stranger)
    own = text(client.get("/access/grants"))
    assert "全省公交车辆实时位置" in own and "有效" in own and "撤销理由" not in own
    login_as(client, cast.admin)
    listing = text(client.get("/access/grants"))
    assert 'for="revoke-reason-' in listing and "citizen" in listing
    token = csrf(client, "/access/grants")
    done = client.post(f"/access/grant/{grant['id']}/revoke",
                       data={"csrf_token": token, "reason": "项目结束"})  # fmt: skip
    assert "授权已撤销" in text(client.get(done.headers["Location"]))
    assert re.search(r"<td>已撤销</td>", text(client.get("/access/grants")))
    login_as(client, cast.stranger)  # the browser session of the former holder
    assert download(api, resource).status_code == 403


def test_pages_need_a_login_and_the_dashboard_links_them(client, cast):
    for path in ("/access/mine", "/access/review", "/access/grants"):
        response = client.get(path)
        assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    login_as(client, cast.editor)
    dashboard = text(client.get("/dashboard"))
    for path in ("/access/mine", "/access/review", "/access/grants"):
        assert f'href="{path}"' in dashboard


def test_pages_in_english(client, api, cast):
    dataset, _resource = conditional(api, cast)
    client.set_cookie("lang", "en")
    page = text(client.get(f"/dataset/{dataset['name']}", headers={"Accept-Language": "en"}))
    assert "Conditionally open data" in page and "Log in to apply for access" in page
