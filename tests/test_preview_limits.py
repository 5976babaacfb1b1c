"""Resource previews are built once, in the background, within limits: a decompression bomb or
a pathological file gets a readable "too large to preview" outcome quickly and in bounded
memory, and page views only read the cached preview, never the file."""

from __future__ import annotations

import io
import time

import pytest
from werkzeug.datastructures import FileStorage

import portal.catalog.previews as previews
from portal.actions import call
from tests.bombs import xlsx_bomb, xlsx_wide_row
from tests.conftest import create_dataset, site_context

TOO_LARGE = "文件太大，无法预览"
PREPARING = "预览正在生成"


@pytest.fixture
def dataset(app, cast):
    return create_dataset(app, "bus-routes", cast.transport, title="全省公交线路及站点信息")


def upload(app, dataset, filename: str, content: bytes) -> dict:
    data = {"package_id": dataset["id"], "upload": FileStorage(io.BytesIO(content), filename)}
    return call("resource_create", site_context(app), data)


def page(client, resource, **params) -> str:
    response = client.get(f"/dataset/bus-routes/resource/{resource['id']}", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def preview_of(api, resource) -> dict:
    response = api.get("resource_preview_show", id=resource["id"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


@pytest.fixture
def parses(monkeypatch):
    """Counts the times a file is parsed for a preview."""
    calls = []
    build = previews.build_preview

    def counted(*args, **kwargs):
        calls.append(args)
        return build(*args, **kwargs)

    monkeypatch.setattr(previews, "build_preview", counted)
    return calls


def test_xlsx_bomb_preview_is_too_large_fast_and_page_views_never_parse_it(
    app, client, api, dataset, parses
):
    bomb = xlsx_bomb()  # ~200 KB: a 100 MB shared string shown by 2 million cells in a row
    started = time.monotonic()
    resource = upload(app, dataset, "公交线路.xlsx", bomb)
    assert time.monotonic() - started < 5  # the upload ran the preview job (memory queue)
    assert len(parses) == 1
    result = preview_of(api, resource)
    assert result["status"] == "ready" and result["kind"] == "none"
    assert result["reason"] == "large"
    for _ in range(3):
        started = time.monotonic()
        assert TOO_LARGE in page(client, resource)
        assert time.monotonic() - started < 1
    assert len(parses) == 1  # page views read the cached outcome


def test_workbook_with_a_row_of_200000_cells_is_too_large_to_preview(app, api, dataset):
    resource = upload(app, dataset, "宽表.xlsx", xlsx_wide_row(200_000))
    result = preview_of(api, resource)
    assert result["reason"] == "large" and "columns" in result["detail"]


def test_csv_with_a_gigantic_cell_is_too_large_to_preview(app, client, dataset):
    content = ("线路,说明\n1路," + "长" * 200_000 + "\n2路,短\n").encode()
    resource = upload(app, dataset, "说明.csv", content)
    assert TOO_LARGE in page(client, resource)


def test_deeply_nested_json_is_too_large_to_preview(app, client, api, dataset):
    content = b"[" * 100_000 + b"]" * 100_000
    resource = upload(app, dataset, "嵌套.json", content)
    assert preview_of(api, resource)["detail"].startswith("depth")
    assert TOO_LARGE in page(client, resource)


def test_deeply_nested_geojson_is_too_large_to_preview(app, api, dataset):
    content = b'{"type": "FeatureCollection", "features": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    resource = upload(app, dataset, "站点.geojson", content)
    assert preview_of(api, resource)["detail"].startswith("depth")


def test_gb18030_csv_preview_is_built_once_and_read_from_the_cache(
    app, client, api, dataset, parses
):
    content = "线路,起点,终点\n1路,火车站,大学城\n".encode("gb18030")
    resource = upload(app, dataset, "线路.csv", content)
    result = preview_of(api, resource)
    assert result["header"] == ["线路", "起点", "终点"]
    assert result["rows"] == [["1路", "火车站", "大学城"]]
    assert result["encoding"] == "gb18030"
    assert "<td>火车站</td>" in page(client, resource)
    assert len(parses) == 1


def test_missing_preview_says_it_is_being_prepared_in_both_languages_and_queues_the_job(
    app, client, dataset, parses, monkeypatch
):
    resource = upload(app, dataset, "线路.csv", "线路,站点\n1路,火车站\n".encode())
    previews.delete_entry(app, resource["id"])  # a cache wiped, or a file saved before it existed
    # The page shows the file preview when the resource has no DataStore table.
    call("datastore_delete", site_context(app), {"resource_id": resource["id"], "force": True})
    queued = []
    monkeypatch.setattr(
        app.extensions["portal.queue"], "enqueue", lambda name, *args: queued.append(args)
    )
    assert PREPARING in page(client, resource)
    assert "The preview is being prepared" in page(client, resource, lang="en")
    assert queued == [(resource["id"],)]  # the second view saw the pending mark
    monkeypatch.undo()
    with app.app_context():
        previews.build_resource_preview(resource["id"])
    assert "<td>火车站</td>" in page(client, resource)


def test_a_new_file_replaces_the_cached_preview(app, client, dataset):
    resource = upload(app, dataset, "线路.csv", "线路,站点\n1路,火车站\n".encode())
    assert "<td>火车站</td>" in page(client, resource)
    data = {
        "id": resource["id"],
        "upload": FileStorage(io.BytesIO("线路,站点\n2路,汽车站\n".encode()), "线路.csv"),
    }
    call("resource_update", site_context(app), data)
    html = page(client, resource)
    assert "<td>汽车站</td>" in html and "<td>火车站</td>" not in html


def test_preview_of_a_private_dataset_resource_is_not_found_for_anonymous(app, api, cast):
    create_dataset(app, "secret-plan", cast.transport, title="公交内部调度计划", private=True)
    resource = upload(app, {"id": "secret-plan"}, "计划.csv", b"a,b\n1,2\n")
    assert api.get("resource_preview_show", id=resource["id"]).status_code in (403, 404)


def test_purging_a_dataset_removes_its_cached_previews(app, api, cast, dataset):
    resource = upload(app, dataset, "线路.csv", "线路,站点数\n1路,20\n".encode())
    assert previews.read_entry(app, resource["id"]) is not None  # built once, in the background
    api.ok("dataset_purge", cast.sysadmin, id=dataset["id"])
    assert previews.read_entry(app, resource["id"]) is None
