"""Conditional opening through the API: a conditionally open dataset's metadata is public but
its file, preview, DataStore rows and dumps are refused to everyone but its department,
sysadmins and holders of a grant; a signed-in user applies, the department approves or
rejects, and a grant stops working as soon as it expires or is revoked. Every step is in the
activity log and mailed (a real local SMTP server)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from datastore_support import settings  # noqa: F401  (PostgreSQL DataStore on PG runs)
from sqlalchemy import select

from portal.access.models import AccessGrant, AccessRequest
from portal.api.openapi import build_spec
from portal.catalog.models import Activity
from portal.config import Settings
from portal.database import utcnow
from tests import smtp_server
from tests.test_openapi_conformance import response_errors

inbox = smtp_server.inbox

BUS_CSV = "车辆编号,线路,经度,纬度\n沪A-1001,71路,121.47,31.23\n沪A-1002,49路,121.44,31.20\n"
GOV = {
    "name": "bus-positions",
    "title": "全省公交车辆实时位置",
    "type": "cn-gov",
    "owner_org": "transport",
    "resource_category": "basic",
    "category_code": "1010010001",
    "resource_code": "1010010001/000007",
    "share_type": "conditional",
    "share_condition": "仅限交通出行服务使用",
    "share_method": ["download", "api"],
    "open_to_public": "yes",
    "open_type": "conditional",
    "open_condition": "经申请并签署数据安全承诺后开放",
    "update_cycle": "realtime",
}
APPLICATION = {
    "purpose": "开发公交到站提醒小程序",
    "scenario": "面向市民的出行服务，仅展示车辆位置",
    "organization": "某某科技有限公司",
    "days": 90,
    "commitment": True,
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_spec()


def upload(api, person, dataset_id: str, name: str, data: str) -> dict[str, Any]:
    response = api.client.post(
        "/api/3/action/resource_create",
        data={"package_id": dataset_id, "upload": (io.BytesIO(data.encode()), name)},
        headers=person.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def download(api, resource, person=None):
    path = resource["url"].split("://", 1)[1].split("/", 1)[1]
    return api.client.get(f"/{path}", headers=person.headers if person else {})


def dump(api, resource, person=None):
    return api.client.get(
        f"/datastore/dump/{resource['id']}", headers=person.headers if person else {}
    )


def conditional(api, cast, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    dataset = api.ok("package_create", cast.editor, **{**GOV, **fields})
    return dataset, upload(api, cast.editor, dataset["id"], "车辆位置.csv", BUS_CSV)


def apply(api, person, dataset, **fields: Any) -> dict[str, Any]:
    return api.ok("access_request_create", person, dataset_id=dataset["name"],
                  **{**APPLICATION, **fields})  # fmt: skip


def error(response, status: int, kind: str) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["__type"] == kind, body
    return body["error"]


def uses_data(api, resource, person) -> bool:
    """Whether every guarded read succeeds for `person`; asserts they agree."""
    codes = {
        download(api, resource, person).status_code,
        dump(api, resource, person).status_code,
        api.post("datastore_search", person, resource_id=resource["id"]).status_code,
        api.post("resource_preview_show", person, id=resource["id"]).status_code,
    }
    assert len(codes) == 1, codes
    return codes == {200}


def test_metadata_is_public_but_the_data_is_refused_with_how_to_apply(api, cast):
    dataset, resource = conditional(api, cast)
    shown = api.ok("package_show", id=dataset["name"])
    assert shown["title"] == "全省公交车辆实时位置" and shown["open_type"] == "conditional"
    assert shown["resources"][0]["name"] == "车辆位置.csv"
    assert shown["resources"][0]["access"] == {"conditional": True, "granted": False}
    refused = download(api, resource)
    assert refused.status_code == 403 and "有条件开放" in refused.get_data(as_text=True)
    message = error(api.post("datastore_search", resource_id=resource["id"]), 403,
                    "Authorization Error")["message"]  # fmt: skip
    assert "conditionally open" in message and "access_request_create" in message
    error(api.post("resource_preview_show", id=resource["id"]), 403, "Authorization Error")
    sql = f'SELECT * FROM "{resource["id"]}"'
    error(api.post("datastore_search_sql", cast.stranger, sql=sql), 403, "Authorization Error")
    error(api.post("datastore_info", cast.stranger, id=resource["id"]), 403,
          "Authorization Error")  # fmt: skip
    assert dump(api, resource).status_code == 403
    assert not uses_data(api, resource, cast.stranger)
    assert not uses_data(api, resource, cast.outsider)


def test_the_department_and_sysadmins_use_the_data_without_applying(api, cast):
    _dataset, resource = conditional(api, cast)
    for person in (cast.member, cast.editor, cast.sysadmin):
        assert uses_data(api, resource, person), person.name
    shown = api.ok("resource_show", cast.member, id=resource["id"])
    assert shown["access"] == {"conditional": True, "granted": True}
    rows = api.ok("datastore_search", cast.member, resource_id=resource["id"])
    assert [r["线路"] for r in rows["records"]] == ["71路", "49路"]


def test_restricted_dcat_access_rights_are_conditional_too(api, cast):
    dataset = api.ok("package_create", cast.editor, name="taxi-trips", title="出租车运营记录",
                     owner_org="transport", access_rights="RESTRICTED")  # fmt: skip
    resource = upload(api, cast.editor, dataset["id"], "出租车.csv", BUS_CSV)
    assert not uses_data(api, resource, cast.stranger)
    assert uses_data(api, resource, cast.member)


def test_unconditional_datasets_are_unaffected(api, cast):
    dataset, resource = conditional(api, cast, name="bus-lines", open_type="unconditional",
                                    resource_code="1010010001/000008")  # fmt: skip
    assert "access" not in api.ok("package_show", id=dataset["id"])["resources"][0]
    assert "access" not in api.ok("resource_show", id=resource["id"])
    assert uses_data(api, resource, None)
    error(api.post("access_request_create", cast.stranger, dataset_id=dataset["id"],
                   **APPLICATION), 409, "Validation Error")  # fmt: skip


def test_a_grant_opens_the_data_until_it_is_revoked(api, cast, doc):
    dataset, resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    assert request["state"] == "pending" and request["overdue"] is False
    assert request["dataset_title"] == "全省公交车辆实时位置" and request["user_name"] == "citizen"
    assert response_errors(doc, "access_request_create", 200,
                           {"help": "", "success": True, "result": request}) == []  # fmt: skip
    assert not uses_data(api, resource, cast.stranger)
    approved = api.ok("access_request_approve", cast.editor, id=request["id"], days=30)
    assert approved["state"] == "approved" and approved["reviewer_name"] == "transport-editor"
    assert approved["grant"]["state"] == "active"
    in_30_days = (utcnow() + timedelta(days=30)).date().isoformat()
    assert approved["grant"]["expires_at"][:10] == in_30_days
    assert uses_data(api, resource, cast.stranger)
    assert api.ok("resource_show", cast.stranger, id=resource["id"])["access"]["granted"] is True
    csv = dump(api, resource, cast.stranger).get_data(as_text=True)
    assert "沪A-1001" in csv
    revoked = api.ok("access_grant_revoke", cast.admin, id=approved["grant"]["id"],
                     reason="超出申请用途使用")  # fmt: skip
    assert revoked["state"] == "revoked" and revoked["grant"]["revoke_reason"] == "超出申请用途使用"
    assert not uses_data(api, resource, cast.stranger)
    error(api.post("access_grant_revoke", cast.admin, id=approved["grant"]["id"]), 409,
          "Validation Error")  # fmt: skip


def test_an_expired_grant_stops_working_at_once(app, api, cast):
    dataset, resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    grant = api.ok("access_request_approve", cast.admin, id=request["id"])["grant"]
    assert grant["expires_at"][:10] == (utcnow() + timedelta(days=90)).date().isoformat()
    assert uses_data(api, resource, cast.stranger)
    session = app.extensions["portal.db"].session()
    session.get(AccessGrant, grant["id"]).expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert not uses_data(api, resource, cast.stranger)
    assert api.ok("access_request_show", cast.stranger, id=request["id"])["state"] == "expired"
    expired = api.ok("access_request_list", cast.stranger, state="expired")
    assert [r["id"] for r in expired["results"]] == [request["id"]]
    assert api.ok("access_request_list", cast.stranger, state="approved")["count"] == 0
    grants = api.ok("access_grant_list", cast.admin, state="expired")
    assert [g["id"] for g in grants["results"]] == [grant["id"]]
    assert api.ok("access_grant_list", cast.admin, state="active")["count"] == 0
    # Expired: the applicant may apply again.
    assert apply(api, cast.stranger, dataset, days=30)["state"] == "pending"


def test_only_the_department_or_a_sysadmin_decides(api, cast):
    dataset, _resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    error(api.post("access_request_approve", cast.stranger, id=request["id"]), 403,
          "Authorization Error")  # fmt: skip
    # Those who may not read the application (a plain member, another department's admin)
    # are told it does not exist.
    for person in (cast.member, cast.outsider):
        error(api.post("access_request_approve", person, id=request["id"]), 404,
              "Not Found Error")  # fmt: skip
    error(api.post("access_request_approve", None, id=request["id"]), 403, "Authorization Error")
    assert api.ok("access_request_approve", cast.sysadmin, id=request["id"])["state"] == "approved"
    again = api.post("access_request_reject", cast.admin, id=request["id"], reason="重复")
    assert "state" in error(again, 409, "Validation Error")


def test_a_rejection_needs_a_reason_and_leaves_the_data_refused(api, cast):
    dataset, resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    missing = api.post("access_request_reject", cast.editor, id=request["id"], reason="  ")
    assert error(missing, 409, "Validation Error")["reason"] == ["Missing value"]
    rejected = api.ok("access_request_reject", cast.editor, id=request["id"],
                      reason="申请用途与开放条件不符")  # fmt: skip
    assert rejected["state"] == "rejected" and rejected["reason"] == "申请用途与开放条件不符"
    assert rejected["grant"] is None
    assert not uses_data(api, resource, cast.stranger)


def test_approval_may_shorten_the_period_but_not_lengthen_it(api, cast):
    dataset, _resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset, days=10)
    longer = api.post("access_request_approve", cast.editor, id=request["id"], days=11)
    assert "days" in error(longer, 409, "Validation Error")
    assert api.ok("access_request_approve", cast.editor, id=request["id"], days=3)["grant"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"commitment": False}, "commitment"),
        ({"days": 0}, "days"),
        ({"purpose": " "}, "purpose"),
        ({"organization": None}, "organization"),
    ],
)
def test_an_application_is_checked_field_by_field(api, cast, change, field):
    dataset, _resource = conditional(api, cast)
    response = api.post("access_request_create", cast.stranger, dataset_id=dataset["id"],
                        **{**APPLICATION, **change})  # fmt: skip
    assert field in error(response, 409, "Validation Error")


def test_who_may_apply(api, cast):
    dataset, _resource = conditional(api, cast)
    error(api.post("access_request_create", None, dataset_id=dataset["id"], **APPLICATION), 403,
          "Authorization Error")  # fmt: skip
    members = api.post("access_request_create", cast.member, dataset_id=dataset["id"],
                       **APPLICATION)  # fmt: skip
    assert "dataset_id" in error(members, 409, "Validation Error")
    apply(api, cast.stranger, dataset)
    twice = api.post("access_request_create", cast.stranger, dataset_id=dataset["id"],
                     **APPLICATION)  # fmt: skip
    assert "dataset_id" in error(twice, 409, "Validation Error")
    missing = api.post("access_request_create", cast.stranger, dataset_id="no-such-dataset",
                       **APPLICATION)  # fmt: skip
    error(missing, 404, "Not Found Error")


def test_applicants_see_their_own_and_departments_their_queue(api, cast):
    dataset, _resource = conditional(api, cast)
    mine = apply(api, cast.stranger, dataset)
    other = apply(api, cast.outsider, dataset, organization="省卫生健康委员会")
    own = api.ok("access_request_list", cast.stranger)
    assert [r["id"] for r in own["results"]] == [mine["id"]]
    queue = api.ok("access_request_list", cast.editor, role="reviewer", state="pending")
    assert {r["id"] for r in queue["results"]} == {mine["id"], other["id"]}
    assert api.ok("access_request_list", cast.editor, role="applicant")["count"] == 0
    assert api.ok("access_request_list", cast.sysadmin)["count"] == 2
    assert api.ok("access_request_list", cast.member)["count"] == 0
    error(api.post("access_request_show", cast.outsider, id=mine["id"]), 404, "Not Found Error")
    assert api.ok("access_request_show", cast.admin, id=mine["id"])["purpose"] == APPLICATION[
        "purpose"
    ]
    error(api.get("access_request_list"), 403, "Authorization Error")
    bad = api.post("access_request_list", cast.editor, state="lost")
    assert "state" in error(bad, 409, "Validation Error")


def test_pending_past_the_review_deadline_is_overdue(app, api, cast):
    dataset, _resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    due = request["due"][:10]
    assert due == (utcnow() + timedelta(days=15)).date().isoformat()
    session = app.extensions["portal.db"].session()
    session.get(AccessRequest, request["id"]).due = utcnow() - timedelta(hours=1)
    session.commit()
    overdue = api.ok("access_request_list", cast.editor, state="overdue")
    assert [r["id"] for r in overdue["results"]] == [request["id"]]
    assert overdue["results"][0]["overdue"] is True and overdue["results"][0]["state"] == "pending"


def test_the_review_period_is_a_setting():
    assert Settings.from_env({"PORTAL_ACCESS_REVIEW_DAYS": "5"}).access_review_days == 5
    assert Settings.from_env({}).access_review_days == 15


def test_every_step_is_in_the_activity_log_without_addresses(app, api, cast):
    dataset, _resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    grant = api.ok("access_request_approve", cast.admin, id=request["id"])["grant"]
    api.ok("access_grant_revoke", cast.admin, id=grant["id"])
    session = app.extensions["portal.db"].session()
    rows = session.scalars(
        select(Activity).where(Activity.object_id == request["id"]).order_by(Activity.timestamp)
    ).all()
    assert [r.activity_type for r in rows] == [
        "new access_request", "approved access_request", "revoked access_grant"
    ]  # fmt: skip
    assert [r.user_id for r in rows] == [cast.stranger.user.id, *[cast.admin.user.id] * 2]
    logged = json.dumps([r.data for r in rows], ensure_ascii=False)
    assert "全省公交车辆实时位置" in logged and "@" not in logged


def test_reviewers_and_the_applicant_are_mailed_in_chinese(api, cast, inbox):
    dataset, _resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == [
        "transport-admin@example.gov.cn", "transport-editor@example.gov.cn"
    ]  # fmt: skip
    assert messages[0]["Subject"].startswith("新的数据使用申请：全省公交车辆实时位置")
    body = messages[0].get_content()
    assert "某某科技有限公司" in body and "https://data.example.gov.cn/access/review" in body
    grant = api.ok("access_request_approve", cast.editor, id=request["id"], days=30)["grant"]
    approved = inbox.wait_for(3)[2]
    assert approved["To"] == "citizen@example.gov.cn"
    assert approved["Subject"] == (
        "您的数据使用申请已通过：全省公交车辆实时位置 / Your application was approved"
    )
    assert grant["expires_at"][:10] in approved.get_content()
    api.ok("access_grant_revoke", cast.editor, id=grant["id"], reason="项目已结束")
    revoked = inbox.wait_for(4)[3]
    assert revoked["To"] == "citizen@example.gov.cn"
    assert "全省公交车辆实时位置" in revoked["Subject"]
    assert "项目已结束" in revoked.get_content()


def test_results_match_the_documented_schemas(api, cast, doc):
    dataset, resource = conditional(api, cast)
    request = apply(api, cast.stranger, dataset)
    api.ok("access_request_approve", cast.editor, id=request["id"])
    for name, data in [
        ("access_request_show", {"id": request["id"]}),
        ("access_request_list", {}),
        ("access_grant_list", {}),
        ("package_show", {"id": dataset["id"]}),
        ("resource_show", {"id": resource["id"]}),
    ]:
        response = api.post(name, cast.stranger, **data)
        assert response_errors(doc, name, 200, response.get_json()) == [], name


# --- the /go redirect, caching, and package_search ---------------------------------------------


def linked(api, cast, dataset) -> dict[str, Any]:
    return api.ok("resource_create", cast.editor, package_id=dataset["id"], name="实时接口说明",
                  url="https://api.example.gov.cn/bus/positions")  # fmt: skip


def go(api, dataset, resource, person=None):
    path = f"/dataset/{dataset['id']}/resource/{resource['id']}/go"
    return api.client.get(path, headers=person.headers if person else {})


def test_the_go_redirect_of_a_linked_resource_is_refused_without_access(api, cast):
    dataset, _file = conditional(api, cast)
    link = linked(api, cast, dataset)
    for person in (None, cast.stranger, cast.outsider):
        refused = go(api, dataset, link, person)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 403 and "Location" not in refused.headers
        assert "有条件开放" in page and "conditionally open" in page
        assert f'href="/dataset/{dataset["id"]}#access"' in page
        assert refused.headers["Cache-Control"] == "private, no-store"
    followed = go(api, dataset, link, cast.member)
    assert followed.status_code == 302
    assert followed.headers["Location"] == "https://api.example.gov.cn/bus/positions"
    assert followed.headers["Cache-Control"] == "private, no-store"
    request = apply(api, cast.stranger, dataset)
    api.ok("access_request_approve", cast.editor, id=request["id"], days=30)
    assert go(api, dataset, link, cast.stranger).status_code == 302
    # An uploaded file's /go is refused the same way, not sent on to the download.
    assert go(api, dataset, _file, cast.outsider).status_code == 403


def test_a_public_link_is_redirected_as_before(api, cast):
    dataset = api.ok("package_create", cast.editor, name="bus-stops", title="公交站点",
                     owner_org="transport")  # fmt: skip
    followed = go(api, dataset, linked(api, cast, dataset))
    assert followed.status_code == 302 and followed.headers["Cache-Control"] == "no-store"


def test_conditional_and_private_files_are_never_kept_by_a_shared_cache(api, cast):
    _dataset, guarded = conditional(api, cast)
    served = download(api, guarded, cast.member)
    assert served.status_code == 200 and "沪A-1001" in served.get_data(as_text=True)
    assert served.headers["Cache-Control"] == "private, no-store"
    assert download(api, guarded).headers["Cache-Control"] == "private, no-store"  # the 403
    private = api.ok("package_create", cast.editor, name="bus-depots", title="公交场站内部资料",
                     owner_org="transport", private=True)  # fmt: skip
    hidden = upload(api, cast.editor, private["id"], "场站.csv", BUS_CSV)
    assert download(api, hidden).status_code in (403, 404)
    served = download(api, hidden, cast.member)
    assert served.status_code == 200 and served.headers["Cache-Control"] == "private, no-store"
    public = api.ok("package_create", cast.editor, name="bus-stops", title="公交站点",
                    owner_org="transport")  # fmt: skip
    served = download(api, upload(api, cast.editor, public["id"], "站点.csv", BUS_CSV))
    assert served.status_code == 200 and "private" not in served.headers.get("Cache-Control", "")


def _searched(api, person, q: str = "公交") -> dict[str, dict[str, Any]]:
    found = api.ok("package_search", person, q=q, rows=50)
    return {d["name"]: d for d in found["results"]}


def test_package_search_annotates_resources_as_package_show_does(api, cast):
    dataset, _resource = conditional(api, cast)
    conditional(api, cast, name="bus-lines", title="公交线路", open_type="unconditional",
                resource_code="1010010001/000008")  # fmt: skip
    refused = {"conditional": True, "granted": False}
    for person in (None, cast.stranger):
        found = _searched(api, person)
        assert found["bus-positions"]["resources"][0]["access"] == refused
        assert "access" not in found["bus-lines"]["resources"][0]
        shown = api.ok("package_show", person, id=dataset["id"])
        assert shown["resources"][0]["access"] == found["bus-positions"]["resources"][0]["access"]
    for person in (cast.member, cast.sysadmin):
        granted = _searched(api, person)["bus-positions"]["resources"][0]["access"]
        assert granted == {"conditional": True, "granted": True}
    request = apply(api, cast.stranger, dataset)
    api.ok("access_request_approve", cast.editor, id=request["id"])
    assert _searched(api, cast.stranger)["bus-positions"]["resources"][0]["access"]["granted"]
    assert _searched(api, cast.outsider)["bus-positions"]["resources"][0]["access"] == refused
    listed = {d["name"]: d for d in api.ok("current_package_list_with_resources", cast.stranger)}
    assert listed["bus-positions"]["resources"][0]["access"]["granted"] is True
    assert "access" not in listed["bus-lines"]["resources"][0]


def test_package_search_asks_for_the_grants_of_a_page_in_one_query(app, api, cast):
    from sqlalchemy import event

    for number in range(4):
        conditional(api, cast, name=f"bus-positions-{number}", title=f"公交车辆位置{number}",
                    resource_code=f"1010010001/00010{number}")  # fmt: skip
    engine = app.extensions["portal.db"].engine
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = _searched(api, cast.stranger)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(found) == 4
    assert all(d["resources"][0]["access"]["granted"] is False for d in found.values())
    assert sum("access_grant" in s for s in statements) == 1
