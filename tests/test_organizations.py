"""Departments (organizations), themes (groups), tags and licences through the Action API."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import create_dataset, site_batch

from portal.actions import call


def error(response, status: int) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False
    return body["error"]


@pytest.fixture
def finance(api, cast) -> dict[str, Any]:
    """省财政厅 (sheng cai...): first in pinyin order, last in code point order (财 U+8D22)."""
    return api.ok("organization_create", cast.sysadmin, name="finance", title="省财政厅")


def in_one_transaction(app, *steps: tuple[str, dict[str, Any]]) -> None:
    """Run actions as the site in one transaction (like a harvester's batch), so the search
    index is written once instead of once per dataset."""
    with site_batch(app) as context:
        for name, data in steps:
            call(name, context, data)


@pytest.fixture
def catalog(app, cast) -> None:
    """Transport: two public datasets, one private, one draft, one deleted. Health: one."""
    transport, health = cast.transport.id, cast.health.id

    def dataset(name: str, org: str, *tags: str, **fields: Any) -> tuple[str, dict[str, Any]]:
        tag_list = [{"name": t} for t in tags]
        return "package_create", {"name": name, "owner_org": org, "tags": tag_list, **fields}

    in_one_transaction(
        app,
        dataset("bus-lines", transport, "公交", "线路"),
        dataset("metro-stations", transport, "地铁"),
        dataset("bus-costs", transport, "内部", private=True),
        dataset("taxi-draft", transport, "草稿", state="draft"),
        dataset("old-timetable", transport, "旧时刻表"),
        dataset("hospitals", health, "医疗", "公交"),
        ("package_delete", {"id": "old-timetable"}),
    )


# --- organization_list and organization_show ---------------------------------------------------


def test_organization_list_sorts_chinese_titles_by_pinyin(api, cast, finance):
    assert api.ok("organization_list") == ["finance", "transport", "health"]
    assert api.ok("organization_list", sort="title desc") == ["health", "transport", "finance"]
    assert api.ok("organization_list", sort="name asc") == ["finance", "health", "transport"]
    assert api.ok("organization_list", limit=1, offset=1) == ["transport"]


def test_organization_list_finds_by_chinese_or_english_title(api, cast, finance):
    assert api.ok("organization_list", q="交通") == ["transport"]
    assert api.ok("organization_list", q="health") == ["health"]


def test_package_count_counts_only_public_active_datasets(api, cast, catalog):
    departments = {o["name"]: o for o in api.ok("organization_list", all_fields=True)}
    assert departments["transport"]["package_count"] == 2
    assert departments["health"]["package_count"] == 1
    transport = departments["transport"]
    assert transport["title"] == "省交通运输厅"
    assert transport["title_en"] == "Department of Transport"
    assert transport["display_name"] == "省交通运输厅"
    assert transport["is_organization"] is True
    assert api.ok("organization_list", sort="package_count desc") == ["transport", "health"]


def test_bad_list_parameters_are_validation_errors(api):
    assert "sort" in error(api.post("organization_list", sort="popularity"), 409)
    assert "limit" in error(api.post("organization_list", limit=5000), 409)


def test_organization_show_by_name_or_id(api, cast):
    by_name = api.ok("organization_show", id="transport")
    assert api.ok("organization_show", id=cast.transport.id) == by_name
    assert by_name["title"] == "省交通运输厅"


def test_organization_show_lists_only_public_datasets(api, cast, catalog):
    shown = api.ok("organization_show", cast.admin, id="transport", include_datasets=True)
    assert sorted(d["name"] for d in shown["packages"]) == ["bus-lines", "metro-stations"]
    assert "packages" not in api.ok("organization_show", id="transport")


def test_members_see_the_department_users_with_roles(api, cast):
    shown = api.ok("organization_show", cast.member, id="transport")
    roles = {u["name"]: u["capacity"] for u in shown["users"]}
    assert roles == {
        "transport-admin": "admin",
        "transport-editor": "editor",
        "transport-member": "member",
    }
    assert "users" not in api.ok("organization_show", cast.outsider, id="transport")
    assert "users" not in api.ok("organization_show", id="transport")
    hidden = api.ok("organization_show", cast.member, id="transport", include_users=False)
    assert "users" not in hidden


def test_missing_department_is_a_404(api):
    assert error(api.post("organization_show", id="no-such"), 404)["__type"] == "Not Found Error"


# --- organization_create and organization_update -----------------------------------------------


def test_creating_a_department_makes_the_creator_its_admin(api, cast):
    created = api.ok(
        "organization_create",
        cast.sysadmin,
        name="finance",
        title="省财政厅",
        title_en="Department of Finance",
        code="11350000003591037R",
    )
    assert (created["name"], created["title"], created["code"]) == (
        "finance",
        "省财政厅",
        "11350000003591037R",
    )
    users = api.ok("organization_show", cast.sysadmin, id="finance")["users"]
    assert [(u["name"], u["capacity"]) for u in users] == [("sysadmin", "admin")]


def test_invalid_department_is_refused_per_field(api, cast):
    cases = [
        ({"name": "transport"}, "name"),
        ({"name": "Finance Dept"}, "name"),
        ({"title": "无名部门"}, "name"),
        ({"name": "finance", "colour": "红"}, "colour"),
        ({"name": "finance", "title": "省" * 501}, "title"),
        ({"name": "finance", "state": "deleted"}, "state"),
    ]
    for data, field in cases:
        response = api.post("organization_create", cast.sysadmin, **data)
        assert response.status_code == 409, data
        assert field in response.get_json()["error"], data
    assert api.ok("organization_list") == ["transport", "health"]


def test_organization_update_replaces_the_details(api, cast, finance):
    api.ok(
        "organization_update",
        cast.sysadmin,
        id="finance",
        title="省财政厅",
        title_en="Department of Finance",
        description="负责全省财政收支",
        code="11350000003591037R",
    )
    updated = api.ok("organization_update", cast.sysadmin, id="finance", title="福建省财政厅")
    assert updated["title"] == "福建省财政厅"
    assert updated["name"] == "finance"
    assert (updated["title_en"], updated["description"], updated["code"]) == (None, "", None)
    assert api.ok("organization_show", id="finance")["title_en"] is None


def test_organization_show_update_round_trip(api, cast):
    shown = api.ok("organization_show", cast.admin, id="transport", include_datasets=True)
    updated = api.ok("organization_update", cast.admin, **{**shown, "title": "交通运输厅"})
    assert updated["title"] == "交通运输厅"
    assert updated["title_en"] == "Department of Transport"
    assert updated["id"] == cast.transport.id


def test_renamed_department_is_what_search_shows_and_finds(api, app, cast):
    create_dataset(app, "bus-lines", cast.transport, title="全省公交线路")
    api.ok("organization_update", cast.admin, id="transport", title="省港航管理局", name="ports")
    result = api.ok("package_search", q="港航")
    assert [d["name"] for d in result["results"]] == ["bus-lines"]
    assert result["results"][0]["organization"]["name"] == "ports"
    assert result["results"][0]["organization"]["title"] == "省港航管理局"
    assert api.ok("package_search", q="organization:ports")["count"] == 1
    assert api.ok("package_search", q="organization:transport")["count"] == 0


def test_organization_update_may_not_take_another_departments_name(api, cast):
    response = api.post("organization_update", cast.sysadmin, id="transport", name="health")
    assert "name" in error(response, 409)
    assert api.ok("organization_show", id="transport")["name"] == "transport"


# --- membership --------------------------------------------------------------------------------


def test_member_create_adds_and_then_changes_a_role(api, cast, catalog):
    added = api.ok("organization_member_create", cast.admin, id="transport", username="citizen")
    assert (added["username"], added["role"]) == ("citizen", "member")
    assert api.ok("package_show", cast.stranger, id="bus-costs")["private"] is True
    refused = api.post("package_create", cast.stranger, name="x1", owner_org="transport")
    assert error(refused, 403)["__type"] == "Authorization Error"
    changed = api.ok(
        "organization_member_create", cast.admin, id="transport", username="citizen", role="editor"
    )
    assert changed["role"] == "editor"
    api.ok("package_create", cast.stranger, name="x1", owner_org="transport")
    users = api.ok("organization_show", cast.admin, id="transport")["users"]
    assert {u["name"]: u["capacity"] for u in users}["citizen"] == "editor"


def test_member_create_refuses_unknown_roles_and_users(api, cast):
    response = api.post(
        "organization_member_create", cast.admin, id="transport", username="citizen", role="owner"
    )
    assert "role" in error(response, 409)
    response = api.post("organization_member_create", cast.admin, id="transport", username="nobody")
    assert error(response, 409)["username"] == ["User not found"]


def test_member_delete_removes_the_role(api, cast, catalog):
    api.ok("organization_member_delete", cast.admin, id="transport", username="transport-member")
    assert error(api.post("package_show", cast.member, id="bus-costs"), 404)
    users = api.ok("organization_show", cast.admin, id="transport")["users"]
    assert "transport-member" not in {u["name"] for u in users}
    again = api.post(
        "organization_member_delete", cast.admin, id="transport", username="transport-member"
    )
    assert error(again, 404)["__type"] == "Not Found Error"


FOR_USER = [
    ("editor", "manage_group", []),
    ("editor", "create_dataset", [("transport", "editor")]),
    ("editor", "update_dataset", [("transport", "editor")]),
    ("editor", "read", [("transport", "editor")]),
    ("member", "read", [("transport", "member")]),
    ("member", "create_dataset", []),
    ("admin", "manage_group", [("transport", "admin")]),
    ("admin", "read", [("transport", "admin")]),
    ("outsider", "manage_group", [("health", "admin")]),
    ("stranger", "read", []),
    ("sysadmin", "manage_group", [("health", "admin"), ("transport", "admin")]),
]


def test_organization_list_for_user_by_permission(api, cast):
    wrong = []
    for who, permission, expected in FOR_USER:
        found = api.ok("organization_list_for_user", getattr(cast, who), permission=permission)
        if [(o["name"], o["capacity"]) for o in found] != expected:
            wrong.append((who, permission, found))
    assert wrong == []


def test_sysadmin_lists_another_users_departments_with_their_role(api, cast):
    found = api.ok(
        "organization_list_for_user", cast.sysadmin, id="transport-editor", permission="read"
    )
    assert [(o["name"], o["capacity"]) for o in found] == [("transport", "editor")]


def test_organization_list_for_user_of_someone_else_is_refused(api, cast):
    response = api.post("organization_list_for_user", cast.stranger, id="transport-editor")
    assert error(response, 403)["__type"] == "Authorization Error"
    assert api.ok("organization_list_for_user") == []
    assert "permission" in error(
        api.post("organization_list_for_user", cast.editor, permission="own"), 409
    )


# --- themes ------------------------------------------------------------------------------------


@pytest.fixture
def themes(api, cast) -> None:
    api.ok("group_create", cast.sysadmin, name="traffic", title="交通出行", title_en="Transport")
    api.ok("group_create", cast.sysadmin, name="health-care", title="医疗卫生")


def test_group_create_and_show(api, cast):
    created = api.ok(
        "group_create",
        cast.sysadmin,
        name="traffic",
        title="交通出行",
        description="出行相关的数据",
    )
    assert (created["name"], created["title"], created["type"]) == ("traffic", "交通出行", "group")
    assert created["is_organization"] is False
    assert created["package_count"] == 0
    shown = api.ok("group_show", id="traffic")
    assert shown == api.ok("group_show", id=created["id"])
    assert shown["description"] == "出行相关的数据"


def test_group_names_follow_ckan_rules_and_are_unique(api, cast, themes):
    assert "name" in error(api.post("group_create", cast.sysadmin, name="traffic"), 409)
    assert "name" in error(api.post("group_create", cast.sysadmin, name="交通"), 409)
    assert "colour" in error(api.post("group_create", cast.sysadmin, name="ab", colour="红"), 409)


def test_group_create_with_a_taken_id_is_refused(api, cast, themes):
    taken = api.ok("group_show", id="traffic")["id"]
    response = api.post("group_create", cast.sysadmin, name="roads", id=taken)
    assert "id" in error(response, 409)
    assert api.ok("group_list", sort="name asc") == ["health-care", "traffic"]


def test_group_list_sorted_by_pinyin_with_public_counts(api, cast, themes, catalog):
    for name in ("bus-lines", "bus-costs", "metro-stations"):
        api.ok("member_create", cast.editor, id="traffic", object=name, object_type="package")
    # 交通 (jiao tong) before 医疗 (yi liao)
    assert api.ok("group_list") == ["traffic", "health-care"]
    counts = {g["name"]: g["package_count"] for g in api.ok("group_list", all_fields=True)}
    assert counts == {"traffic": 2, "health-care": 0}
    shown = api.ok("group_show", id="traffic", include_datasets=True)
    assert sorted(d["name"] for d in shown["packages"]) == ["bus-lines", "metro-stations"]


def test_member_create_puts_a_dataset_into_a_theme_once(api, cast, themes, catalog):
    for _ in range(2):
        member = api.ok(
            "member_create",
            cast.editor,
            id="traffic",
            object="bus-lines",
            object_type="package",
            capacity="public",
        )
    assert member["table_name"] == "package"
    groups = api.ok("package_show", id="bus-lines")["groups"]
    assert [(g["name"], g["title"]) for g in groups] == [("traffic", "交通出行")]


def test_member_create_with_missing_dataset_or_theme(api, cast, themes):
    response = api.post("member_create", cast.editor, id="traffic", object="no-such")
    assert error(response, 409)["object"] == ["Dataset not found"]
    response = api.post("member_create", cast.editor, id="no-such", object="bus-lines")
    assert error(response, 404)["__type"] == "Not Found Error"


# --- tags and licences -------------------------------------------------------------------------


def test_tag_list_shows_only_tags_of_public_active_datasets(api, catalog):
    assert sorted(api.ok("tag_list")) == sorted(["公交", "线路", "地铁", "医疗"])


def test_tag_list_query_filters_by_chinese_text(api, app, cast, catalog):
    create_dataset(app, "bus-stops", cast.transport, tags=[{"name": "公交站点"}])
    assert sorted(api.ok("tag_list", query="公交")) == sorted(["公交", "公交站点"])
    assert api.ok("tag_list", q="地") == ["地铁"]
    assert api.ok("tag_list", query="内部") == []
    counts = {t["name"]: t["count"] for t in api.ok("tag_list", query="公交", all_fields=True)}
    assert counts == {"公交": 2, "公交站点": 1}


def test_percent_and_underscore_in_a_list_query_are_plain_characters(api, app, cast, catalog):
    create_dataset(app, "rates", cast.transport, tags=[{"name": "增长率_%"}])
    assert api.ok("tag_list", query="_%") == ["增长率_%"]
    assert api.ok("tag_list", query="%") == ["增长率_%"]
    assert api.ok("organization_list", q="%") == []
    assert api.ok("organization_list", q="_") == []
    assert api.ok("group_list", q="%") == []


def test_tag_list_refuses_bad_paging(api):
    assert "offset" in error(api.post("tag_list", offset=10**20), 409)


def test_license_list_marks_open_licences(api):
    licences = {lic["id"]: lic for lic in api.ok("license_list")}
    assert licences["gov-open-data"]["is_okd_compliant"] is True
    assert licences["cc-by-4.0"]["is_okd_compliant"] is True
    assert licences["other-closed"]["is_okd_compliant"] is False
    assert licences["cc-by-4.0"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert licences["gov-open-data"]["title_zh"] == "政府数据开放许可协议"
    order = [lic["is_okd_compliant"] for lic in api.ok("license_list")]
    assert order == sorted(order, reverse=True)
