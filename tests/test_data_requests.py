"""Data requests: citizens ask for unpublished data, others support, the department answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import create_dataset

from portal.api.openapi import build_spec
from portal.database import utcnow
from tests.test_openapi_conformance import response_errors

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


def test_signed_in_user_asks_for_data_in_chinese(api, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    assert request["title"] == "公交车实时位置数据"
    assert request["state"] == "open"
    assert request["user_name"] == "citizen"
    assert request["organization"]["title"] == "省交通运输厅"
    assert request["support_count"] == 0
    assert request["answered"] is None and request["response_time"] is None
    assert api.ok("datarequest_show", id=request["id"])["description"] == BUS["description"]


def test_anonymous_caller_cannot_ask(api):
    error(api.post("datarequest_create", None, **BUS), 403, "Authorization Error")


def test_requests_are_public_to_anonymous_callers(api, cast):
    ask(api, cast.stranger)
    ask(api, cast.member, title="医院床位数据", organization_id="health")
    listed = api.get("datarequest_list").get_json()["result"]
    assert listed["count"] == 2
    assert [r["title"] for r in listed["results"]] == ["医院床位数据", "公交车实时位置数据"]
    health = api.get("datarequest_list", organization_id="health").get_json()["result"]
    assert [r["title"] for r in health["results"]] == ["医院床位数据"]


def test_list_pages_and_filters_by_state(api, cast):
    for number in range(3):
        ask(api, cast.stranger, title=f"数据需求{number}")
    page = api.get("datarequest_list", limit=2, offset=2).get_json()["result"]
    assert page["count"] == 3 and [r["title"] for r in page["results"]] == ["数据需求0"]
    planned = api.get("datarequest_list", state="planned").get_json()["result"]
    assert planned == {"count": 0, "results": []}


def test_support_counts_once_per_user(api, cast):
    request = ask(api, cast.stranger)
    api.ok("datarequest_support", cast.member, id=request["id"])
    again = api.ok("datarequest_support", cast.member, id=request["id"])
    assert again["support_count"] == 1 and again["supported"] is True
    both = api.ok("datarequest_support", cast.editor, id=request["id"])
    assert both["support_count"] == 2
    withdrawn = api.ok("datarequest_unsupport", cast.member, id=request["id"])
    assert withdrawn["support_count"] == 1 and withdrawn["supported"] is False
    assert api.ok("datarequest_unsupport", cast.member, id=request["id"])["support_count"] == 1
    shown = api.get("datarequest_show", id=request["id"]).get_json()["result"]
    assert shown["support_count"] == 1 and shown["supported"] is False


def test_anonymous_caller_cannot_support(api, cast):
    request = ask(api, cast.stranger)
    error(api.post("datarequest_support", None, id=request["id"]), 403, "Authorization Error")


def test_list_sorts_by_most_supported(api, cast):
    popular = ask(api, cast.stranger, title="空气质量监测数据")
    ask(api, cast.stranger, title="停车场空位数据")
    for person in (cast.member, cast.editor):
        api.ok("datarequest_support", person, id=popular["id"])
    listed = api.get("datarequest_list", sort="most_supported").get_json()["result"]
    assert [r["title"] for r in listed["results"]] == ["空气质量监测数据", "停车场空位数据"]
    assert [r["support_count"] for r in listed["results"]] == [2, 0]


def test_only_the_department_asked_or_a_sysadmin_answers(api, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    answer = {"id": request["id"], "state": "planned", "answer": "计划于下季度开放。"}
    for person in (cast.stranger, cast.member, cast.outsider, cast.anonymous):
        error(api.post("datarequest_answer", person, **answer), 403, "Authorization Error")
    planned = api.ok("datarequest_answer", cast.editor, **answer)
    assert planned["state"] == "planned" and planned["answer"] == "计划于下季度开放。"
    assert planned["answered"] is not None and planned["response_time"] >= 0
    assert api.ok("datarequest_answer", cast.sysadmin, **answer)["state"] == "planned"


def test_request_without_department_is_answered_by_a_sysadmin_only(api, cast):
    request = ask(api, cast.stranger)
    answer = {"id": request["id"], "state": "planned"}
    error(api.post("datarequest_answer", cast.admin, **answer), 403, "Authorization Error")
    assert api.ok("datarequest_answer", cast.sysadmin, **answer)["state"] == "planned"


def test_refusing_needs_a_reason(api, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    refused = {"id": request["id"], "state": "refused"}
    assert "answer" in error(api.post("datarequest_answer", cast.admin, **refused),
                             409, "Validation Error")  # fmt: skip
    assert "answer" in error(api.post("datarequest_answer", cast.admin, **refused, answer="  "),
                             409, "Validation Error")  # fmt: skip
    done = api.ok("datarequest_answer", cast.admin, **refused, answer="涉及个人隐私，不予开放。")
    assert done["state"] == "refused" and done["answer"] == "涉及个人隐私，不予开放。"


def test_publishing_needs_a_real_public_dataset(api, app, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    create_dataset(app, "bus-positions", cast.transport, title="公交车实时位置")
    create_dataset(app, "bus-drafts", cast.transport, private=True)
    published = {"id": request["id"], "state": "published"}
    for dataset in (None, "no-such-dataset", "bus-drafts"):
        body = {**published, "dataset_id": dataset} if dataset else published
        errors = error(api.post("datarequest_answer", cast.editor, **body), 409, "Validation Error")
        assert list(errors) == ["__type", "dataset_id"]
    done = api.ok("datarequest_answer", cast.editor, **published, dataset_id="bus-positions")
    assert done["state"] == "published" and done["dataset_name"] == "bus-positions"
    assert done["dataset_url"].endswith("/dataset/bus-positions")


def test_response_time_counts_from_the_first_answer(api, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    first = api.ok("datarequest_answer", cast.editor, id=request["id"], state="planned")
    later = api.ok("datarequest_answer", cast.editor, id=request["id"], state="refused",
                   answer="数据质量不足。")  # fmt: skip
    assert later["answered"] == first["answered"]
    assert later["response_time"] == first["response_time"]


def test_invalid_input_is_a_ckan_validation_error(api, cast):
    cases = [
        ({"description": BUS["description"]}, "title"),
        ({"title": "  ", "description": BUS["description"]}, "title"),
        ({"title": "公交\u202e数据", "description": BUS["description"]}, "title"),
        ({"title": "数" * 201, "description": BUS["description"]}, "title"),
        ({"title": BUS["title"], "description": "说明\x07"}, "description"),
        ({**BUS, "organization_id": "no-such-department"}, "organization_id"),
    ]
    for body, field in cases:
        response = api.post("datarequest_create", cast.stranger, **body)
        assert field in error(response, 409, "Validation Error"), body
    response = api.get("datarequest_list", sort="oldest")
    assert "sort" in error(response, 409, "Validation Error")
    request = ask(api, cast.stranger, organization_id="transport")
    response = api.post("datarequest_answer", cast.admin, id=request["id"], state="open")
    assert "state" in error(response, 409, "Validation Error")


def test_unknown_request_is_not_found(api, cast):
    for name in ("datarequest_show", "datarequest_support", "datarequest_delete"):
        response = api.post(name, cast.sysadmin, id="00000000-0000-0000-0000-000000000000")
        assert error(response, 404, "Not Found Error")["message"] == "Data request not found"


def test_requester_deletes_while_open_and_sysadmin_always(api, cast):
    request = ask(api, cast.stranger, organization_id="transport")
    api.ok("datarequest_support", cast.member, id=request["id"])
    error(api.post("datarequest_delete", cast.member, id=request["id"]), 403, "Authorization Error")
    assert api.ok("datarequest_delete", cast.stranger, id=request["id"]) is None
    error(api.post("datarequest_show", None, id=request["id"]), 404, "Not Found Error")

    answered = ask(api, cast.stranger, organization_id="transport")
    api.ok("datarequest_answer", cast.editor, id=answered["id"], state="planned")
    error(api.post("datarequest_delete", cast.stranger, id=answered["id"]), 403,
          "Authorization Error")  # fmt: skip
    assert api.ok("datarequest_delete", cast.sysadmin, id=answered["id"]) is None


def test_changes_are_recorded_as_activity(api, app, cast):
    from portal.catalog.models import Activity

    request = ask(api, cast.stranger, organization_id="transport")
    api.ok("datarequest_answer", cast.editor, id=request["id"], state="planned")
    session = app.extensions["portal.db"].session()
    rows = session.query(Activity).filter_by(object_id=request["id"]).all()
    assert {(a.activity_type, a.user_id) for a in rows} == {
        ("new datarequest", cast.stranger.user.id),
        ("answered datarequest", cast.editor.user.id),
    }


def test_results_match_the_documented_schemas(api, cast, doc):
    request = ask(api, cast.stranger, organization_id="transport")
    api.ok("datarequest_support", cast.member, id=request["id"])
    calls = [
        ("datarequest_show", cast.anonymous, {"id": request["id"]}),
        ("datarequest_list", cast.anonymous, {"sort": "most_supported"}),
        ("datarequest_answer", cast.admin, {"id": request["id"], "state": "planned"}),
        ("datarequest_unsupport", cast.member, {"id": request["id"]}),
        ("datarequest_stats", cast.anonymous, {}),
        ("datarequest_delete", cast.sysadmin, {"id": request["id"]}),
    ]
    for name, person, body in calls:
        response = api.post(name, person, **body)
        assert response.status_code == 200, (name, response.get_json())
        assert response_errors(doc, name, 200, response.get_json()) == [], name


def _asked_days_ago(app, request: dict[str, Any], days: int) -> None:
    from portal.requests.models import DataRequest

    with app.extensions["portal.db"].factory() as session:
        session.get(DataRequest, request["id"]).created = utcnow() - timedelta(days=days)
        session.commit()


def test_stats_count_requests_and_days_to_answer_per_department(api, app, cast):
    answered = [ask(api, cast.stranger, organization_id="transport") for _ in range(2)]
    waiting = ask(api, cast.stranger, organization_id="transport")
    ask(api, cast.stranger)  # to no department: in the site's total only
    for request, days in zip(answered, (4, 2), strict=True):
        _asked_days_ago(app, request, days)
    _asked_days_ago(app, waiting, 40)
    api.ok("datarequest_answer", cast.editor, id=answered[0]["id"], state="planned")
    api.ok("datarequest_answer", cast.editor, id=answered[1]["id"], state="refused",
           answer="涉及个人隐私。")  # fmt: skip
    stats = api.ok("datarequest_stats", cast.anonymous)
    assert stats["total"]["count"] == 4 and stats["total"]["answered"] == 2
    [transport] = stats["departments"]
    assert transport["organization"]["title"] == "省交通运输厅"
    assert transport["count"] == 3 and transport["answered"] == 2
    assert transport["states"] == {"open": 1, "planned": 1, "published": 0, "refused": 1}
    assert transport["median_response_days"] == 3.0 and transport["mean_response_days"] == 3.0
