"""The OpenAPI document at /api/3/openapi.json describes every action from its own schemas."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from conftest import create_dataset
from marshmallow import Schema, fields
from marshmallow import ValidationError as MarshmallowError
from openapi_schema_validator import OAS30ReadValidator
from openapi_spec_validator import OpenAPIV30SpecValidator

from portal import __version__, load_actions
from portal.actions import REGISTRY
from portal.api.openapi import PARTIAL, RESULTS, SchemaNames, build_spec


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with warnings.catch_warnings():
        # apispec warns when two schemas resolve to one component name: fail instead.
        warnings.filterwarnings("error", message="Multiple schemas resolved")
        return build_spec()


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local $refs (#/components/...) to the object they name."""
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operation(doc: dict[str, Any], name: str, method: str = "post") -> dict[str, Any]:
    return doc["paths"][f"/api/3/action/{name}"][method]


def body_schema(doc: dict[str, Any], name: str, media: str = "application/json") -> dict:
    content = operation(doc, name)["requestBody"]["content"]
    return resolve(doc, content[media]["schema"])


def test_served_document_is_valid_openapi_3(client):
    response = client.get("/api/3/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    served = response.get_json()
    OpenAPIV30SpecValidator(served).validate()
    assert served["openapi"] == "3.0.3"
    assert served["info"]["title"] == "Open Data Portal Action API"
    assert served["info"]["version"] == __version__


def test_api_root_links_to_the_document(client):
    assert client.get("/api/3").get_json()["openapi"].endswith("/api/3/openapi.json")


def test_every_registered_action_has_a_documented_path(doc):
    load_actions()
    for name, spec in REGISTRY.items():
        path = doc["paths"].get(f"/api/3/action/{name}")
        assert path is not None, name
        assert path["post"]["summary"] == spec.summary
        assert path["post"]["description"].startswith(spec.summary)
        assert ("get" in path) is spec.side_effect_free, name


def test_every_registered_action_has_a_documented_result(doc):
    load_actions()
    assert sorted(set(REGISTRY) - set(RESULTS)) == []
    result = operation(doc, "package_show")["responses"]["200"]["content"]["application/json"]
    envelope, success = result["schema"]["allOf"]
    assert resolve(doc, envelope)["required"] == ["help", "success"]
    assert success["properties"]["success"]["enum"] == [True]
    package = resolve(doc, success["properties"]["result"])
    assert {"name", "owner_org", "resources", "tags", "organization"} <= set(package["required"])


def test_list_results_are_arrays_and_deletes_return_null(doc):
    def result(name: str) -> dict[str, Any]:
        content = operation(doc, name)["responses"]["200"]["content"]["application/json"]
        return content["schema"]["allOf"][1]["properties"]["result"]

    assert result("package_list") == {"type": "array", "items": {"type": "string"}}
    names, dicts = result("organization_list")["anyOf"]
    assert names["items"] == {"type": "string"}
    assert resolve(doc, dicts["items"])["properties"]["package_count"]["type"] == "integer"
    assert result("package_delete")["enum"] == [None]
    search = resolve(doc, result("package_search"))
    assert {"count", "results", "facets", "search_facets", "sort"} <= set(search["required"])


def test_read_actions_have_get_with_query_parameters(doc):
    parameters = operation(doc, "package_search", "get")["parameters"]
    by_name = {p["name"]: p for p in parameters}
    expected = {"q", "fq", "rows", "start", "facet.field", "include_private"}
    assert expected <= set(by_name)
    assert all(p["in"] == "query" for p in parameters)
    assert "facet_field" not in by_name  # the data_key is what clients send
    assert by_name["rows"]["schema"]["type"] == "integer"
    assert by_name["rows"]["schema"]["maximum"] == 1000
    assert by_name["include_private"]["schema"]["type"] == "boolean"

    show = {p["name"]: p for p in operation(doc, "package_show", "get")["parameters"]}
    assert show["id"]["required"] is True
    assert "get" not in doc["paths"]["/api/3/action/package_create"]


def test_package_create_request_body_requires_name_and_owner_org(doc):
    assert operation(doc, "package_create")["requestBody"]["required"] is True
    schema = body_schema(doc, "package_create")
    assert {"name", "owner_org"} <= set(schema["required"])
    assert schema["properties"]["name"]["pattern"] == "^[a-z0-9_-]{2,100}$"
    assert schema["additionalProperties"] is False
    tag = resolve(doc, schema["properties"]["tags"]["items"])
    assert tag["required"] == ["name"]


def test_update_actions_do_not_require_what_they_fill_in(doc):
    assert "required" not in body_schema(doc, "package_patch")
    update = body_schema(doc, "package_update")
    assert not {"name", "owner_org"} & set(update.get("required", []))
    assert "`id` or `name`" in operation(doc, "package_update")["description"]


def test_validation_error_response_documents_field_keyed_errors(doc):
    response = resolve(doc, operation(doc, "package_create")["responses"]["409"])
    envelope = resolve(doc, response["content"]["application/json"]["schema"])
    error = resolve(doc, envelope["allOf"][1]["properties"]["error"])
    assert error["properties"]["__type"]["enum"] == ["Validation Error"]
    messages = resolve(doc, error["additionalProperties"])
    field_messages, entries, nested = messages["anyOf"]
    assert field_messages == {"type": "array", "items": {"type": "string"}}
    assert resolve(doc, entries["items"]) == resolve(doc, nested)
    assert resolve(doc, resolve(doc, nested)["additionalProperties"]) == messages


def test_error_responses_use_ckan_error_types(doc):
    responses = operation(doc, "package_show", "get")["responses"]
    expected = {
        "400": {"Bad Request", "Search Query Error"},
        "403": {"Authorization Error"},
        "404": {"Not Found Error"},
    }
    for code, types in expected.items():
        response = resolve(doc, responses[code])
        schema = response["content"]["application/json"]["schema"]
        error_envelope, narrowed = schema["allOf"]
        error = resolve(doc, resolve(doc, error_envelope)["allOf"][1]["properties"]["error"])
        assert error["required"] == ["__type", "message"]
        assert set(narrowed["properties"]["error"]["properties"]["__type"]["enum"]) == types


def test_resource_create_documents_multipart_upload(doc):
    for name in ("resource_create", "resource_update", "resource_patch"):
        content = operation(doc, name)["requestBody"]["content"]
        assert {"application/json", "multipart/form-data"} <= set(content), name
        upload = body_schema(doc, name, "multipart/form-data")["properties"]["upload"]
        assert (upload["type"], upload["format"]) == ("string", "binary")
        # A JSON body cannot carry a file.
        assert "upload" not in body_schema(doc, name)["properties"], name
        assert "413" in operation(doc, name)["responses"]
    assert "multipart/form-data" not in operation(doc, "package_create")["requestBody"]["content"]


def test_api_token_security_scheme(doc):
    scheme = doc["components"]["securitySchemes"]["ApiToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Bearer" in scheme["description"] and "X-CKAN-API-Key" in scheme["description"]
    assert operation(doc, "package_create")["security"] == [{"ApiToken": []}]
    assert {} in operation(doc, "package_search", "get")["security"]


def test_documented_required_fields_match_what_the_schemas_reject(doc):
    """An empty input is rejected for exactly the fields the document marks required."""
    load_actions()
    for name, spec in REGISTRY.items():
        if spec.schema is None:
            continue
        partial = PARTIAL[name][0] if name in PARTIAL else False
        try:
            spec.schema(partial=partial).load({})
            missing: set[str] = set()
        except MarshmallowError as exc:
            # Only "Missing value" means required; an either/or rule (quality_report's id or
            # organization) is not a required field.
            missing = {k for k, v in exc.messages.items() if v == ["Missing value"]}
        assert set(body_schema(doc, name).get("required", [])) == missing, name


def test_documented_required_fields_are_required_by_the_api(api, cast, doc):
    response = api.post("package_create", cast.editor)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error.pop("__type") == "Validation Error"
    assert set(error) == set(body_schema(doc, "package_create")["required"])


def test_dynamically_built_schemas_get_distinct_names_without_warnings():
    first = Schema.from_dict({"a": fields.String()})
    second = Schema.from_dict({"b": fields.Integer()})
    assert first.__name__ == second.__name__ == "GeneratedSchema"
    plugin = MarshmallowPlugin(schema_name_resolver=SchemaNames())
    spec = APISpec(title="t", version="1", openapi_version="3.0.3", plugins=[plugin])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Multiple schemas resolved")
        refs = [
            plugin.converter.resolve_nested_schema(schema)
            for schema in (first, second, first, first(exclude=("a",)))
        ]
    assert refs[0] == refs[2]
    assert len({ref["$ref"] for ref in refs}) == 3
    assert len(spec.to_dict()["components"]["schemas"]) == 3


def test_responses_match_their_documented_result_schemas(api, app, cast, doc):
    """Real results validate against the documented 200 schemas (result_schemas vs dictize)."""
    create_dataset(
        app,
        "bus-routes",
        cast.transport,
        tags=[{"name": "公交"}],
        extras=[{"key": "frequency", "value": "daily"}],
        resources=[{"url": "http://example.com/routes.csv", "format": "CSV", "layer": "1"}],
    )
    dataset = api.ok("package_show", id="bus-routes")
    calls = {
        "package_show": {"id": "bus-routes"},
        "resource_show": {"id": dataset["resources"][0]["id"]},
        "package_search": {"q": "bus", "facet.field": '["tags","res_format"]'},
        "package_list": {},
        "current_package_list_with_resources": {},
        "package_activity_list": {"id": "bus-routes"},
        "organization_list": {"all_fields": "true"},
        "organization_show": {"id": "transport", "include_datasets": "true"},
        "group_list": {},
        "tag_list": {"all_fields": "true"},
        "license_list": {},
        "status_show": {},
        "site_read": {},
    }
    for name, params in calls.items():
        response = api.get(name, **params)
        assert response.status_code == 200, (name, response.get_json())
        content = operation(doc, name, "get")["responses"]["200"]["content"]
        schema = {**content["application/json"]["schema"], "components": doc["components"]}
        errors = [e.message for e in OAS30ReadValidator(schema).iter_errors(response.get_json())]
        assert errors == [], name


def test_search_results_with_fl_match_the_documented_result(api, app, cast, doc):
    """With `fl` each result holds only the listed keys (unknown ones too): still as documented."""
    create_dataset(app, "bus-routes", cast.transport, title="公交线路")
    response = api.get("package_search", q="公交", fl="name,title,no_such_key")
    assert response.status_code == 200
    assert response.get_json()["result"]["results"][0]["title"] == "公交线路"
    content = operation(doc, "package_search", "get")["responses"]["200"]["content"]
    schema = {**content["application/json"]["schema"], "components": doc["components"]}
    errors = [e.message for e in OAS30ReadValidator(schema).iter_errors(response.get_json())]
    assert errors == []
