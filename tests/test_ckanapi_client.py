"""The real `ckanapi` client (library and command line) against `portal serve` over HTTP."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import quote

import ckanapi
import pytest
import requests
from live_server import LivePortal, running_portal

pytestmark = pytest.mark.server

CSV = "站点编号,站点名称,所属区县,线路\n1001,人民广场,黄浦区,1路\n1002,火车站北广场,静安区,2路\n"
_names = count(1)


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    with running_portal(tmp_path_factory.mktemp("ckanapi"), workers=2) as portal:
        yield portal


@pytest.fixture(scope="module")
def ckan(live_portal: LivePortal) -> Iterator[ckanapi.RemoteCKAN]:
    """The sysadmin, through ckanapi with its API token."""
    with ckanapi.RemoteCKAN(live_portal.url, apikey=live_portal.token) as remote:
        yield remote


@pytest.fixture(scope="module")
def anonymous(live_portal: LivePortal) -> Iterator[ckanapi.RemoteCKAN]:
    with ckanapi.RemoteCKAN(live_portal.url) as remote:
        yield remote


@pytest.fixture(scope="module")
def organization(ckan: ckanapi.RemoteCKAN) -> dict[str, Any]:
    return ckan.action.organization_create(
        name="transport-dept", title="省交通运输厅", description="负责全省公路、水路交通运输"
    )


def new_dataset(ckan: ckanapi.RemoteCKAN, organization: dict[str, Any], **fields: Any) -> dict:
    data = {
        "name": f"bus-stops-{next(_names)}",
        "title": "城市交通公交站点",
        "notes": "全市公交站点的位置与途经线路。",
        "owner_org": organization["name"],
        "tags": [{"name": "交通"}, {"name": "公交"}],
        **fields,
    }
    return ckan.action.package_create(**data)


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "公交站点.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_organization_keeps_its_chinese_title(ckan, anonymous, organization):
    assert organization["title"] == "省交通运输厅"
    shown = anonymous.action.organization_show(id="transport-dept")
    assert shown["title"] == "省交通运输厅"
    assert shown["description"] == "负责全省公路、水路交通运输"
    assert "transport-dept" in anonymous.action.organization_list()


def screened(client: ckanapi.RemoteCKAN, resource_id: str, timeout: float = 20.0) -> bool:
    """Whether the background privacy screening has passed the file (portal.privacy): until
    then a stored table is withheld."""
    deadline = time.monotonic() + timeout
    while "privacy" in client.action.resource_show(id=resource_id):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_uploaded_resource_downloads_the_same_bytes(ckan, anonymous, organization, csv_file):
    dataset = new_dataset(ckan, organization)
    with open(csv_file, "rb") as upload:
        resource = ckan.action.resource_create(
            package_id=dataset["id"], name="公交站点表", format="CSV", upload=upload
        )
    data = csv_file.read_bytes()
    assert resource["url_type"] == "upload"
    assert resource["format"] == "CSV"
    assert resource["size"] == len(data)
    assert resource["hash"] == f"sha256:{hashlib.sha256(data).hexdigest()}"

    shown = anonymous.action.package_show(id=dataset["name"])
    assert [r["id"] for r in shown["resources"]] == [resource["id"]]
    url = shown["resources"][0]["url"]
    assert url.startswith(f"{ckan.address}/")
    assert url.endswith("/公交站点.csv")
    assert screened(anonymous, resource["id"])
    download = requests.get(url, timeout=30)
    assert download.status_code == 200
    assert download.content == data
    assert download.content.decode("utf-8") == CSV
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert quote("公交站点.csv") in download.headers["Content-Disposition"]


def test_package_patch_changes_only_the_given_fields(ckan, organization, csv_file):
    dataset = new_dataset(ckan, organization)
    with open(csv_file, "rb") as upload:
        ckan.action.resource_create(package_id=dataset["id"], name="站点", upload=upload)

    patched = ckan.action.package_patch(id=dataset["name"], notes="2024 年更新：新增 12 个站点。")

    assert patched["notes"] == "2024 年更新：新增 12 个站点。"
    assert patched["title"] == "城市交通公交站点"
    assert sorted(t["name"] for t in patched["tags"]) == ["交通", "公交"]
    assert len(patched["resources"]) == 1
    assert ckan.action.package_show(id=dataset["id"])["notes"] == patched["notes"]


def test_package_search_finds_a_chinese_word(ckan, anonymous, organization):
    dataset = new_dataset(ckan, organization, title="地铁客流量统计", tags=[{"name": "轨道交通"}])

    result = anonymous.action.package_search(q="客流量")

    assert dataset["name"] in [d["name"] for d in result["results"]]
    assert result["count"] >= 1


def test_deleted_dataset_is_hidden_from_anonymous_users(ckan, anonymous, organization):
    dataset = new_dataset(ckan, organization, title="出租车营运里程")
    assert anonymous.action.package_show(id=dataset["name"])["state"] == "active"

    ckan.action.package_delete(id=dataset["name"])

    # Only editors may read a deleted dataset; to everyone else it answers as an unknown id
    # (CKAN says 403, which tells outsiders the name exists).
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id=dataset["name"])
    raw = requests.get(
        f"{ckan.address}/api/3/action/package_show", params={"id": dataset["name"]}, timeout=30
    )
    assert raw.status_code == 404
    assert raw.json()["error"]["__type"] == "Not Found Error"
    assert ckan.action.package_show(id=dataset["name"])["state"] == "deleted"
    assert dataset["name"] not in anonymous.action.package_list()
    found = anonymous.action.package_search(q="出租车营运里程")
    assert dataset["name"] not in [d["name"] for d in found["results"]]
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id="no-such-dataset")


def test_validation_error_names_the_field(ckan, organization):
    with pytest.raises(ckanapi.ValidationError) as raised:
        ckan.action.package_create(name="Bad Name!", title="错误的名称", owner_org="transport-dept")

    error = raised.value.error_dict
    assert error["__type"] == "Validation Error"
    assert "name" in error
    assert "owner_org" not in error and "title" not in error


def _ckanapi_cli(*args: str) -> Any:
    command = [str(Path(sys.executable).parent / "ckanapi"), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_ckanapi_command_line(ckan, organization, live_portal):
    dataset = new_dataset(ckan, organization, title="交通违法处罚决定书公开目录")

    shown = _ckanapi_cli("action", "package_show", f"id={dataset['name']}", "-r", live_portal.url)
    found = _ckanapi_cli("action", "package_search", "q=交通", "-r", live_portal.url)

    assert shown["id"] == dataset["id"]
    assert shown["title"] == "交通违法处罚决定书公开目录"
    assert shown["organization"]["title"] == "省交通运输厅"
    assert dataset["name"] in [d["name"] for d in found["results"]]
