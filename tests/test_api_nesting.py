"""Deeply nested input is a 400 Bad Request with CKAN's error body, never a 500."""

from __future__ import annotations

import pytest


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("action", ["package_search", "package_create"])
def test_a_body_nested_5000_deep_is_a_bad_request(client, cast, action):
    body = '{"q": ' + nested(5000) + "}"  # about 10 KB
    response = client.post(
        f"/api/3/action/{action}",
        data=body,
        content_type="application/json",
        headers=cast.editor.headers,
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["__type"] == "Bad Request"
    assert "nested deeper than" in error["message"]


def test_a_body_just_over_the_depth_cap_is_refused_before_validation(client):
    body = '{"q": "公交", "extra": ' + nested(40) + "}"
    response = client.post(
        "/api/3/action/package_search", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested deeper than 32" in response.get_json()["error"]["message"]


def test_ordinary_nesting_still_works(api, cast):
    created = api.ok(
        "package_create",
        cast.editor,
        name="bus-stops",
        title="公交站点",
        owner_org="transport",
        resources=[{"name": "站点", "url": "https://data.example.gov.cn/stops.csv"}],
        tags=[{"name": "公交"}],
    )
    assert created["resources"][0]["name"] == "站点"


def test_a_deeply_nested_facet_field_in_the_query_string_is_a_bad_request(client):
    response = client.get(
        "/api/3/action/package_search", query_string={"facet.field": nested(5000)}
    )
    assert response.status_code == 400
    assert response.get_json()["success"] is False
