"""API calls counted per action, day and key in batches: exact counts after a scripted set of
calls, visible to the owner per key, to sysadmins in full and to everyone per month."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from portal.api.openapi import build_spec
from portal.apps.models import ApiCallCount
from portal.apps.usage import flush
from portal.stats.counting import today
from tests.test_openapi_conformance import response_errors

MONTH = today().strftime("%Y-%m")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_spec()


def stored(app) -> dict[tuple[str, str], int]:
    """(action, token id) -> calls today, as written."""
    session = app.extensions["portal.db"].session()
    rows = session.execute(
        select(ApiCallCount.action, ApiCallCount.token_id, ApiCallCount.count).where(
            ApiCallCount.day == today()
        )
    )
    counts = {(action, token): n for action, token, n in rows}
    session.commit()
    return counts


def get(client, action: str, token: str | None = None, **params: Any):
    headers = {"Authorization": token} if token else {}
    return client.get(f"/api/3/action/{action}", query_string=params, headers=headers)


def post(client, action: str, token: str, **data: Any):
    return client.post(f"/api/3/action/{action}", json=data, headers={"Authorization": token})


@pytest.fixture
def scripted(app, api, cast) -> dict[str, Any]:
    """Keys of one application and a scripted set of calls; returns the ids involved."""
    bus = api.ok("app_create", cast.stranger, name="公交到站提醒")
    full = api.ok("app_key_create", cast.stranger, app_id=bus["id"], name="服务器")
    reader = api.ok("app_key_create", cast.stranger, app_id=bus["id"], read_only=True)
    client = api.client
    for _ in range(2):
        get(client, "package_search", q="公交")
    get(client, "status_show")
    for _ in range(3):
        get(client, "user_show", full["token"])
    post(client, "datarequest_create", full["token"], title="地铁客流", description="按站点")
    get(client, "no_such_action", full["token"])  # not an action: not counted
    client.get("/api/3/action/help_show?name=package_show")  # not an action call
    get(client, "user_show", reader["token"])
    assert post(client, "datarequest_create", reader["token"], title="x").status_code == 403
    for _ in range(2):
        get(client, "package_search", cast.member.token)
    client.get("/dataset")  # a page, not the API
    member_token = api.ok("api_token_list", cast.member)[0]["id"]
    stranger_token = api.ok("api_token_list", cast.stranger)[0]["id"]
    return {
        "app": bus["id"], "full": full["id"], "reader": reader["id"],
        "member": member_token, "stranger": stranger_token,
    }  # fmt: skip


def test_calls_are_kept_in_memory_until_the_flush(app, scripted):
    assert stored(app) == {}
    assert flush(app) > 0
    assert flush(app) == 0  # nothing left to write


def test_exact_counts_per_action_and_key_after_scripted_calls(app, scripted):
    flush(app)
    ids = scripted
    assert stored(app) == {
        ("app_create", ids["stranger"]): 1,
        ("app_key_create", ids["stranger"]): 2,
        ("package_search", ""): 2,
        ("status_show", ""): 1,
        ("user_show", ids["full"]): 3,
        ("datarequest_create", ids["full"]): 1,
        ("user_show", ids["reader"]): 1,
        ("datarequest_create", ids["reader"]): 1,  # refused, still a call
        ("package_search", ids["member"]): 2,
        ("api_token_list", ids["member"]): 1,
        ("api_token_list", ids["stranger"]): 1,
    }
    session = app.extensions["portal.db"].session()
    query = select(ApiCallCount.app_id).where(ApiCallCount.token_id == ids["full"])
    apps = set(session.scalars(query))
    assert apps == {ids["app"]}


def test_flushes_of_several_rounds_add_up(app, api, scripted):
    flush(app)
    for _ in range(4):
        get(api.client, "status_show")
    flush(app)
    assert stored(app)[("status_show", "")] == 5


def test_owner_sees_usage_per_key_of_own_applications_and_tokens(app, api, cast, scripted, doc):
    flush(app)
    response = api.post("stats_api_usage", cast.stranger)
    assert response_errors(doc, "stats_api_usage", 200, response.get_json()) == []
    usage = response.get_json()["result"]
    # Own: the two keys (3 + 1 + 1 + 1) and the stranger's token (1 + 2 + 1), this call not yet.
    assert usage["months"][-1] == {"month": MONTH, "calls": 10}
    keys = {k["token_id"]: k for k in usage["keys"]}
    assert set(keys) == {scripted["full"], scripted["reader"], scripted["stranger"]}
    assert keys[scripted["full"]]["calls"] == 4 and keys[scripted["full"]]["key_name"] == "服务器"
    assert keys[scripted["full"]]["app_name"] == "公交到站提醒"
    assert keys[scripted["reader"]]["calls"] == 2
    assert usage["actions"][0] == {"action": "user_show", "calls": 4}
    one = api.ok("stats_api_usage", cast.stranger, app_id=scripted["app"])
    assert one["months"][-1]["calls"] == 6
    refused = api.post("stats_api_usage", cast.member, app_id=scripted["app"])
    assert refused.status_code == 403


def test_sysadmin_sees_every_call_and_everyone_the_monthly_total(app, api, cast, scripted, doc):
    flush(app)
    session = app.extensions["portal.db"].session()
    total = session.scalar(select(func.sum(ApiCallCount.count)))
    session.commit()
    assert total == 16
    usage = api.ok("stats_api_usage", cast.sysadmin)
    assert usage["months"][-1]["calls"] == 16
    anonymous = next(k for k in usage["keys"] if k["token_id"] == "")
    assert anonymous["calls"] == 3 and anonymous["app_id"] is None
    member = api.ok("stats_api_usage", cast.member)
    assert member["months"][-1]["calls"] == 3  # their own token only
    response = api.get("stats_api_calls", months=3)
    assert response_errors(doc, "stats_api_calls", 200, response.get_json(), "get") == []
    monthly = response.get_json()["result"]
    # The two stats_api_usage calls above wait in memory for the next flush.
    assert len(monthly) == 3 and monthly[-1] == {"month": MONTH, "calls": 16}
    assert api.post("stats_api_usage", None).status_code == 403


def test_a_revoked_key_keeps_its_calls_in_the_figures(app, api, cast, scripted):
    flush(app)
    api.ok("app_key_revoke", cast.stranger, id=scripted["full"])
    flush(app)
    usage = api.ok("stats_api_usage", cast.stranger, app_id=scripted["app"])
    revoked = next(k for k in usage["keys"] if k["token_id"] == scripted["full"])
    assert revoked["calls"] == 4 and revoked["key_name"] is None
