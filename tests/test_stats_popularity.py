"""Popularity: package_show carries a dataset's page views and downloads, and package_search
sorts by `views_recent desc` (views of the last 14 days) and `downloads desc` (all time) from
figures the usage flush refreshes in the index, without any write of the dataset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.stats import usage
from portal.stats.counting import today
from portal.stats.models import DatasetViewCount
from portal.stats.usage import flush
from tests.conftest import create_dataset
from tests.test_stats import download, upload

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


@pytest.fixture
def three(app, cast) -> dict[str, dict[str, Any]]:
    titles = {
        "bus-routes": "全省公交线路",
        "metro-stations": "地铁站点",
        "taxi-fares": "出租车运价",
    }
    return {
        name: create_dataset(app, name, cast.transport, title=title)
        for name, title in titles.items()
    }


def view(client, name: str, times: int = 1) -> None:
    for _ in range(times):
        response = client.get(f"/dataset/{name}", headers={"User-Agent": BROWSER})
        assert response.status_code == 200


def ranked(api, sort: str, **params: Any) -> list[str]:
    result = api.ok("package_search", sort=sort, **params)
    return [d["name"] for d in result["results"]]


def modified(api, name: str) -> str:
    return api.ok("package_show", id=name)["metadata_modified"]


def test_package_show_carries_views_and_downloads(client, api, app, three):
    resource = upload(app, three["bus-routes"]["id"])
    view(client, "bus-routes", 3)
    for _ in range(2):
        assert download(client, resource).status_code == 200
    assert download(client, resource, user_agent="Baiduspider").status_code == 200
    flush(app)
    shown = api.ok("package_show", id="bus-routes")
    assert (shown["views_total"], shown["views_recent"], shown["downloads"]) == (3, 3, 2)
    quiet = api.ok("package_show", id="taxi-fares")
    assert (quiet["views_total"], quiet["views_recent"], quiet["downloads"]) == (0, 0, 0)


def test_search_sorts_by_recent_views_refreshed_by_the_flush_not_by_a_dataset_write(
    client, api, app, three
):
    before = {name: modified(api, name) for name in three}
    view(client, "metro-stations", 3)
    view(client, "taxi-fares", 1)
    view(client, "bus-routes", 2)
    assert api.ok("package_search", q="地铁")["results"][0]["views_recent"] == 0  # not yet
    flush(app)
    assert ranked(api, "views_recent desc") == ["metro-stations", "bus-routes", "taxi-fares"]
    assert ranked(api, "views_recent asc")[0] == "taxi-fares"
    found = api.ok("package_search", q="地铁", sort="views_recent desc")["results"][0]
    assert found["views_recent"] == 3 and found["views_total"] == 3
    assert {name: modified(api, name) for name in three} == before
    # The web search page offers the order in Chinese and sorts by it.
    page = client.get("/dataset", query_string={"sort": "views_recent desc"})
    html = page.get_data(as_text=True)
    assert "最多浏览" in html and "下载最多" in html
    assert html.index("地铁站点") < html.index("全省公交线路") < html.index("出租车运价")


def test_recent_views_leave_out_days_before_the_last_fourteen(client, api, app, three):
    session = app.extensions["portal.db"].session()
    bus, metro = three["bus-routes"]["id"], three["metro-stations"]["id"]
    session.add_all(
        [
            DatasetViewCount(dataset_id=bus, day=today() - timedelta(days=14), count=50),
            DatasetViewCount(dataset_id=metro, day=today() - timedelta(days=13), count=5),
        ]
    )
    session.commit()
    view(client, "bus-routes")
    view(client, "metro-stations")
    flush(app)
    bus_shown = api.ok("package_show", id="bus-routes")
    assert (bus_shown["views_total"], bus_shown["views_recent"]) == (51, 1)
    assert ranked(api, "views_recent desc")[:2] == ["metro-stations", "bus-routes"]


def test_search_sorts_by_all_downloads(client, api, app, three):
    resources = {name: upload(app, d["id"]) for name, d in three.items()}
    for name, times in {"taxi-fares": 3, "metro-stations": 1}.items():
        for _ in range(times):
            assert download(client, resources[name]).status_code == 200
    flush(app)
    assert ranked(api, "downloads desc") == ["taxi-fares", "metro-stations", "bus-routes"]
    assert api.ok("package_search", sort="downloads desc")["results"][0]["downloads"] == 3


def test_a_flush_refreshes_a_bounded_number_of_datasets_and_the_rest_next_round(
    client, api, app, three, monkeypatch
):
    monkeypatch.setattr(usage, "MAX_REFRESH", 2)
    for name in three:
        view(client, name)
    flush(app)
    counted = {d["name"]: d["views_recent"] for d in api.ok("package_search")["results"]}
    assert sorted(counted.values()) == [0, 1, 1]
    assert flush(app) == 0  # no new counts: only the refresh left over
    counted = {d["name"]: d["views_recent"] for d in api.ok("package_search")["results"]}
    assert counted == dict.fromkeys(three, 1)


def test_private_datasets_are_not_counted_and_an_unknown_sort_is_a_search_error(
    client, api, app, cast, three
):
    create_dataset(app, "bus-costs", cast.transport, title="公交成本", private=True)
    client.get("/dataset/bus-costs", headers={**cast.member.headers, "User-Agent": BROWSER})
    flush(app)
    shown = api.ok("package_show", cast.member, id="bus-costs")
    assert shown["views_total"] == 0
    response = api.post("package_search", sort="popularity desc")
    assert response.status_code == 400
    assert response.get_json()["error"]["__type"] == "Search Query Error"


def test_a_dataset_round_trip_through_package_update_ignores_the_figures(api, cast, three):
    shown = api.ok("package_show", id="bus-routes")
    shown["title"] = "全省公交线路（2026）"
    updated = api.ok("package_update", cast.editor, **shown)
    assert updated["title"] == "全省公交线路（2026）"
    assert not any(e["key"] in {"views_total", "downloads"} for e in updated["extras"])
