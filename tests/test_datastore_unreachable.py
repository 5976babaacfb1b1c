"""A DataStore database that cannot be reached (a PostgreSQL server down) costs only the rows:
the API answers 503 with a CKAN error body, the resource page falls back to the file's own
preview, dumps say the service is unavailable and the resource is not datastore_active."""

from __future__ import annotations

import io

import pytest
from datastore_support import new_dataset

from tests.test_web_pages import text

DOWN = "postgresql://portal:portal@127.0.0.1:9/none"  # the discard port: nothing listens


@pytest.fixture
def settings(settings):
    settings.datastore_url = DOWN
    return settings


@pytest.fixture
def resource(api, cast):
    dataset = new_dataset(api, cast.editor)
    form = {"upload": (io.BytesIO("站点,客流\n人民广场,52000\n".encode("gb18030")), "站点.csv"),
            "package_id": dataset["id"]}  # fmt: skip
    response = api.client.post(
        "/api/3/action/resource_create",
        data=form,
        headers=cast.editor.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def test_row_actions_answer_503_with_a_ckan_error_body(api, resource):
    for action, params in [("datastore_search", {"resource_id": resource["id"]}),
                           ("datastore_search_sql", {"sql": "SELECT 1"})]:  # fmt: skip
        response = api.get(action, **params)
        assert response.status_code == 503, (action, response.get_json())
        error = response.get_json()["error"]
        assert error["__type"] == "DataStore Error" and "unreachable" in error["message"]


def test_the_resource_page_falls_back_to_the_file_preview(client, resource):
    page = text(client.get(f"/dataset/bus-stops/resource/{resource['id']}"))
    assert "人民广场" in page


def test_a_dump_says_the_service_is_unavailable(client, resource):
    response = client.get(f"/datastore/dump/{resource['id']}")
    assert response.status_code == 503 and "unreachable" in text(response)


def test_a_resource_whose_load_failed_is_not_datastore_active(api, cast, resource):
    status = api.get("datastore_info", cast.editor, id=resource["id"])
    assert status.status_code == 503  # the table's fields live in the unreachable database
    assert api.ok("resource_show", id=resource["id"])["datastore_active"] is False
