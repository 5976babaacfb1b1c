"""Error responses agree with the OpenAPI document: nested validation errors have the declared
shape, and inputs the document refuses (an empty id where it says minLength 1) are refused."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import create_dataset
from openapi_schema_validator import OAS30ReadValidator

from portal.api.openapi import build_spec
from portal.errors import ValidationError


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_spec()


def response_errors(
    doc: dict[str, Any], name: str, status: int, body: Any, method: str = "post"
) -> list[str]:
    """Where `body` does not match the document's response `status` of action `name`."""
    response = doc["paths"][f"/api/3/action/{name}"][method]["responses"][str(status)]
    while "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = {**response["content"]["application/json"]["schema"], "components": doc["components"]}
    return [
        f"{list(e.absolute_path)}: {e.message}"
        for e in OAS30ReadValidator(schema).iter_errors(body)
    ]


def test_nested_resource_and_tag_errors_match_the_documented_error_schema(api, cast, doc):
    response = api.post(
        "package_create",
        cast.editor,
        name="bus-routes",
        title="公交线路",
        owner_org="transport",
        tags=[{"name": "公交"}, {"name": "地铁,轻轨"}, {"name": ""}],
        resources=[{"url": "http://example.com/routes.csv"}, {"url": 12, "名称": ["列表"]}],
        extras=[{"key": ""}],
        language=["zh", "xx"],
    )
    assert response.status_code == 409
    body = response.get_json()
    assert response_errors(doc, "package_create", 409, body) == []
    error = body["error"]
    # One entry per list item, {} for the items without errors (CKAN's shape).
    assert error["tags"][0] == {}
    assert error["tags"][1]["name"] == ["Tags may not contain commas or newlines."]
    assert error["resources"][0] == {}
    assert set(error["resources"][1]) == {"url", "名称"}
    assert error["extras"] == [{"key": ["Length must be between 1 and 200."]}]
    # A list of plain values: its entries' messages keyed by index.
    assert error["language"] == {"1": ["Not a valid choice."]}


def test_errors_of_a_list_of_strings_match_the_documented_error_schema(api, doc):
    response = api.post("package_search", fq_list=["res_format:CSV", 7, {"a": 1}])
    assert response.status_code == 409
    body = response.get_json()
    assert response_errors(doc, "package_search", 409, body) == []
    assert body["error"]["fq_list"] == {"1": ["Not a valid string."], "2": ["Not a valid string."]}


def test_chinese_nested_errors_keep_the_documented_shape(client, cast, doc):
    response = client.post(
        "/api/3/action/package_create",
        json={
            "name": "bus-routes",
            "owner_org": "transport",
            "tags": [{"name": "公交,地铁"}],
            "language": ["xx"],
        },
        headers={**cast.editor.headers, "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 409
    assert response_errors(doc, "package_create", 409, response.get_json()) == []
    assert response.get_json()["error"]["language"] == {"0": ["不是有效的选项。"]}


@pytest.mark.parametrize(
    "messages",
    [
        {"config": {"harvest_interval": ["Not a valid integer."]}},
        {"resources": {1: {"url": ["Missing value"]}}},
        {"fq_list": {0: ["Not a valid string."]}},
        {"name": "Missing value"},
    ],
)
def test_every_validation_error_body_matches_the_documented_error_schema(doc, messages):
    body = {
        "help": "http://x/",
        "success": False,
        "error": ValidationError(messages).as_error_dict(),
    }
    assert response_errors(doc, "package_create", 409, body) == []


def test_organization_update_refuses_an_empty_id(api, cast, doc):
    schema = doc["components"]["schemas"]["OrganizationUpdateInput"]
    assert schema["properties"]["id"]["minLength"] == 1
    response = api.post("organization_update", cast.sysadmin, id="", name="transport", title="改名")
    assert response.status_code == 409
    body = response.get_json()
    assert "id" in body["error"]
    assert response_errors(doc, "organization_update", 409, body) == []
    assert api.ok("organization_show", id="transport")["title"] == "省交通运输厅"


def test_package_update_and_patch_refuse_an_empty_id(api, app, cast, doc):
    create_dataset(app, "bus-routes", cast.transport, title="公交线路")
    for name, data in [
        ("package_update", {"id": "", "name": "bus-routes", "owner_org": "transport"}),
        ("package_patch", {"id": "", "name": "bus-routes", "title": "改名"}),
        ("package_patch", {"id": None, "name": "bus-routes", "title": "改名"}),
    ]:
        response = api.post(name, cast.sysadmin, **data)
        assert response.status_code == 409, (name, data)
        assert "id" in response.get_json()["error"]
        assert response_errors(doc, name, 409, response.get_json()) == [], name
    assert api.ok("package_show", id="bus-routes")["title"] == "公交线路"
    patched = api.ok("package_patch", cast.sysadmin, id="bus-routes", title="公交线路（2024）")
    assert patched["title"] == "公交线路（2024）"


def test_multipart_part_with_an_unparsable_name_is_not_a_server_error(client, cast):
    body = b'--b\r\nContent-Disposition: form-data; name="\\"\r\n\r\n9\r\n--b--\r\n'
    response = client.post(
        "/api/3/action/resource_patch",
        data=body,
        content_type="multipart/form-data; boundary=b",
        headers=cast.sysadmin.headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Every form field and file needs a name"
