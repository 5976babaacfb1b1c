"""CKAN's resource views: editors of a dataset add, change, order and remove the ways its
resources are shown; whoever may read the dataset lists them; private datasets' views stay
private and a removed resource takes its views with it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_datasets import error, new_dataset


@pytest.fixture
def resource(api, cast) -> dict[str, Any]:
    flow = {"name": "站点客流", "url": "https://jt.example.gov.cn/flow.csv", "format": "CSV"}
    dataset = new_dataset(api, cast.editor, resources=[flow])
    return dataset["resources"][0]


def add_view(api, person, resource, **fields) -> dict[str, Any]:
    data = {"resource_id": resource["id"], "title": "客流表", "view_type": "datatables_view"}
    return api.ok("resource_view_create", person, **{**data, **fields})


def test_an_editor_adds_views_that_anyone_lists_in_order(api, cast, resource):
    table = add_view(api, cast.editor, resource)
    chart = add_view(api, cast.editor, resource, title="客流趋势", view_type="chart_view",
                     config={"x": "日期", "y": "客流", "kind": "line"})  # fmt: skip
    listed = api.ok("resource_view_list", id=resource["id"])
    assert [v["title"] for v in listed] == ["客流表", "客流趋势"]
    assert listed[1]["config"] == {"x": "日期", "y": "客流", "kind": "line"}
    assert listed[0]["package_id"] == resource["package_id"]
    assert api.ok("resource_view_show", id=chart["id"]) == listed[1]
    assert table["order"] == 0 and chart["order"] == 1


def test_views_are_reordered_updated_and_deleted(api, cast, resource):
    first = add_view(api, cast.editor, resource, title="一")
    second = add_view(api, cast.editor, resource, title="二")
    api.ok("resource_view_reorder", cast.editor, id=resource["id"], order=[second["id"]])
    assert [v["title"] for v in api.ok("resource_view_list", id=resource["id"])] == ["二", "一"]
    changed = api.ok("resource_view_update", cast.editor, id=first["id"], title="图片",
                     view_type="image_view", config={})  # fmt: skip
    assert changed["view_type"] == "image_view"
    api.ok("resource_view_delete", cast.editor, id=second["id"])
    assert [v["title"] for v in api.ok("resource_view_list", id=resource["id"])] == ["图片"]
    assert api.post("resource_view_show", id=second["id"]).status_code == 404


def test_only_editors_of_the_dataset_manage_its_views(api, cast, resource):
    view = add_view(api, cast.editor, resource)
    data = {"resource_id": resource["id"], "title": "越权", "view_type": "text_view"}
    for person in (cast.anonymous, cast.outsider, cast.member):
        assert api.post("resource_view_create", person, **data).status_code == 403
        assert api.post("resource_view_delete", person, id=view["id"]).status_code == 403
    assert len(api.ok("resource_view_list", id=resource["id"])) == 1


def test_views_of_a_private_dataset_are_hidden_from_outsiders(api, cast):
    dataset = new_dataset(api, cast.editor, name="private-flow", private=True, resources=[
        {"name": "客流", "url": "https://jt.example.gov.cn/p.csv"}])  # fmt: skip
    resource = dataset["resources"][0]
    view = add_view(api, cast.editor, resource)
    assert api.post("resource_view_list", id=resource["id"]).status_code == 404
    assert api.post("resource_view_show", cast.outsider, id=view["id"]).status_code == 404
    assert len(api.ok("resource_view_list", cast.member, id=resource["id"])) == 1


def test_removing_the_resource_removes_its_views(api, cast, resource):
    view = add_view(api, cast.editor, resource)
    api.ok("resource_delete", cast.editor, id=resource["id"])
    assert api.post("resource_view_show", id=view["id"]).status_code == 404


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"view_type": "flash_view"}, "view_type"),
        ({"title": ""}, "title"),
        ({"config": "not an object"}, "config"),
        ({"config": {"big": "数" * 8000}}, "config"),
    ],
)
def test_bad_views_are_validation_errors(api, cast, resource, fields, key):
    data = {"resource_id": resource["id"], "title": "客流表", "view_type": "datatables_view"}
    assert key in error(api.post("resource_view_create", cast.editor, **{**data, **fields}), 409)
    assert api.ok("resource_view_list", id=resource["id"]) == []
