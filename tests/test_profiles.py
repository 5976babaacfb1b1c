"""Metadata profiles: the cn-gov government catalog and DCAT-AP fields, validated by the
same actions the API, forms and harvesters use."""

from __future__ import annotations

import pytest

GOV_RESOURCE = {
    "name": "bus-routes-catalog",
    "title": "全省公交线路信息",
    "type": "cn-gov",
    "owner_org": "transport",
    "resource_category": "basic",
    "category_code": "1010010001",
    "resource_code": "1010010001/000001",
    "share_type": "unconditional",
    "share_method": ["download", "api"],
    "open_to_public": "yes",
    "open_type": "unconditional",
    "update_cycle": "monthly",
    "issued": "2025-03-01",
    "related_codes": ["1010010001/000002"],
    "data_items": [
        {"name": "线路编号", "type": "C", "length": 20},
        {"name": "票价", "type": "Y", "description": "单位：元"},
    ],
}


def test_a_complete_government_resource_is_stored_and_shown_at_top_level(api, cast):
    created = api.ok("package_create", cast.editor, **GOV_RESOURCE)
    shown = api.ok("package_show", id=created["id"])
    assert shown["type"] == "cn-gov"
    assert shown["resource_code"] == "1010010001/000001"
    assert shown["share_method"] == ["download", "api"]
    assert shown["data_items"][0] == {"name": "线路编号", "type": "C", "length": 20}
    assert shown["issued"] == "2025-03-01"


def test_missing_required_elements_are_field_keyed_errors(api, cast):
    data = {k: v for k, v in GOV_RESOURCE.items() if k not in ("resource_code", "share_type")}
    response = api.post("package_create", cast.editor, **data)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["resource_code"] == ["Missing value"]
    assert error["share_type"] == ["Missing value"]


def test_errors_come_in_chinese_when_the_client_asks_for_it(client, cast):
    data = {**GOV_RESOURCE, "share_type": "conditional"}
    response = client.post(
        "/api/3/action/package_create",
        json=data,
        headers={**cast.editor.headers, "Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["share_condition"] == ["共享类型为“有条件共享”时必须填写共享条件。"]


def test_conditional_sharing_requires_a_condition_in_english(api, cast):
    response = api.post(
        "package_create", cast.editor, **{**GOV_RESOURCE, "share_type": "conditional"}
    )
    assert response.get_json()["error"]["share_condition"] == [
        "A conditional sharing type requires a sharing condition."
    ]
    fixed = {**GOV_RESOURCE, "share_type": "conditional", "share_condition": "仅限交通部门使用"}
    assert api.ok("package_create", cast.editor, **fixed)["share_condition"] == "仅限交通部门使用"


def test_chinese_choice_labels_are_accepted_as_spreadsheets_write_them(api, cast):
    data = {
        **GOV_RESOURCE,
        "resource_category": "基础信息资源",
        "share_type": "无条件共享",
        "update_cycle": "每月",
        "share_method": "平台文件下载，接口调用",
    }
    created = api.ok("package_create", cast.editor, **data)
    assert created["resource_category"] == "basic"
    assert created["share_type"] == "unconditional"
    assert created["update_cycle"] == "monthly"
    assert created["share_method"] == ["download", "api"]


def test_a_resource_code_is_unique_in_the_catalog(api, cast):
    api.ok("package_create", cast.editor, **GOV_RESOURCE)
    response = api.post("package_create", cast.editor, **{**GOV_RESOURCE, "name": "copy"})
    assert response.status_code == 409
    assert response.get_json()["error"]["resource_code"] == ["Already used by another dataset."]
    # Updating the dataset that holds the code is not a clash with itself.
    api.ok("package_patch", cast.editor, id="bus-routes-catalog", title="全省公交线路信息（2025）")


def test_bad_codes_and_choices_say_what_is_expected(api, cast):
    data = {**GOV_RESOURCE, "resource_code": "ABC", "update_cycle": "hourly"}
    error = api.post("package_create", cast.editor, **data).get_json()["error"]
    assert "1010010001/000123" in error["resource_code"][0]
    assert error["update_cycle"] == ["Not a valid choice."]


def test_a_resource_not_open_to_the_public_is_private(api, cast):
    data = {**GOV_RESOURCE, "open_to_public": "no", "open_type": "not_open"}
    created = api.ok("package_create", cast.editor, **data)
    assert created["private"] is True
    assert api.get("package_show", id=created["id"]).status_code == 404


def test_not_open_to_the_public_forbids_an_open_type(api, cast):
    data = {**GOV_RESOURCE, "open_to_public": "no", "open_type": "unconditional"}
    error = api.post("package_create", cast.editor, **data).get_json()["error"]
    assert "open_type" in error


def test_update_replaces_and_patch_keeps_profile_fields(api, cast):
    created = api.ok("package_create", cast.editor, **GOV_RESOURCE)
    patched = api.ok("package_patch", cast.editor, id=created["id"], update_cycle="yearly")
    assert patched["update_cycle"] == "yearly"
    assert patched["resource_code"] == "1010010001/000001"
    shown = api.ok("package_show", id=created["id"])
    shown["title"] = "改过的标题"
    assert api.ok("package_update", cast.editor, **shown)["data_items"] == shown["data_items"]


def test_dcat_ap_fields_on_plain_datasets(api, cast):
    created = api.ok(
        "package_create",
        cast.editor,
        name="air",
        title="空气质量日报",
        owner_org="transport",
        frequency="DAILY",
        language=["zh", "en"],
        temporal_start="2025-01-01",
        access_rights="PUBLIC",
        conforms_to="https://www.mee.gov.cn/ywgz/fgbz/bz/",
    )
    assert created["frequency"] == "DAILY"
    assert created["language"] == ["zh", "en"]
    bad = api.post(
        "package_create", cast.editor, name="air2", owner_org="transport", issued="yesterday"
    )
    assert bad.get_json()["error"]["issued"] == ["Not a valid date."]


def test_unknown_dataset_type_is_refused(api, cast):
    response = api.post("package_create", cast.editor, name="x1", owner_org="transport", type="x")
    assert response.status_code == 409
    assert "type" in response.get_json()["error"]


@pytest.mark.parametrize(
    "dataset_type, field", [("cn-gov", "share_type"), ("dataset", "frequency")]
)
def test_scheming_schema_show_returns_the_profile(api, dataset_type, field):
    profile = api.ok("scheming_dataset_schema_show", type=dataset_type)
    names = [f["field_name"] for f in profile["dataset_fields"]]
    assert field in names
    shared = next(f for f in profile["dataset_fields"] if f["field_name"] == field)
    assert shared["label"]["zh"] and shared["label"]["en"]
    assert shared["choices"]


def test_profile_facets_are_searchable(api, cast):
    api.ok("package_create", cast.editor, **GOV_RESOURCE)
    result = api.ok(
        "package_search", fq="share_type:unconditional", **{"facet.field": ["update_cycle"]}
    )
    assert [d["name"] for d in result["results"]] == ["bus-routes-catalog"]
    assert result["facets"]["update_cycle"] == {"monthly": 1}


def test_a_resource_code_finds_its_dataset(api, cast):
    api.ok("package_create", cast.editor, **GOV_RESOURCE)
    result = api.ok("package_search", q='resource_code:"1010010001/000001"')
    assert [d["name"] for d in result["results"]] == ["bus-routes-catalog"]
