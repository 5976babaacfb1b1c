"""Rollups of the daily counts: page views, downloads and searches per department or theme,
per day or month (stats_usage_rollup); private datasets never in them; searches counted for
the themes their words touch; the public statistics cached for a short while."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.actions import call
from portal.api.openapi import build_spec
from portal.stats import rollup
from portal.stats.counting import today
from portal.stats.models import DatasetViewCount, DownloadCount, SearchTermCount
from tests.conftest import create_dataset, site_context
from tests.test_openapi_conformance import response_errors


@pytest.fixture
def catalog(api, app, cast) -> dict[str, Any]:
    api.ok("group_create", cast.sysadmin, name="mobility", title="交通出行", title_en="Mobility")
    api.ok("group_create", cast.sysadmin, name="health-care", title="医疗卫生", title_en="Health")
    datasets = {
        "bus": create_dataset(app, "bus-routes", cast.transport, title="全省公交线路",
                              groups=[{"name": "mobility"}]),
        "clinics": create_dataset(app, "clinics", cast.health, title="社区诊所",
                                  groups=[{"name": "health-care"}, {"name": "mobility"}]),
        "hidden": create_dataset(app, "bus-costs", cast.transport, title="公交成本",
                                 private=True, groups=[{"name": "mobility"}]),
    }  # fmt: skip
    for d in datasets.values():
        d["resource"] = call(
            "resource_create",
            site_context(app),
            {"package_id": d["id"], "url": "https://data.example.gov.cn/a.csv", "name": "表"},
        )
    return datasets


def add_counts(app, rows: list[tuple[str, dict[str, Any], int, int]]) -> None:
    """(views|downloads, dataset, days ago, count) rows straight into the daily tables."""
    session = app.extensions["portal.db"].session()
    for kind, dataset, ago, count in rows:
        day = today() - timedelta(days=ago)
        if kind == "views":
            session.add(DatasetViewCount(dataset_id=dataset["id"], day=day, count=count))
        else:
            session.add(
                DownloadCount(
                    resource_id=dataset["resource"]["id"],
                    dataset_id=dataset["id"],
                    day=day,
                    count=count,
                )
            )
    session.flush()
    rollup.rebuild(session)  # counts inserted straight into the daily tables: roll them up
    session.commit()


def add_searches(app, terms: dict[str, int], ago: int = 0, results: int = 0) -> None:
    session = app.extensions["portal.db"].session()
    day = today() - timedelta(days=ago)
    for term, count in terms.items():
        session.add(SearchTermCount(day=day, term=term, count=count, results=results))
    session.commit()


def month(ago: int) -> str:
    return (today() - timedelta(days=ago)).strftime("%Y-%m")


def figures(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(r["period"], r["name"]): (r["views"], r["downloads"], r["searches"]) for r in rows}


def test_views_and_downloads_roll_up_per_department_and_month_without_private_datasets(
    api, app, catalog
):
    add_counts(app, [
        ("views", catalog["bus"], 0, 5), ("views", catalog["bus"], 40, 7),
        ("downloads", catalog["bus"], 0, 2), ("views", catalog["clinics"], 0, 3),
        ("views", catalog["hidden"], 0, 100), ("downloads", catalog["hidden"], 0, 100),
    ])  # fmt: skip
    rows = api.ok("stats_usage_rollup", group_by="department", months=3)
    expected = {(month(0), "transport"): (5, 2, 0), (month(0), "health"): (3, 0, 0)}
    expected[(month(40), "transport")] = (7, 0, 0) if month(40) != month(0) else (12, 2, 0)
    assert figures(rows) == expected
    transport = next(r for r in rows if r["name"] == "transport")
    assert transport["display_name"] == "省交通运输厅"
    assert [r["period"] for r in rows] == sorted(r["period"] for r in rows)


def test_a_dataset_counts_for_each_of_its_themes_per_day(api, app, catalog):
    add_counts(app, [
        ("views", catalog["bus"], 1, 4), ("views", catalog["clinics"], 1, 6),
        ("downloads", catalog["clinics"], 0, 1), ("views", catalog["hidden"], 1, 50),
        ("views", catalog["bus"], 30, 9),  # outside the 7 days asked for
    ])  # fmt: skip
    rows = api.ok("stats_usage_rollup", group_by="theme", period="day", days=7)
    yesterday, now = (today() - timedelta(days=1)).isoformat(), today().isoformat()
    assert figures(rows) == {
        (yesterday, "mobility"): (10, 0, 0),
        (yesterday, "health-care"): (6, 0, 0),
        (now, "mobility"): (0, 1, 0),
        (now, "health-care"): (0, 1, 0),
    }
    assert {r["display_name"] for r in rows} == {"交通出行", "医疗卫生"}


def test_searches_count_for_the_themes_their_words_touch_and_those_themes_departments(
    api, app, catalog
):
    add_searches(app, {"交通拥堵": 4, "mobility plan": 1, "医疗": 2, "天气预报": 9})
    by_theme = figures(api.ok("stats_usage_rollup", group_by="theme", months=1))
    assert by_theme == {(month(0), "mobility"): (0, 0, 5), (month(0), "health-care"): (0, 0, 2)}
    by_department = figures(api.ok("stats_usage_rollup", group_by="department", months=1))
    # transport: its title (交通, 运输) and its theme 交通出行; health: both of its themes.
    assert by_department == {
        (month(0), "transport"): (0, 0, 5),
        (month(0), "health"): (0, 0, 7),
    }


def test_bad_rollup_arguments_are_validation_errors(api):
    for params in ({}, {"group_by": "tag"}, {"group_by": "theme", "period": "week"},
                   {"group_by": "theme", "days": 0}):  # fmt: skip
        response = api.post("stats_usage_rollup", **params)
        assert response.status_code == 409, params
        assert response.get_json()["error"]["__type"] == "Validation Error"


def test_rollup_results_match_their_documented_schema(api, app, catalog):
    add_counts(app, [("views", catalog["bus"], 0, 1)])
    response = api.get("stats_usage_rollup", group_by="theme", period="day")
    assert response.status_code == 200
    body = response.get_json()
    assert response_errors(build_spec(), "stats_usage_rollup", 200, body, "get") == []


def test_public_figures_are_cached_for_the_configured_seconds(api, app, catalog):
    app.config["PORTAL_STATS_CACHE_SECONDS"] = 60
    add_counts(app, [("views", catalog["bus"], 0, 5)])
    first = api.ok("stats_usage_rollup", group_by="department", months=1)
    add_counts(app, [("views", catalog["bus"], 1, 5)])
    assert api.ok("stats_usage_rollup", group_by="department", months=1) == first  # cached
    other = api.ok("stats_usage_rollup", group_by="department", period="day", days=2)
    assert sum(r["views"] for r in other) == 10  # other arguments: computed afresh
    app.config["PORTAL_STATS_CACHE_SECONDS"] = 0
    fresh = api.ok("stats_usage_rollup", group_by="department", months=1)
    assert sum(r["views"] for r in fresh) == 10


def test_flushed_views_and_counted_downloads_roll_up_as_they_are_written(
    client, api, app, cast, catalog
):
    from portal.stats.counting import record_download
    from portal.stats.usage import flush

    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0"}
    for _ in range(3):
        assert client.get("/dataset/clinics", headers=browser).status_code == 200
    flush(app)
    session = app.extensions["portal.db"].session()
    clinics = catalog["clinics"]
    assert record_download(session, clinics["id"], clinics["resource"]["id"], count=2)
    hidden = catalog["hidden"]
    assert record_download(session, hidden["id"], hidden["resource"]["id"], count=9)
    by_theme = figures(api.ok("stats_usage_rollup", group_by="theme", months=1))
    assert by_theme == {
        (month(0), "mobility"): (3, 2, 0),
        (month(0), "health-care"): (3, 2, 0),
    }
    assert api.ok("stats_usage", months=1)[0]["views"] == 3
    assert api.ok("stats_usage", months=1)[0]["downloads"] == 2


def test_use_counts_while_public_and_a_rebuild_applies_the_catalog_as_it_is_now(
    api, app, cast, catalog
):
    from portal.stats.counting import record_download

    session = app.extensions["portal.db"].session()
    clinics = catalog["clinics"]
    assert record_download(session, clinics["id"], clinics["resource"]["id"], count=4)
    api.ok("package_patch", cast.sysadmin, id="clinics", private=True)
    assert record_download(session, clinics["id"], clinics["resource"]["id"], count=1)
    # Counted while public: the 4 stay in the aggregate (it names no dataset), the 1 is not.
    assert api.ok("stats_usage", months=1)[0]["downloads"] == 4
    session.rollback()
    rollup.rebuild(session)
    session.commit()
    assert api.ok("stats_usage", months=1)[0]["downloads"] == 0
    assert api.ok("stats_usage_rollup", group_by="theme", months=1) == []


def test_portal_stats_rebuild_recomputes_the_rollup_from_the_daily_counts(api, app, catalog):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from portal.cli import main
    from portal.stats.models import UsageRollup

    session = app.extensions["portal.db"].session()
    session.add(DatasetViewCount(dataset_id=catalog["bus"]["id"], day=today(), count=6))
    session.commit()
    assert api.ok("stats_usage", months=1)[0]["views"] == 0  # inserted behind its back
    result = CliRunner().invoke(
        main, ["stats", "rebuild", "--days", "7"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    rows = session.query(UsageRollup).count()
    session.commit()
    assert result.output.strip() == f"{rows} rollup rows." and rows == 2  # department, theme
    assert api.ok("stats_usage", months=1)[0]["views"] == 6
