"""Form-posted datasets as CKAN accepts them, and the removed API v2."""

from __future__ import annotations


def test_form_posted_tag_string_becomes_tags(client, cast):
    data = {
        "name": "bus-stops",
        "title": "公交站点",
        "owner_org": "transport",
        "tags": "交通, 公交",
    }
    response = client.post("/api/3/action/package_create", data=data, headers=cast.editor.headers)

    assert response.status_code == 200, response.get_json()
    assert [t["name"] for t in response.get_json()["result"]["tags"]] == ["交通", "公交"]


def test_form_posted_numbered_keys_become_lists(client, cast):
    data = {
        "name": "bus-lines",
        "title": "公交线路",
        "owner_org": "transport",
        "tags__0__name": "公交",
        "tags__1__name": "线路",
        "resources__0__url": "https://data.example.gov.cn/lines.csv",
        "resources__0__name": "线路表",
    }
    response = client.post("/api/3/action/package_create", data=data, headers=cast.editor.headers)
    result = response.get_json()["result"]

    assert sorted(t["name"] for t in result["tags"]) == ["公交", "线路"]
    assert result["resources"][0]["name"] == "线路表"


def test_api_v2_paths_answer_with_a_clear_error(client):
    for path in ("/api/2/rest/dataset", "/api/2/util/tag/autocomplete?incomplete=公"):
        response = client.get(path)
        body = response.get_json()

        assert response.status_code == 410
        assert body["success"] is False
        assert "/api/3/action/" in body["error"]["message"]
