"""Datasets through the Action API: create, show, update (replace), patch (merge), delete, purge,
lists and history, with CKAN's rules for names, types and failed writes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.test import TestResponse

TWO_MB = "长" * (2 * 1024 * 1024 // 3)


def error(response: TestResponse, status: int) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False
    return body["error"]


def new_dataset(api, person, **fields: Any) -> dict[str, Any]:
    data = {"name": "bus-lines", "title": "全省公交线路", "owner_org": "transport", **fields}
    return api.ok("package_create", person, **data)


def shown(api, ident: str, person=None) -> dict[str, Any]:
    return api.ok("package_show", person, id=ident)


def missing(api, ident: str, person=None) -> bool:
    response = api.post("package_show", person, id=ident)
    return response.status_code == 404


@pytest.fixture
def traffic_group(api, cast) -> dict[str, Any]:
    return api.ok("group_create", cast.sysadmin, name="traffic", title="交通出行")


@pytest.fixture
def full(api, cast, traffic_group) -> dict[str, Any]:
    """A dataset with every kind of field filled in."""
    return new_dataset(
        api,
        cast.editor,
        title_en="Provincial bus lines",
        notes="全省城市公交线路及站点，按月更新。",
        author="省交通运输厅信息中心",
        author_email="data@jtt.example.gov.cn",
        version="2024.1",
        license_id="cc-by-4.0",
        tags=[{"name": "公交"}, {"name": "线路"}],
        extras=[{"key": "更新频率", "value": "每月"}],
        groups=[{"name": "traffic"}],
        resources=[
            {"url": "https://data.example.gov.cn/bus.csv", "name": "线路表", "format": "CSV"}
        ],
    )


# --- create and names ------------------------------------------------------------------------


def test_editor_creates_a_dataset_and_reads_it_back(api, cast):
    created = new_dataset(api, cast.editor, notes="每日更新")
    assert created["name"] == "bus-lines"
    assert created["organization"]["name"] == "transport"
    assert created["creator_user_id"] == cast.editor.user.id
    assert created["state"] == "active"
    assert created["private"] is False
    assert shown(api, "bus-lines") == created
    assert shown(api, created["id"]) == created


def test_ckan_names_are_accepted(api, cast):
    names = ["ab", "bus-lines_2024", "2024", "a" * 100, "--"]
    for name in names:
        assert new_dataset(api, cast.editor, name=name)["name"] == name
    assert api.ok("package_list") == sorted(names)


def test_names_breaking_ckan_rules_are_refused(api, cast):
    bad = [
        "a",
        "a" * 101,
        "Bus-Lines",
        "公交线路",
        "bus lines",
        "bus.lines",
        "bus/lines",
        "abc\n",
        "",
    ]
    for name in bad:
        response = api.post("package_create", cast.editor, name=name, owner_org="transport")
        assert response.status_code == 409, name
        assert list(response.get_json()["error"]) == ["__type", "name"], name
    assert api.ok("package_list") == []


def test_missing_name_and_department_are_reported_per_field(api, cast):
    # No title either, so no name can be made from it (tests/test_dataset_names.py).
    err = error(api.post("package_create", cast.editor, notes="无名数据"), 409)
    assert err["name"] == ["Missing value"]
    assert err["owner_org"] == ["Missing value"]


def test_unknown_department_is_a_validation_error(api, cast):
    err = error(api.post("package_create", cast.sysadmin, name="bus", owner_org="nowhere"), 409)
    assert err["owner_org"] == ["Organization does not exist"]


def test_name_already_in_use_is_a_409_on_name(api, cast):
    first = new_dataset(api, cast.editor)
    err = error(
        api.post("package_create", cast.admin, name="bus-lines", owner_org="transport"), 409
    )
    assert err["name"] == ["That URL is already in use."]
    assert shown(api, "bus-lines") == first


def test_soft_deleted_dataset_keeps_its_name_until_purged(api, cast):
    new_dataset(api, cast.editor)
    api.ok("package_delete", cast.editor, id="bus-lines")
    err = error(
        api.post("package_create", cast.editor, name="bus-lines", owner_org="transport"), 409
    )
    assert "name" in err
    api.ok("dataset_purge", cast.sysadmin, id="bus-lines")
    assert new_dataset(api, cast.editor)["state"] == "active"


def test_title_defaults_to_the_name(api, cast):
    created = api.ok("package_create", cast.editor, name="bus-lines", owner_org="transport")
    assert created["title"] == "bus-lines"


def test_sysadmin_may_choose_the_id_of_a_new_dataset(api, cast):
    wanted = "6f1c2d3e-0000-4000-8000-000000000001"
    created = new_dataset(api, cast.sysadmin, id=wanted)
    assert created["id"] == wanted
    assert shown(api, wanted)["name"] == "bus-lines"


def test_editor_may_not_choose_the_id(api, cast):
    err = error(
        api.post(
            "package_create",
            cast.editor,
            id="6f1c2d3e-0000-4000-8000-000000000001",
            name="bus-lines",
            owner_org="transport",
        ),
        409,
    )
    assert "id" in err
    assert missing(api, "bus-lines", cast.sysadmin)


def test_sysadmin_cannot_reuse_an_existing_id(api, cast):
    first = new_dataset(api, cast.editor)
    err = error(
        api.post(
            "package_create", cast.sysadmin, id=first["id"], name="other", owner_org="transport"
        ),
        409,
    )
    assert "id" in err
    assert missing(api, "other", cast.sysadmin)


def test_draft_dataset_is_created_as_draft(api, cast):
    created = new_dataset(api, cast.editor, state="draft")
    assert created["state"] == "draft"
    assert api.ok("package_list") == []


def test_deleted_state_cannot_be_set_on_create(api, cast):
    err = error(
        api.post("package_create", cast.editor, name="bus", owner_org="transport", state="deleted"),
        409,
    )
    assert "state" in err


# --- Chinese text, tags, extras, licences ------------------------------------------------------


def test_chinese_title_notes_and_tags_round_trip_exactly(api, cast):
    title = "全省公交线路（2024年）·𠀀"
    notes = "数据说明：\n1. 含城乡公交；\n2. 单位：公里。"
    tags = ["公交", "交通 出行", "地铁·轨道", "Bus"]
    new_dataset(api, cast.editor, title=title, notes=notes, tags=[{"name": t} for t in tags])
    dataset = shown(api, "bus-lines")
    assert dataset["title"] == title
    assert dataset["notes"] == notes
    assert sorted(t["name"] for t in dataset["tags"]) == sorted(tags)
    assert dataset["num_tags"] == 4


def test_tag_string_is_accepted(api, cast):
    created = new_dataset(api, cast.editor, tag_string="公交, 地铁 ,bus")
    assert sorted(t["name"] for t in created["tags"]) == sorted(["公交", "地铁", "bus"])


def test_tags_may_not_contain_commas(api, cast):
    err = error(
        api.post(
            "package_create",
            cast.editor,
            name="bus",
            owner_org="transport",
            tags=[{"name": "公交,地铁"}],
        ),
        409,
    )
    assert "tags" in err


def test_extras_round_trip_as_a_list(api, cast):
    extras = [
        {"key": "更新频率", "value": "每月"},
        {"key": "coverage", "value": "全省"},
        {"key": "bbox", "value": [118.0, 24.5]},
    ]
    created = new_dataset(api, cast.editor, extras=extras)
    assert created["extras"] == [
        {"key": "bbox", "value": "[118.0, 24.5]"},
        {"key": "coverage", "value": "全省"},
        {"key": "更新频率", "value": "每月"},
    ]
    again = api.ok("package_update", cast.editor, **shown(api, "bus-lines"))
    assert again["extras"] == created["extras"]


def test_duplicate_extra_keys_are_refused(api, cast):
    extras = [{"key": "更新频率", "value": "每月"}, {"key": "更新频率", "value": "每日"}]
    err = error(
        api.post("package_create", cast.editor, name="bus", owner_org="transport", extras=extras),
        409,
    )
    assert "extras" in err


def test_deleted_extra_is_dropped(api, cast):
    new_dataset(api, cast.editor, extras=[{"key": "更新频率", "value": "每月"}])
    patched = api.ok(
        "package_patch",
        cast.editor,
        id="bus-lines",
        extras=[{"key": "更新频率", "value": "每月", "deleted": True}],
    )
    assert patched["extras"] == []


@pytest.mark.parametrize(
    ("license_id", "title", "isopen"),
    [
        ("cc-by-4.0", "Creative Commons Attribution 4.0", True),
        ("gov-open-data", "Government Open Data Licence", True),
        ("other-closed", "Other (Not Open)", False),
    ],
)
def test_known_licence_is_shown_with_its_title(api, cast, license_id, title, isopen):
    created = new_dataset(api, cast.editor, license_id=license_id)
    assert created["license_title"] == title
    assert created["isopen"] is isopen


def test_unknown_licence_is_refused(api, cast):
    err = error(
        api.post(
            "package_create",
            cast.editor,
            name="bus",
            owner_org="transport",
            license_id="made-up-licence",
        ),
        409,
    )
    assert list(err) == ["__type", "license_id"]
    assert missing(api, "bus", cast.sysadmin)


# --- malformed input stores nothing ------------------------------------------------------------


def test_unknown_field_is_rejected_with_a_field_keyed_error(api, cast):
    err = error(
        api.post("package_create", cast.editor, name="bus", owner_org="transport", colour="红"),
        409,
    )
    assert err["colour"] == ["Unknown field."]
    assert missing(api, "bus", cast.sysadmin)


def test_unknown_field_inside_a_tag_is_reported_at_its_position(api, cast):
    tags = [{"name": "公交"}, {"name": "地铁", "weight": 3}]
    err = error(
        api.post("package_create", cast.editor, name="bus", owner_org="transport", tags=tags),
        409,
    )
    assert err["tags"] == [{}, {"weight": ["Unknown field."]}]


WRONG_TYPES = [
    ("tags", "公交,地铁"),
    ("tags", ["公交"]),
    ("private", "maybe"),
    ("resources", {"url": "https://data.example.gov.cn/bus.csv"}),
    ("extras", {"更新频率": "每月"}),
    ("groups", "traffic"),
    ("title", 123),
    ("title", ["全省公交线路"]),
    ("owner_org", ["transport"]),
    ("author_email", "not-an-email"),
    ("state", "published"),
]


def test_wrong_types_are_refused_per_field_and_nothing_is_stored(api, cast):
    wrong = []
    for field, value in WRONG_TYPES:
        data = {"name": "bus", "owner_org": "transport", field: value}
        response = api.post("package_create", cast.editor, **data)
        error_keys = set(response.get_json().get("error", {}))
        if response.status_code != 409 or field not in error_keys:
            wrong.append((field, value, response.status_code, error_keys))
    assert wrong == []
    assert missing(api, "bus", cast.sysadmin)


HUGE = {
    "title": {"title": TWO_MB},
    "notes": {"notes": TWO_MB},
    "tag": {"tags": [{"name": TWO_MB}]},
    "extra": {"extras": [{"key": "说明", "value": TWO_MB}]},
    "resource name": {"resources": [{"url": "https://x.cn/a.csv", "name": TWO_MB}]},
    "resource field": {"resources": [{"url": "https://x.cn/a.csv", "备注": TWO_MB}]},
    "resource extras": {"resources": [{"url": "https://x.cn/a.csv", "extras": {"备注": TWO_MB}}]},
}


def test_huge_strings_are_refused_without_echoing_them(api, cast):
    wrong = []
    for case, fields in HUGE.items():
        data = {"name": "bus", "owner_org": "transport", **fields}
        response = api.post("package_create", cast.editor, **data)
        if response.status_code != 409 or len(response.data) > 10_000:
            wrong.append((case, response.status_code, len(response.data)))
    assert wrong == []
    assert missing(api, "bus", cast.sysadmin)


def test_body_that_is_not_an_object_is_refused(client, cast):
    response = client.post(
        "/api/3/action/package_create", json=["bus"], headers=cast.editor.headers
    )
    assert error(response, 400)["__type"] == "Bad Request"


BAD_CHANGES = [
    {"license_id": "made-up-licence"},
    {"private": "maybe"},
    {"tags": [{"name": "公交,地铁"}]},
    {"groups": [{"name": "no-such-theme"}]},
    {"owner_org": "no-such-department"},
    {"name": "metro-stations"},
    {"name": "Bad Name"},
    {"title": TWO_MB},
    {"colour": "红"},
    {"resources": [{"url": "https://x.cn/a.csv"}, {"name": "缺少链接", "size": "big"}]},
    {"resources": "none"},
]


@pytest.mark.parametrize("action", ["package_update", "package_patch"])
def test_failed_update_changes_nothing(api, cast, full, action):
    new_dataset(api, cast.editor, name="metro-stations", title="地铁站点")
    before = shown(api, "bus-lines")
    history = api.ok("package_activity_list", id="bus-lines")
    wrong = []
    for change in BAD_CHANGES:
        sent = {**before, "title": "改过的标题", **change}
        if action == "package_patch":
            sent = {"id": before["id"], "title": "改过的标题", **change}
        response = api.post(action, cast.editor, **sent)
        if response.status_code != 409:
            wrong.append((change, response.status_code))
        if shown(api, "bus-lines") != before:
            wrong.append((change, "stored"))
    assert wrong == []
    assert api.ok("package_activity_list", id="bus-lines") == history


def test_failed_update_with_another_datasets_resource_id_changes_nothing(api, cast, full):
    other = new_dataset(
        api,
        cast.editor,
        name="metro-stations",
        resources=[{"url": "https://data.example.gov.cn/metro.csv"}],
    )
    before = shown(api, "bus-lines")
    stolen = {"id": other["resources"][0]["id"], "url": "https://data.example.gov.cn/x.csv"}
    response = api.post(
        "package_update", cast.editor, **{**before, "title": "改过", "resources": [stolen]}
    )
    error(response, 409)
    assert shown(api, "bus-lines") == before
    assert shown(api, "metro-stations") == shown(api, other["id"])
    assert shown(api, "metro-stations")["resources"] == other["resources"]


# --- update replaces, patch merges -------------------------------------------------------------


def test_update_clears_omitted_fields_but_keeps_resources_and_groups(api, cast, full):
    updated = api.ok(
        "package_update", cast.editor, id=full["id"], name="bus-lines", title="全省公交线路（新）"
    )
    assert updated["title"] == "全省公交线路（新）"
    for field in ("title_en", "notes", "author", "author_email", "version", "license_id"):
        assert updated[field] is None, field
    assert updated["tags"] == []
    assert updated["extras"] == []
    assert updated["owner_org"] == full["owner_org"]
    assert updated["resources"] == full["resources"]
    assert [g["name"] for g in updated["groups"]] == ["traffic"]
    assert shown(api, "bus-lines") == updated


def test_update_with_empty_resources_and_groups_clears_them(api, cast, full):
    updated = api.ok(
        "package_update", cast.editor, id=full["id"], name="bus-lines", resources=[], groups=[]
    )
    assert updated["resources"] == []
    assert updated["num_resources"] == 0
    assert updated["groups"] == []


def test_update_finds_the_dataset_by_name(api, cast, full):
    updated = api.ok("package_update", cast.editor, id="bus-lines", title="按名称更新")
    assert updated["id"] == full["id"]
    assert updated["title"] == "按名称更新"


def test_update_may_rename_the_dataset(api, cast, full):
    updated = api.ok("package_update", cast.editor, id=full["id"], name="bus-routes")
    assert updated["name"] == "bus-routes"
    assert shown(api, "bus-routes")["id"] == full["id"]
    assert missing(api, "bus-lines")


def test_show_update_round_trip_ignores_read_only_keys(api, cast, full):
    dataset = shown(api, "bus-lines")
    assert dataset["num_resources"] == 1 and dataset["organization"]
    sent = {**dataset, "title": "全省公交线路（修订）"}
    sent["metadata_modified"] = "1999-01-01T00:00:00"
    sent["num_resources"] = 99
    sent["organization"] = {"name": "health"}
    updated = api.ok("package_update", cast.editor, **sent)
    assert updated["title"] == "全省公交线路（修订）"
    assert updated["metadata_modified"] > dataset["metadata_modified"]
    assert updated["organization"]["name"] == "transport"
    assert updated["num_resources"] == 1
    unchanged = {"title", "metadata_modified", "resources"}
    assert {k: v for k, v in updated.items() if k not in unchanged} == {
        k: v for k, v in dataset.items() if k not in unchanged
    }
    for before, after in zip(dataset["resources"], updated["resources"], strict=True):
        assert {**before, "metadata_modified": None} == {**after, "metadata_modified": None}


def test_patch_changes_only_the_given_keys(api, cast, full):
    patched = api.ok("package_patch", cast.editor, id="bus-lines", notes="新的说明")
    assert patched["notes"] == "新的说明"
    for key in ("title", "title_en", "author", "license_id", "tags", "extras", "groups"):
        assert patched[key] == full[key], key
    assert [r["id"] for r in patched["resources"]] == [r["id"] for r in full["resources"]]
    assert shown(api, "bus-lines") == patched


def test_patch_replaces_a_list_it_is_given(api, cast, full):
    patched = api.ok("package_patch", cast.editor, id=full["id"], tags=[{"name": "地铁"}])
    assert [t["name"] for t in patched["tags"]] == ["地铁"]
    assert patched["notes"] == full["notes"]


def test_patch_with_a_bad_value_changes_nothing(api, cast, full):
    before = shown(api, "bus-lines")
    response = api.post("package_patch", cast.editor, id="bus-lines", private="maybe")
    assert "private" in error(response, 409)
    assert shown(api, "bus-lines") == before


@pytest.mark.parametrize("action", ["package_update", "package_patch", "package_delete"])
def test_changing_a_missing_dataset_is_a_404(api, cast, action):
    response = api.post(action, cast.editor, id="no-such-dataset", title="x")
    assert error(response, 404)["__type"] == "Not Found Error"


def test_show_of_missing_dataset_is_a_404(api):
    assert error(api.post("package_show", id="no-such-dataset"), 404)["__type"] == (
        "Not Found Error"
    )


def test_show_without_id_is_a_validation_error(api):
    assert error(api.post("package_show"), 409)["id"] == ["Missing value"]


# --- delete and purge --------------------------------------------------------------------------


def test_soft_deleted_dataset_is_hidden_but_kept(api, cast, full):
    new_dataset(api, cast.editor, name="metro-stations", title="地铁站点")
    assert api.ok("package_delete", cast.editor, id="bus-lines") is None
    assert shown(api, "bus-lines", cast.editor)["state"] == "deleted"
    assert shown(api, "bus-lines", cast.sysadmin)["state"] == "deleted"
    assert error(api.post("package_show", id="bus-lines"), 404)["__type"] == "Not Found Error"
    assert api.ok("package_list") == ["metro-stations"]
    assert [d["name"] for d in api.ok("current_package_list_with_resources")] == ["metro-stations"]
    for person in (None, cast.editor, cast.sysadmin):
        search = api.ok("package_search", person, q="公交", include_private=True)
        assert search["count"] == 0


@pytest.mark.parametrize("action", ["package_update", "package_patch"])
def test_deleted_dataset_is_restored_by_an_update_or_patch(api, cast, full, action):
    api.ok("package_delete", cast.editor, id="bus-lines")
    restored = api.ok(action, cast.editor, id="bus-lines", title="恢复的数据集")
    assert restored["state"] == "active"
    assert restored["title"] == "恢复的数据集"
    assert api.ok("package_list") == ["bus-lines"]
    assert api.ok("package_search", q="恢复")["count"] == 1


def test_patch_may_keep_a_dataset_as_draft(api, cast):
    new_dataset(api, cast.editor, state="draft")
    patched = api.ok("package_patch", cast.editor, id="bus-lines", notes="草稿说明")
    assert patched["state"] == "draft"
    published = api.ok("package_patch", cast.editor, id="bus-lines", state="active")
    assert published["state"] == "active"
    assert api.ok("package_list") == ["bus-lines"]


def test_purge_removes_the_dataset_its_history_and_its_files(api, cast, client, app):
    created = new_dataset(api, cast.editor)
    content = "线路,站点\n1路,火车站\n".encode()
    upload = client.post(
        "/api/3/action/resource_create",
        data={"package_id": created["id"], "upload": (io.BytesIO(content), "公交线路.csv")},
        content_type="multipart/form-data",
        headers=cast.editor.headers,
    )
    assert upload.status_code == 200, upload.get_json()
    storage_root = app.extensions["portal.storage"].root
    assert [p.read_bytes() for p in storage_root.rglob("*") if p.is_file()] == [content]
    api.ok("package_delete", cast.editor, id="bus-lines")
    assert api.ok("dataset_purge", cast.sysadmin, id="bus-lines") is None
    assert error(api.post("package_show", cast.sysadmin, id=created["id"]), 404)
    assert error(api.post("package_activity_list", cast.sysadmin, id=created["id"]), 404)
    assert [p for p in storage_root.rglob("*") if p.is_file()] == []
    url = upload.get_json()["result"]["url"].split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{url}").status_code == 404
    assert new_dataset(api, cast.editor)["id"] != created["id"]


def test_purge_of_an_active_dataset_also_works(api, cast, full):
    api.ok("dataset_purge", cast.sysadmin, id=full["id"])
    assert missing(api, "bus-lines", cast.sysadmin)
    assert api.ok("package_list") == []
    group = api.ok("group_show", id="traffic")
    assert group["package_count"] == 0


def test_purge_of_a_missing_dataset_is_a_404(api, cast):
    assert error(api.post("dataset_purge", cast.sysadmin, id="no-such-dataset"), 404)


# --- lists and history -------------------------------------------------------------------------


def test_package_list_names_public_active_datasets_in_order(api, cast):
    for name in ("metro-stations", "bus-lines", "airports"):
        new_dataset(api, cast.editor, name=name)
    new_dataset(api, cast.editor, name="internal-costs", private=True)
    new_dataset(api, cast.editor, name="taxi-draft", state="draft")
    assert api.ok("package_list") == ["airports", "bus-lines", "metro-stations"]
    assert api.ok("package_list", limit=2) == ["airports", "bus-lines"]
    assert api.ok("package_list", limit=2, offset=2) == ["metro-stations"]
    assert api.get("package_list", limit="1").get_json()["result"] == ["airports"]


def test_lists_refuse_bad_paging(api, cast):
    bad = [{"limit": -1}, {"limit": 1001}, {"offset": -1}, {"limit": "many"}, {"offset": 10**20}]
    for action in ("package_list", "current_package_list_with_resources"):
        for params in bad:
            response = api.post(action, **params)
            assert response.status_code == 409, (action, params)
            assert response.get_json()["error"]["__type"] == "Validation Error"


def test_current_package_list_with_resources_shows_newest_public_first(api, cast):
    new_dataset(api, cast.editor, name="airports", resources=[{"url": "https://x.cn/a.csv"}])
    new_dataset(api, cast.editor, name="bus-lines")
    new_dataset(api, cast.editor, name="internal-costs", private=True)
    api.ok("package_patch", cast.editor, id="airports", notes="最近修改")
    result = api.ok("current_package_list_with_resources")
    assert [d["name"] for d in result] == ["airports", "bus-lines"]
    assert result[0]["resources"][0]["url"] == "https://x.cn/a.csv"
    assert [d["name"] for d in api.ok("current_package_list_with_resources", limit=1)] == [
        "airports"
    ]
    assert [
        d["name"] for d in api.ok("current_package_list_with_resources", limit=1, offset=1)
    ] == ["bus-lines"]


def test_activity_list_is_newest_first_with_the_dataset_after_each_change(api, cast):
    new_dataset(api, cast.editor, title="第一版")
    api.ok("package_patch", cast.editor, id="bus-lines", title="第二版")
    api.ok("package_patch", cast.admin, id="bus-lines", title="第三版")
    api.ok("package_delete", cast.editor, id="bus-lines")
    activities = api.ok("package_activity_list", cast.editor, id="bus-lines")
    assert [a["activity_type"] for a in activities] == [
        "deleted package",
        "changed package",
        "changed package",
        "new package",
    ]
    assert [a["data"]["package"]["title"] for a in activities] == ["第三版"] * 2 + [
        "第二版",
        "第一版",
    ]
    assert activities[0]["data"]["package"]["state"] == "deleted"
    assert [a["user_id"] for a in activities] == [
        cast.editor.user.id,
        cast.admin.user.id,
        cast.editor.user.id,
        cast.editor.user.id,
    ]
    stamps = [a["timestamp"] for a in activities]
    assert stamps == sorted(stamps, reverse=True)
    page = api.ok("package_activity_list", cast.editor, id="bus-lines", limit=2, offset=1)
    assert [a["id"] for a in page] == [a["id"] for a in activities[1:3]]


def test_activity_of_a_resource_change_holds_the_new_resource(api, cast):
    new_dataset(api, cast.editor)
    api.ok("resource_create", cast.editor, package_id="bus-lines", url="https://x.cn/a.csv")
    latest = api.ok("package_activity_list", id="bus-lines")[0]
    assert latest["activity_type"] == "changed package"
    assert latest["data"]["package"]["resources"][0]["url"] == "https://x.cn/a.csv"


def test_activity_list_refuses_bad_paging(api, cast):
    new_dataset(api, cast.editor)
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 10**20}):
        response = api.post("package_activity_list", id="bus-lines", **params)
        assert response.status_code == 409, params


@pytest.mark.parametrize("name", ["new", "edit", "search"])
def test_names_that_are_page_addresses_are_refused(api, cast, name):
    response = api.post(
        "package_create", cast.editor, name=name, title="页面地址", owner_org="transport"
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["name"] == ["That name cannot be used."]



def test_package_show_reads_the_same_dict_as_the_orm_models(api, app, client, cast, full):
    """package_show reads plain rows (portal.catalog.package_rows); a write's response is
    built from the ORM models. Both must give the very same dataset dict."""
    from portal.actions import call
    from portal.catalog.package_rows import load_packages
    from portal.catalog.queries import find_dataset
    from portal.catalog.saving import show_dict
    from tests.conftest import site_context
    from tests.test_profiles import GOV_RESOURCE

    client.post(
        "/api/3/action/resource_create",
        data={"package_id": "bus-lines", "upload": (io.BytesIO(b"a,b\n1,2\n"), "线路.csv")},
        headers=cast.editor.headers,
        content_type="multipart/form-data",
    )
    removed = api.ok("resource_create", cast.editor, package_id="bus-lines", url="https://x.cn/3")
    api.ok("resource_delete", cast.editor, id=removed["id"])
    api.ok("package_create", cast.editor, **{**GOV_RESOURCE, "name": "school-list"})
    context = site_context(app, cast.sysadmin.user)
    ids = [call("package_show", context, {"id": n})["id"] for n in ("bus-lines", "school-list")]
    batch = load_packages(context, [*ids, "no-such-id"])
    assert sorted(batch) == sorted(ids)
    for name in ("bus-lines", "school-list"):  # a dcat-ap and a cn-gov dataset
        from_rows = call("package_show", context, {"id": name})
        from_models = show_dict(context, find_dataset(context, name))
        figures = {k: from_rows.pop(k) for k in ("views_total", "views_recent", "downloads")}
        assert figures == {"views_total": 0, "views_recent": 0, "downloads": 0}  # popularity
        assert from_rows == from_models
        assert show_dict(context, batch[from_rows["id"]]) == from_models  # the index's path
    lines = call("package_show", context, {"id": "bus-lines"})
    assert [r["format"] for r in lines["resources"]] == ["CSV", "CSV"]
    assert lines["resources"][1]["url_type"] == "upload"
    assert [g["name"] for g in lines["groups"]] == ["traffic"]
    assert [t["name"] for t in lines["tags"]] == ["公交", "线路"]
    assert lines["organization"]["name"] == "transport" and lines["quality"]["score"] > 0
