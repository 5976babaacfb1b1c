"""JSON and form bodies are capped separately from uploads (413), and error bodies never echo
unbounded input back."""

from __future__ import annotations

import io
import json

import pytest

from portal import create_app


@pytest.fixture
def small_app(settings):
    """A portal whose JSON/form cap is 1 MB (PORTAL_MAX_JSON_MB=1) and uploads 4 MB."""
    settings.max_json_bytes = 1024 * 1024
    settings.max_upload_bytes = 4 * 1024 * 1024
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["portal.db"].dispose()


def test_a_json_body_over_the_limit_is_413_before_it_is_parsed(small_app):
    body = json.dumps({"q": "x" * (2 * 1024 * 1024)})
    response = small_app.test_client().post(
        "/api/3/action/package_search", data=body, content_type="application/json"
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["__type"] == "Bad Request" and "at most 1 MB" in error["message"]


def test_a_chunked_json_body_over_the_limit_is_413(small_app):
    chunks = io.BytesIO(json.dumps({"q": "x" * (2 * 1024 * 1024)}).encode())
    response = small_app.test_client().post(
        "/api/3/action/package_search",
        input_stream=chunks,
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn says of chunked input
    )
    assert response.status_code == 413


def test_a_form_body_over_the_limit_is_413(small_app):
    response = small_app.test_client().post(
        "/api/3/action/package_search", data={"q": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert len(response.data) < 2000


def test_an_upload_may_be_larger_than_the_json_limit(small_app):
    from tests.conftest import make_user

    client = small_app.test_client()
    editor = make_user(small_app, "uploader", sysadmin=True)
    org = {"name": "transport", "title": "交通运输厅"}
    client.post("/api/3/action/organization_create", json=org, headers=editor.headers)
    dataset = {"name": "big-file", "title": "大文件", "owner_org": "transport"}
    client.post("/api/3/action/package_create", json=dataset, headers=editor.headers)
    content = b"a,b\n" + b"1,2\n" * (600 * 1024)  # 2.4 MB of CSV
    response = client.post(
        "/api/3/action/resource_create",
        data={"package_id": "big-file", "upload": (io.BytesIO(content), "big.csv")},
        headers=editor.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["result"]["size"] == len(content)


def test_a_huge_unknown_field_name_is_not_echoed_back(client, cast):
    name = "x" * 500_000
    response = client.post(
        "/api/3/action/package_create",
        json={"name": "ok-name", "title": "标题", "owner_org": "transport", name: "v"},
        headers=cast.editor.headers,
    )
    assert response.status_code == 409
    assert len(response.data) < 5000


def test_a_huge_field_value_is_not_echoed_back(client, cast):
    response = client.post(
        "/api/3/action/package_create",
        data={"name": "y" * 900_000, "title": "标题", "owner_org": "transport"},
        headers=cast.editor.headers,
    )
    assert response.status_code == 409
    assert len(response.data) < 5000
