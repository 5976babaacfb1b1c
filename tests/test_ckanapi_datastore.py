"""The DataStore through the real `ckanapi` client against `portal serve` over HTTP: create,
upsert, search, search_sql and delete, as CKAN clients call them."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import ckanapi
import pytest
from conftest import TEST_DATABASE_URL
from live_server import LivePortal, running_portal

pytestmark = pytest.mark.server

FIELDS = [
    {"id": "站点编号", "type": "int"},
    {"id": "站点名称", "type": "text"},
    {"id": "所属区县", "type": "text"},
    {"id": "日客流", "type": "int"},
]
STOPS = [
    {"站点编号": 1001, "站点名称": "人民广场", "所属区县": "黄浦区", "日客流": 52000},
    {"站点编号": 1002, "站点名称": "火车站北广场", "所属区县": "静安区", "日客流": 61000},
    {"站点编号": 1003, "站点名称": "陆家嘴", "所属区县": "浦东新区", "日客流": 48000},
    {"站点编号": 1004, "站点名称": "徐家汇公交枢纽", "所属区县": "徐汇区", "日客流": 30500},
]
_names = count(1)


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    # On PostgreSQL runs the served DataStore is on the test server too (COPY, jsonb, ...).
    env = {"PORTAL_DATASTORE_URL": TEST_DATABASE_URL} if TEST_DATABASE_URL else None
    folder = tmp_path_factory.mktemp("ckanapi-datastore")
    with running_portal(folder, workers=2, env=env) as portal:
        yield portal


@pytest.fixture(scope="module")
def ckan(live_portal: LivePortal) -> Iterator[ckanapi.RemoteCKAN]:
    with ckanapi.RemoteCKAN(live_portal.url, apikey=live_portal.token) as remote:
        yield remote


@pytest.fixture(scope="module")
def anonymous(live_portal: LivePortal) -> Iterator[ckanapi.RemoteCKAN]:
    with ckanapi.RemoteCKAN(live_portal.url) as remote:
        yield remote


@pytest.fixture(scope="module")
def organization(ckan: ckanapi.RemoteCKAN) -> dict[str, Any]:
    return ckan.action.organization_create(name="transport-dept", title="省交通运输厅")


def stops_table(
    ckan: ckanapi.RemoteCKAN, organization: dict[str, Any], private: bool = False
) -> str:
    dataset = ckan.action.package_create(
        name=f"bus-stops-{next(_names)}", title="公交站点客流", owner_org=organization["name"],
        private=private,
    )  # fmt: skip
    created = ckan.action.datastore_create(
        resource={"package_id": dataset["id"], "name": "站点客流"},
        fields=FIELDS, records=STOPS, primary_key=["站点编号"],
    )  # fmt: skip
    assert created["primary_key"] == ["站点编号"]
    assert [f["id"] for f in created["fields"]] == [
        "_id",
        "站点编号",
        "站点名称",
        "所属区县",
        "日客流",
    ]
    return created["resource_id"]


def test_created_table_is_searchable_by_anyone(ckan, anonymous, organization):
    rid = stops_table(ckan, organization)
    result = anonymous.action.datastore_search(resource_id=rid)
    assert result["total"] == 4
    assert result["records"][0] == {"_id": 1, **STOPS[0]}
    assert {"id": "站点名称", "type": "text"} in result["fields"]


def test_search_filters_full_text_sort_limit_and_lists(ckan, anonymous, organization):
    rid = stops_table(ckan, organization)
    busiest = anonymous.action.datastore_search(
        resource_id=rid, sort="日客流 desc", limit=2, fields=["站点名称", "日客流"]
    )
    assert busiest["records"] == [
        {"站点名称": "火车站北广场", "日客流": 61000},
        {"站点名称": "人民广场", "日客流": 52000},
    ]
    filtered = anonymous.action.datastore_search(
        resource_id=rid, filters={"所属区县": ["黄浦区", "徐汇区"]}, records_format="lists",
        fields=["站点编号"],
    )  # fmt: skip
    assert filtered["records"] == [[1001], [1004]] and filtered["total"] == 2
    hub = anonymous.action.datastore_search(resource_id=rid, q="公交枢纽")
    assert [r["站点名称"] for r in hub["records"]] == ["徐家汇公交枢纽"]


def test_upsert_updates_by_key_and_inserts_new_rows(ckan, anonymous, organization):
    rid = stops_table(ckan, organization)
    ckan.action.datastore_upsert(
        resource_id=rid, method="upsert",
        records=[{"站点编号": 1003, "日客流": 50500},
                 {"站点编号": 1005, "站点名称": "外滩", "所属区县": "黄浦区", "日客流": 27000}],
    )  # fmt: skip
    result = anonymous.action.datastore_search(resource_id=rid, sort="站点编号")
    assert result["total"] == 5
    assert result["records"][2] == {"_id": 3, **STOPS[2], "日客流": 50500}
    assert result["records"][4]["站点名称"] == "外滩"
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_upsert(
            resource_id=rid, method="update", records=[{"站点编号": 9999, "日客流": 1}]
        )


def test_search_sql_aggregates_and_refuses_writes(ckan, anonymous, organization):
    rid = stops_table(ckan, organization)
    result = anonymous.action.datastore_search_sql(
        sql=f'SELECT "所属区县", sum("日客流") AS total FROM "{rid}" '
        f'WHERE "日客流" > 40000 GROUP BY "所属区县" ORDER BY total DESC'
    )
    assert result["records"] == [
        {"所属区县": "静安区", "total": 61000},
        {"所属区县": "黄浦区", "total": 52000},
        {"所属区县": "浦东新区", "total": 48000},
    ]
    with pytest.raises(ckanapi.errors.CKANAPIError):
        ckan.action.datastore_search_sql(sql=f'DELETE FROM "{rid}"')
    assert anonymous.action.datastore_search(resource_id=rid)["total"] == 4


def test_delete_with_filters_then_the_whole_table(ckan, anonymous, organization):
    rid = stops_table(ckan, organization)
    ckan.action.datastore_delete(resource_id=rid, filters={"所属区县": "黄浦区"})
    left = anonymous.action.datastore_search(resource_id=rid)
    assert left["total"] == 3 and "人民广场" not in [r["站点名称"] for r in left["records"]]
    ckan.action.datastore_delete(resource_id=rid)
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.datastore_search(resource_id=rid)


def test_private_table_is_not_found_for_anonymous(ckan, anonymous, organization):
    rid = stops_table(ckan, organization, private=True)
    assert ckan.action.datastore_search(resource_id=rid)["total"] == 4
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.datastore_search(resource_id=rid)
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.datastore_search_sql(sql=f'SELECT * FROM "{rid}"')
