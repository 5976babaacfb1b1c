"""A portal harvests another running portal instance (`portal serve` under gunicorn) with the
ckan source type, through that portal's own Action API: first run, then an incremental run
after an edit and a deletion over there."""

from __future__ import annotations

from pathlib import Path

import ckanapi
import pytest
from flask import Flask
from live_server import running_portal
from test_harvest_support import extras, harvest, harvested, make_source, report

from portal.catalog.models import Group

pytestmark = pytest.mark.server


def remote_datasets(org: str) -> list[dict]:
    datasets = []
    for n in range(1, 11):
        datasets.append(
            {
                "name": f"bus-line-{n}",
                "title": f"公交线路 {n} 号",
                "title_en": f"Bus line {n}",
                "notes": f"第 {n} 号公交线路的站点与时刻表。",
                "owner_org": org,
                "license_id": "cc-by-4.0" if n % 2 else "odc-odbl",
                "tags": [{"name": "公交"}, {"name": f"line-{n}"}],
                "groups": [{"name": "mobility"}] if n <= 3 else [],
                "frequency": "MONTHLY",
                "issued": "2024-03-01",
                "extras": [{"key": "source_system", "value": "remote portal"}],
                "resources": [
                    {
                        "url": f"https://data.example.gov.cn/bus/{n}.csv",
                        "format": "CSV",
                        "name": f"线路 {n} 站点",
                    },
                    {"url": f"https://data.example.gov.cn/bus/{n}.json", "format": "JSON"},
                ],  # fmt: skip
            }
        )
    return datasets


def test_a_portal_harvests_another_running_portal(
    app: Flask, cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = app.extensions["portal.db"].session()
    session.add(Group(name="mobility", title="交通出行"))
    session.commit()
    with running_portal(tmp_path / "remote", workers=1, env={"PORTAL_LINKCHECK": "0"}) as portal:
        remote = ckanapi.RemoteCKAN(portal.url, apikey=portal.token)
        remote.action.organization_create(name="jinan-transport", title="济南市交通运输局")
        remote.action.group_create(name="mobility", title="交通出行")
        for dataset in remote_datasets("jinan-transport"):
            remote.action.package_create(**dataset)
        monkeypatch.setenv("PORTAL_HARVEST_ALLOWED_HOSTS", f"127.0.0.1:{portal.port}")
        source = make_source(app, cast.transport, portal.url, "ckan", name="jinan")
        job = harvest(app, "jinan")
        assert job["status"] == "finished", report(app, job["id"])
        assert job["stats"]["added"] == 10 and job["stats"]["errored"] == 0
        datasets = harvested(app, source["id"])
        remote_one = remote.action.package_show(id="bus-line-1")
        mine = datasets[remote_one["id"]]
        assert mine["name"] == "bus-line-1" and mine["owner_org"] == cast.transport.id
        assert (mine["title"], mine["title_en"]) == ("公交线路 1 号", "Bus line 1")
        assert mine["notes"] == "第 1 号公交线路的站点与时刻表。"
        assert mine["license_id"] == "cc-by-4.0"
        assert datasets[remote.action.package_show(id="bus-line-2")["id"]]["license_id"] == (
            "odc-odbl"
        )
        assert {t["name"] for t in mine["tags"]} == {"公交", "line-1"}
        assert [g["name"] for g in mine["groups"]] == ["mobility"]
        assert (mine["frequency"], mine["issued"]) == ("MONTHLY", "2024-03-01")
        assert [(r["url"], r["format"]) for r in mine["resources"]] == [
            ("https://data.example.gov.cn/bus/1.csv", "CSV"),
            ("https://data.example.gov.cn/bus/1.json", "JSON"),
        ]
        assert mine["resources"][0]["name"] == "线路 1 站点"
        link = extras(mine)
        assert link["publisher_name"] == "济南市交通运输局"
        assert link["harvest_url"] == f"{portal.url}/dataset/bus-line-1"
        assert link["source_system"] == "remote portal"

        # Over there: one edit, one deletion. The incremental run sees both.
        remote.action.package_patch(id="bus-line-4", notes="已调整线路走向。")
        remote.action.package_delete(id="bus-line-5")
        again = harvest(app, "jinan")
        assert again["status"] == "finished", report(app, again["id"])
        assert again["stats"] == {
            "added": 0, "updated": 1, "unchanged": 8, "deleted": 1, "errored": 0,
        }  # fmt: skip
        edited = remote.action.package_show(id="bus-line-4")["id"]
    now = harvested(app, source["id"])
    assert len(now) == 9
    assert now[edited]["notes"] == "已调整线路走向。"
