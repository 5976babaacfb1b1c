"""Shared setup of the DataStore tests: on PostgreSQL runs (PORTAL_TEST_DATABASE_URL) the
DataStore uses the same server; a dataset of the transport department to attach tables to."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TEST_DATABASE_URL

STOPS = [
    {"站点编号": 1001, "站点名称": "人民广场", "所属区县": "黄浦区", "日客流": 52000},
    {"站点编号": 1002, "站点名称": "火车站北广场", "所属区县": "静安区", "日客流": 61000},
    {"站点编号": 1003, "站点名称": "陆家嘴", "所属区县": "浦东新区", "日客流": 48000},
    {"站点编号": 1004, "站点名称": "徐家汇公交枢纽", "所属区县": "徐汇区", "日客流": 30500},
]
FIELDS = [
    {"id": "站点编号", "type": "int"},
    {"id": "站点名称", "type": "text"},
    {"id": "所属区县", "type": "text"},
    {"id": "日客流", "type": "int"},
]


@pytest.fixture
def settings(settings: Any) -> Any:
    if TEST_DATABASE_URL:
        settings.datastore_url = TEST_DATABASE_URL
    return settings


def new_dataset(api: Any, person: Any, private: bool = False, name: str = "bus-stops") -> dict:
    return api.ok("package_create", person, name=name, title="公交站点", owner_org="transport",
                  private=private)  # fmt: skip


def stops_table(api: Any, person: Any, private: bool = False) -> str:
    dataset = new_dataset(api, person, private=private)
    result = api.ok("datastore_create", person,
                    resource={"package_id": dataset["id"], "name": "站点"},
                    fields=FIELDS, records=STOPS, primary_key=["站点编号"])  # fmt: skip
    return result["resource_id"]
