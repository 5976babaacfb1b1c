"""Resources: links to data elsewhere, and files uploaded into portal storage and downloaded back
with the same bytes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from portal import create_app

ROUTES = "线路,起点,终点\n1路,火车站,东街口\n2路,五一广场,西湖\n".encode()
STOPS = "站点,经度,纬度\n火车站,119.31,26.11\n".encode()


def error(response, status: int) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["success"] is False
    return body["error"]


def upload(client, person, action: str = "resource_create", **fields: Any):
    """A multipart resource_create / resource_update, as a browser form or ckanapi sends it."""
    content, filename = fields.pop("file", (ROUTES, "公交线路.csv"))
    data = {**fields, "upload": (io.BytesIO(content), filename)}
    return client.post(
        f"/api/3/action/{action}",
        data=data,
        content_type="multipart/form-data",
        headers=person.headers if person else {},
    )


def uploaded(client, person, **fields: Any) -> dict[str, Any]:
    response = upload(client, person, **fields)
    body = response.get_json()
    assert response.status_code == 200, body
    return body["result"]


def path_of(url: str) -> str:
    """The site-relative part of a download URL (the test client has no host)."""
    return urlsplit(url).path


def stored_files(app) -> dict[str, bytes]:
    root: Path = app.extensions["portal.storage"].root
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def sha256(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


@pytest.fixture
def dataset(api, cast) -> dict[str, Any]:
    return api.ok(
        "package_create", cast.editor, name="bus-lines", title="全省公交线路", owner_org="transport"
    )


@pytest.fixture
def private_dataset(api, cast) -> dict[str, Any]:
    return api.ok(
        "package_create",
        cast.editor,
        name="bus-costs",
        title="公交运营成本",
        owner_org="transport",
        private=True,
    )


# --- links -------------------------------------------------------------------------------------


def test_link_resource_is_added_to_the_dataset(api, cast, dataset):
    resource = api.ok(
        "resource_create",
        cast.editor,
        package_id="bus-lines",
        url="https://data.example.gov.cn/bus/routes.csv",
        name="线路表",
        description="全省线路",
        format="CSV",
    )
    assert resource["package_id"] == dataset["id"]
    assert resource["url"] == "https://data.example.gov.cn/bus/routes.csv"
    assert resource["url_type"] is None
    assert resource["position"] == 0
    shown = api.ok("package_show", id="bus-lines")
    assert shown["resources"] == [resource]
    assert shown["num_resources"] == 1
    assert api.ok("resource_show", id=resource["id"]) == resource


def test_new_resources_are_appended_in_order(api, cast, dataset):
    for n in range(3):
        api.ok("resource_create", cast.editor, package_id=dataset["id"], url=f"https://x.cn/{n}")
    shown = api.ok("package_show", id="bus-lines")
    assert [r["url"] for r in shown["resources"]] == [f"https://x.cn/{n}" for n in range(3)]
    assert [r["position"] for r in shown["resources"]] == [0, 1, 2]


def test_unknown_resource_keys_are_kept_as_extras(api, cast, dataset):
    resource = api.ok(
        "resource_create", cast.editor, package_id="bus-lines", url="https://x.cn/a", 坐标系="WGS84"
    )
    assert resource["坐标系"] == "WGS84"
    assert api.ok("resource_show", id=resource["id"])["坐标系"] == "WGS84"


def test_resource_without_url_or_upload_is_refused(api, cast, dataset):
    response = api.post("resource_create", cast.editor, package_id="bus-lines", name="空资源")
    assert list(error(response, 409)) == ["__type", "url"]
    assert api.ok("package_show", id="bus-lines")["resources"] == []


def test_resource_for_a_missing_dataset_is_refused(api, cast):
    response = api.post("resource_create", cast.editor, package_id="no-such", url="https://x.cn")
    assert error(response, 409)["package_id"] == ["Dataset not found"]


def test_resource_create_without_package_id_is_refused(api, cast):
    response = api.post("resource_create", cast.editor, url="https://x.cn")
    assert error(response, 409)["package_id"] == ["Missing value"]


def test_json_callers_cannot_send_upload(api, cast, dataset, app):
    for value in ("data:text/csv;base64,5YWs5Lqk", {"filename": "a.csv"}, 1):
        response = api.post("resource_create", cast.editor, package_id="bus-lines", upload=value)
        assert error(response, 409)["upload"] == ["Send the file as a multipart form field."]
    assert api.ok("package_show", id="bus-lines")["resources"] == []
    assert stored_files(app) == {}


def test_wrong_resource_types_are_refused(api, cast, dataset):
    cases = [("size", "large"), ("size", -1), ("last_modified", "yesterday"), ("name", ["a"])]
    for field, value in cases:
        data = {"package_id": "bus-lines", "url": "https://x.cn/a.csv", field: value}
        assert field in error(api.post("resource_create", cast.editor, **data), 409), field
    assert api.ok("package_show", id="bus-lines")["resources"] == []


# --- uploads and downloads ---------------------------------------------------------------------


def test_upload_records_size_hash_and_format(client, cast, dataset, app):
    resource = uploaded(client, cast.editor, package_id=dataset["id"], name="线路表")
    assert resource["url_type"] == "upload"
    assert resource["size"] == len(ROUTES)
    assert resource["hash"] == sha256(ROUTES)
    assert resource["format"] == "CSV"
    assert resource["mimetype"] == "text/csv"
    assert resource["name"] == "线路表"
    assert resource["last_modified"]
    expected = f"/dataset/{dataset['id']}/resource/{resource['id']}/download/公交线路.csv"
    assert resource["url"].endswith(expected)
    assert list(stored_files(app).values()) == [ROUTES]


def test_download_returns_the_same_bytes_under_the_chinese_filename(client, cast, dataset):
    resource = uploaded(client, cast.editor, package_id="bus-lines")
    for url in (path_of(resource["url"]), quote(path_of(resource["url"]))):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.data == ROUTES
        assert response.headers["Content-Length"] == str(len(ROUTES))
        assert response.headers["ETag"] == f'"{sha256(ROUTES)[7:]}"'
        disposition = response.headers["Content-Disposition"]
        assert disposition == f"attachment; filename*=UTF-8''{quote('公交线路.csv')}"


def test_download_urls_are_valid_iris_and_round_trip(client, api, cast, dataset):
    resource = uploaded(
        client, cast.editor, package_id="bus-lines", file=(ROUTES, "公交 线路 (2024)&v=1.csv")
    )
    # A space and URL delimiters are percent-encoded; Chinese stays readable.
    assert resource["url"].endswith("/download/公交%20线路%20%282024%29%26v%3D1.csv")
    response = client.get(path_of(resource["url"]))
    assert response.status_code == 200 and response.data == ROUTES
    # The encoded URL sent back on update still means "keep the uploaded file".
    updated = api.ok("resource_update", cast.editor, **{**resource, "name": "线路表"})
    assert updated["url_type"] == "upload" and updated["url"] == resource["url"]
    page = client.get(f"/dataset/bus-lines/resource/{resource['id']}").get_data(as_text=True)
    assert "/download/%E5%85%AC%E4%BA%A4%20%E7%BA%BF%E8%B7%AF" in page


def test_download_with_a_wrong_filename_or_dataset_is_a_404(client, api, cast, dataset):
    resource = uploaded(client, cast.editor, package_id="bus-lines")
    other = api.ok("package_create", cast.editor, name="metro", owner_org="transport")
    base = f"/dataset/{dataset['id']}/resource/{resource['id']}/download"
    assert client.get(f"{base}/other.csv").status_code == 404
    wrong_dataset = f"/dataset/{other['id']}/resource/{resource['id']}/download/公交线路.csv"
    assert client.get(wrong_dataset).status_code == 404
    assert client.get(f"/dataset/{dataset['id']}/resource/nope/download/a.csv").status_code == 404


def test_link_resource_has_no_download(client, api, cast, dataset):
    resource = api.ok("resource_create", cast.editor, package_id="bus-lines", url="https://x.cn/a")
    url = f"/dataset/{dataset['id']}/resource/{resource['id']}/download/a"
    assert client.get(url).status_code == 404


def test_upload_filename_cannot_escape_storage(client, cast, dataset, app):
    resource = uploaded(client, cast.editor, package_id="bus-lines", file=(STOPS, "../../站点.csv"))
    assert resource["url"].endswith("/download/站点.csv")
    assert client.get(path_of(resource["url"])).data == STOPS
    assert list(stored_files(app).values()) == [STOPS]


def test_multipart_form_fields_are_stored_with_the_upload(client, api, cast, dataset):
    resource = uploaded(
        client,
        cast.editor,
        package_id="bus-lines",
        name="公交站点",
        description="全省站点坐标",
        format="csv",
    )
    assert (resource["name"], resource["description"]) == ("公交站点", "全省站点坐标")
    assert resource["format"] == "csv"
    shown = api.ok("resource_show", id=resource["id"])
    # The DataStore load after the upload has since given it a table.
    assert (resource["datastore_active"], shown["datastore_active"]) == (False, True)
    assert {**shown, "datastore_active": False} == resource


def test_private_datasets_file_is_hidden_from_anonymous(client, cast, private_dataset):
    resource = uploaded(client, cast.editor, package_id="bus-costs")
    url = path_of(resource["url"])
    assert client.get(url).status_code in (403, 404)
    assert client.get(url, headers=cast.stranger.headers).status_code in (403, 404)
    response = client.get(url, headers=cast.member.headers)
    assert response.status_code == 200
    assert response.data == ROUTES


def test_files_of_a_deleted_dataset_are_not_served_to_the_public(client, api, cast, dataset):
    resource = uploaded(client, cast.editor, package_id="bus-lines")
    api.ok("package_delete", cast.editor, id="bus-lines")
    assert client.get(path_of(resource["url"])).status_code in (403, 404)
    assert client.get(path_of(resource["url"]), headers=cast.editor.headers).status_code == 200


def test_upload_over_the_size_limit_is_refused_and_nothing_is_stored(settings, cast, app):
    settings.max_upload_bytes = 10
    small = create_app(settings)  # MAX_CONTENT_LENGTH is derived from the limit here
    small.config["TESTING"] = True
    try:
        client = small.test_client()
        created = client.post(
            "/api/3/action/package_create",
            json={"name": "bus-lines", "owner_org": "transport"},
            headers=cast.editor.headers,
        )
        assert created.status_code == 200
        too_big = upload(client, cast.editor, package_id="bus-lines", file=(b"x" * 11, "a.csv"))
        assert error(too_big, 409)["upload"] == ["File is larger than 10 bytes."]
        huge = upload(client, cast.editor, package_id="bus-lines", file=(b"x" * 2**21, "b.csv"))
        assert huge.status_code == 413
        assert huge.get_json()["error"]["message"].startswith("Request body too large: uploads")
        fits = upload(client, cast.editor, package_id="bus-lines", file=(b"1,2\n", "c.csv"))
        assert fits.status_code == 200
        shown = client.post("/api/3/action/package_show", json={"id": "bus-lines"}).get_json()
        assert [r["url"].rsplit("/", 1)[1] for r in shown["result"]["resources"]] == ["c.csv"]
        assert list(stored_files(small).values()) == [b"1,2\n"]
    finally:
        small.extensions["portal.db"].dispose()


# --- update, patch, delete ---------------------------------------------------------------------


def test_replacing_the_file_serves_the_new_bytes_and_removes_the_old_file(
    client, api, cast, dataset, app
):
    first = uploaded(client, cast.editor, package_id="bus-lines")
    [old_key] = stored_files(app)
    response = upload(
        client, cast.editor, "resource_update", id=first["id"], file=(STOPS, "公交站点.csv")
    )
    second = response.get_json()["result"]
    assert response.status_code == 200
    assert second["id"] == first["id"]
    assert (second["size"], second["hash"]) == (len(STOPS), sha256(STOPS))
    assert second["url"].endswith("/download/公交站点.csv")
    assert client.get(path_of(second["url"])).data == STOPS
    assert client.get(path_of(first["url"])).status_code == 404
    files = stored_files(app)
    assert old_key not in files
    assert list(files.values()) == [STOPS]


def test_replacing_the_file_under_the_same_name_serves_the_new_bytes(client, cast, dataset, app):
    first = uploaded(client, cast.editor, package_id="bus-lines")
    second = upload(
        client, cast.editor, "resource_update", id=first["id"], file=(STOPS, "公交线路.csv")
    )
    assert second.status_code == 200
    assert client.get(path_of(first["url"])).data == STOPS
    assert list(stored_files(app).values()) == [STOPS]


def test_resource_update_replaces_metadata(api, cast, dataset):
    resource = api.ok(
        "resource_create",
        cast.editor,
        package_id="bus-lines",
        url="https://x.cn/a.csv",
        name="线路表",
        description="旧说明",
        format="CSV",
    )
    updated = api.ok("resource_update", cast.editor, id=resource["id"], url="https://x.cn/b.csv")
    assert updated["url"] == "https://x.cn/b.csv"
    assert (updated["name"], updated["description"], updated["format"]) == (None, None, None)
    assert api.ok("resource_show", id=resource["id"]) == updated


def test_updating_an_uploaded_files_metadata_keeps_the_file(client, api, cast, dataset):
    resource = uploaded(client, cast.editor, package_id="bus-lines", name="线路表")
    updated = api.ok("resource_update", cast.editor, id=resource["id"], name="全省线路表")
    assert updated["name"] == "全省线路表"
    assert updated["url"] == resource["url"]
    assert updated["url_type"] == "upload"
    assert (updated["size"], updated["hash"]) == (len(ROUTES), sha256(ROUTES))
    response = client.get(path_of(updated["url"]))
    assert response.data == ROUTES
    assert response.headers["ETag"] == f'"{sha256(ROUTES)[7:]}"'


def test_client_cannot_overwrite_an_uploaded_files_hash(client, api, cast, dataset):
    resource = uploaded(client, cast.editor, package_id="bus-lines")
    sent = {**resource, "hash": "sha256:" + "0" * 64, "size": 1}
    updated = api.ok("resource_update", cast.editor, **sent)
    assert (updated["size"], updated["hash"]) == (len(ROUTES), sha256(ROUTES))


def test_resource_patch_changes_only_the_given_keys(client, api, cast, dataset):
    resource = uploaded(
        client, cast.editor, package_id="bus-lines", name="线路表", description="全省线路"
    )
    patched = api.ok("resource_patch", cast.editor, id=resource["id"], name="公交线路表")
    assert patched["name"] == "公交线路表"
    unchanged = ("description", "format", "mimetype", "url", "url_type", "size", "hash")
    for key in unchanged:
        assert patched[key] == resource[key], key
    assert client.get(path_of(patched["url"])).data == ROUTES


def test_patching_an_upload_to_a_link_drops_the_file_and_its_facts(client, api, cast, dataset, app):
    resource = uploaded(client, cast.editor, package_id="bus-lines")
    patched = api.ok("resource_patch", cast.editor, id=resource["id"], url="https://x.cn/a.csv")
    assert patched["url"] == "https://x.cn/a.csv" and patched["url_type"] is None
    assert (patched["size"], patched["hash"]) == (None, None)
    assert stored_files(app) == {}
    assert client.get(path_of(resource["url"])).status_code == 404


def test_resource_patch_of_a_link(api, cast, dataset):
    resource = api.ok(
        "resource_create", cast.editor, package_id="bus-lines", url="https://x.cn/a", name="线路"
    )
    patched = api.ok("resource_patch", cast.editor, id=resource["id"], url="https://x.cn/b")
    assert (patched["url"], patched["name"]) == ("https://x.cn/b", "线路")


def test_resource_update_to_no_url_is_refused(api, cast, dataset):
    resource = api.ok("resource_create", cast.editor, package_id="bus-lines", url="https://x.cn/a")
    assert "url" in error(api.post("resource_update", cast.editor, id=resource["id"]), 409)
    assert api.ok("resource_show", id=resource["id"]) == resource


def test_deleted_resource_is_gone(client, api, cast, dataset, app):
    first = uploaded(client, cast.editor, package_id="bus-lines")
    second = api.ok("resource_create", cast.editor, package_id="bus-lines", url="https://x.cn/b")
    assert api.ok("resource_delete", cast.editor, id=first["id"]) is None
    shown = api.ok("package_show", id="bus-lines")
    assert [r["id"] for r in shown["resources"]] == [second["id"]]
    assert shown["resources"][0]["position"] == 0
    assert error(api.post("resource_show", id=first["id"]), 404)["__type"] == "Not Found Error"
    assert client.get(path_of(first["url"])).status_code == 404
    assert error(api.post("resource_delete", cast.editor, id=first["id"]), 404)
    # The file stays until the dataset is purged (a deletion can still be looked into).
    assert list(stored_files(app).values()) == [ROUTES]
    api.ok("dataset_purge", cast.sysadmin, id="bus-lines")
    assert stored_files(app) == {}


def test_missing_resource_is_a_404(api, cast):
    for action in ("resource_show", "resource_update", "resource_patch", "resource_delete"):
        response = api.post(action, cast.editor, id="no-such-resource", url="https://x.cn")
        assert error(response, 404)["__type"] == "Not Found Error", action


def test_package_update_round_trip_keeps_uploaded_files(client, api, cast, dataset, app):
    resource = uploaded(client, cast.editor, package_id="bus-lines")
    shown = api.ok("package_show", id="bus-lines")
    updated = api.ok("package_update", cast.editor, **{**shown, "title": "全省公交线路（新）"})
    [kept] = updated["resources"]
    assert kept["id"] == resource["id"]
    assert (kept["url"], kept["url_type"], kept["hash"]) == (
        resource["url"],
        "upload",
        sha256(ROUTES),
    )
    assert client.get(path_of(kept["url"])).data == ROUTES
    assert list(stored_files(app).values()) == [ROUTES]


def test_an_upload_without_a_name_is_called_by_its_file_name(client, cast, dataset):
    created = uploaded(
        client, cast.editor, package_id=dataset["id"], file=(ROUTES, "公交线路 2024.csv")
    )
    assert created["name"] == "公交线路 2024.csv"
    named = uploaded(
        client, cast.editor, package_id=dataset["id"], name="线路表", file=(ROUTES, "x.csv")
    )
    assert named["name"] == "线路表"


@pytest.mark.parametrize(
    ("content", "charset"),
    [
        ("线路,站点\n1路,火车站\n".encode("gb18030"), "gb18030"),
        ("线路,站点\n1路,火车站\n".encode("utf-8-sig"), "utf-8"),
        (b"route,stops\n1,20\n", "utf-8"),
    ],
)
def test_a_download_says_the_charset_of_its_text(client, cast, dataset, content, charset):
    created = uploaded(client, cast.editor, package_id=dataset["id"], file=(content, "线路.csv"))
    response = client.get(path_of(created["url"]))
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Type"] == f"text/csv; charset={charset}"
