"""The Action API speaks CKAN's envelope, error types and status codes."""

from __future__ import annotations


def test_success_is_wrapped_in_ckan_envelope(api, cast):
    response = api.get("organization_list")
    body = response.get_json()
    assert response.status_code == 200
    assert body["success"] is True
    assert body["help"].endswith("help_show?name=organization_list")
    # Sorted by title in pinyin: 省交通 (sheng jiao) before 省卫生 (sheng wei).
    assert body["result"] == ["transport", "health"]


def test_unknown_action_is_a_400_bad_request(api):
    response = api.get("no_such_action")
    assert response.status_code == 400
    body = response.get_json()
    assert body["success"] is False
    assert "Action name not known" in body["error"]["message"]


def test_validation_errors_are_field_keyed_409(api, cast):
    response = api.post("package_create", cast.editor, name="Bad Name!", owner_org="transport")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["__type"] == "Validation Error"
    assert "name" in error


def test_broken_json_is_a_400_not_a_500(client, cast):
    response = client.post(
        "/api/3/action/package_create",
        data=b'{"name": ',
        headers={**cast.editor.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["__type"] == "Bad Request"


def test_invalid_utf8_body_is_a_400(client, cast):
    response = client.post(
        "/api/3/action/package_create",
        data=b'{"name": "\xff\xfe"}',
        headers={**cast.editor.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_write_action_refuses_get(api, cast):
    response = api.get("package_create", cast.editor, name="x1", owner_org="transport")
    assert response.status_code == 400


def test_invalid_token_is_an_authorization_error(client):
    response = client.get(
        "/api/3/action/package_list", headers={"Authorization": "odp_not-a-real-token"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["__type"] == "Authorization Error"


def test_bearer_prefix_and_ckan_header_are_accepted(client, cast):
    for headers in (
        {"Authorization": f"Bearer {cast.editor.token}"},
        {"X-CKAN-API-Key": cast.editor.token},
    ):
        response = client.get("/api/3/action/user_show", headers=headers)
        assert response.get_json()["result"]["name"] == "transport-editor"
