"""Usage counting: dataset page views and search queries are buffered per process and written
in one batch (portal.stats.usage); robots and HEAD requests are not counted, private datasets
never are, and rare search terms are not shown to the public (stats_search_terms)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.api.openapi import build_spec
from portal.stats import usage
from portal.stats.counting import today
from portal.stats.models import DatasetViewCount, SearchTermCount
from portal.stats.usage import flush, normalise_query
from tests.conftest import create_dataset
from tests.test_openapi_conformance import response_errors

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
NONSENSE = "qzxv无此数据"


@pytest.fixture
def bus(app, cast) -> dict[str, Any]:
    return create_dataset(app, "bus-routes", cast.transport, title="全省公交线路")


def visit(client, path: str, user_agent: str = BROWSER, method: str = "GET", **query: str):
    return client.open(path, method=method, headers={"User-Agent": user_agent}, query_string=query)


def search_page(client, q: str, user_agent: str = BROWSER):
    response = visit(client, "/dataset", user_agent, q=q)
    assert response.status_code == 200
    return response


def api_search(client, q: str, **data: Any):
    response = client.post(
        "/api/3/action/package_search", json={"q": q, **data}, headers={"User-Agent": BROWSER}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def stored(app, model: type) -> list[tuple]:
    session = app.extensions["portal.db"].session()
    if model is DatasetViewCount:
        query = select(model.dataset_id, model.day, model.count)
    else:
        query = select(model.term, model.count, model.results)
    rows = [tuple(row) for row in session.execute(query)]
    session.commit()
    return sorted(rows)


# --- counting ----------------------------------------------------------------------------------


def test_a_scripted_visit_gives_exact_counts_after_a_flush(client, api, app, cast, bus):
    for _ in range(3):
        assert visit(client, "/dataset/bus-routes").status_code == 200
    assert visit(client, "/dataset/bus-routes", "Baiduspider-render/2.0").status_code == 200
    assert visit(client, "/dataset/bus-routes", method="HEAD").status_code == 200
    search_page(client, "公交")
    assert api_search(client, "  公交 ")["count"] == 1
    assert api_search(client, NONSENSE)["count"] == 0

    assert stored(app, DatasetViewCount) == []  # nothing written on the request path
    assert flush(app) == 3
    assert stored(app, DatasetViewCount) == [(bus["id"], today(), 3)]
    assert stored(app, SearchTermCount) == [("qzxv无此数据", 1, 0), ("公交", 2, 1)]
    assert api.ok("package_view_stats", id="bus-routes")["total"] == 3
    assert flush(app) == 0  # written once


def test_flushes_add_up_and_robots_and_head_searches_are_not_counted(client, app, bus):
    search_page(client, "公交")
    flush(app)
    search_page(client, "公交")
    search_page(client, "公交", user_agent="Googlebot/2.1")
    assert visit(client, "/dataset", method="HEAD", q="公交").status_code == 200
    flush(app)
    assert stored(app, SearchTermCount) == [("公交", 2, 1)]


def test_queries_are_normalised_before_they_are_counted():
    assert normalise_query("  公交   Bus\tROUTES ") == "公交 bus routes"
    assert normalise_query("ÉCOLE Москва") == "école Москва"  # Latin only
    assert normalise_query("数" * 150) == "数" * 100
    assert normalise_query("   ") == ""


def test_empty_queries_later_pages_and_internal_searches_are_not_counted(client, api, app, bus):
    search_page(client, "")
    api_search(client, "", fq="organization:transport")
    api_search(client, "公交", start=20)
    api.ok("package_popular")
    assert visit(client, "/").status_code == 200
    flush(app)
    assert stored(app, SearchTermCount) == []


def test_private_and_draft_datasets_views_are_never_counted(client, api, app, cast):
    create_dataset(app, "bus-costs", cast.transport, private=True)
    response = client.get(
        "/dataset/bus-costs", headers={**cast.member.headers, "User-Agent": BROWSER}
    )
    assert response.status_code == 200
    flush(app)
    assert stored(app, DatasetViewCount) == []
    assert api.post("package_view_stats", id="bus-costs").status_code == 404
    assert api.ok("package_view_stats", cast.member, id="bus-costs")["total"] == 0


def test_a_failed_flush_keeps_the_counts_for_the_next_round(client, app, bus, monkeypatch, caplog):
    visit(client, "/dataset/bus-routes")
    real = usage._write

    def broken(*_args: Any) -> int:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(usage, "_write", broken)
    assert flush(app) == 0 and "not written yet" in caplog.text
    monkeypatch.setattr(usage, "_write", real)
    assert flush(app) == 1
    assert stored(app, DatasetViewCount)[0][2] == 1


def test_views_of_a_dataset_purged_before_the_flush_are_dropped(client, api, app, cast, bus):
    visit(client, "/dataset/bus-routes")
    api.ok("dataset_purge", cast.sysadmin, id="bus-routes")
    assert flush(app) == 0
    assert stored(app, DatasetViewCount) == []


# --- reports ---------------------------------------------------------------------------------


def searched(client, app, counts: dict[str, int]) -> None:
    for q, times in counts.items():
        for _ in range(times):
            search_page(client, q)
    flush(app)


def test_search_terms_are_ordered_by_count_and_zero_results_listed_apart(client, api, app, cast):
    create_dataset(app, "bus-routes", cast.transport, title="全省公交线路")
    create_dataset(app, "metro-stations", cast.transport, title="地铁站点")
    searched(client, app, {"公交": 2, "地铁": 4, NONSENSE: 1})
    terms = api.ok("stats_search_terms", cast.sysadmin)
    assert terms == [
        {"term": "地铁", "count": 4, "results": 1},
        {"term": "公交", "count": 2, "results": 1},
    ]
    zero = api.ok("stats_search_terms", cast.sysadmin, zero_results=True)
    assert zero == [{"term": NONSENSE, "count": 1, "results": 0}]


def test_anonymous_callers_do_not_see_terms_searched_fewer_than_three_times(
    client, api, app, cast, bus
):
    searched(client, app, {"公交": 3, "公交线路": 2, NONSENSE: 1})
    assert [t["term"] for t in api.ok("stats_search_terms")] == ["公交"]
    assert api.ok("stats_search_terms", zero_results=True) == []
    assert [t["term"] for t in api.ok("stats_search_terms", cast.stranger)] == ["公交"]
    staff = api.ok("stats_search_terms", cast.member)
    assert [t["term"] for t in staff] == ["公交", "公交线路"]


def test_search_terms_count_only_the_days_asked_for(client, api, app, cast, bus):
    session = app.extensions["portal.db"].session()
    old = today() - timedelta(days=10)
    session.add(SearchTermCount(day=old, term="公交", count=5, results=1))
    session.commit()
    searched(client, app, {"公交": 3})
    by_days = {d: api.ok("stats_search_terms", days=d)[0]["count"] for d in (1, 30)}
    assert by_days == {1: 3, 30: 8}
    assert api.post("stats_search_terms", days=0).status_code == 409


def test_usage_results_match_their_documented_schemas(client, api, app, cast, bus):
    searched(client, app, {"公交": 3})
    visit(client, "/dataset/bus-routes")
    flush(app)
    doc = build_spec()
    for name, params in {
        "package_view_stats": {"id": "bus-routes"},
        "stats_search_terms": {"days": 7},
    }.items():
        response = api.get(name, **params)
        assert response.status_code == 200, response.get_json()
        assert response_errors(doc, name, 200, response.get_json(), "get") == [], name
    assert api.ok("package_view_stats", id="bus-routes")["by_day"][-1]["count"] == 1


def test_no_flusher_thread_runs_in_a_testing_app(client, app, bus):
    visit(client, "/dataset/bus-routes")
    assert usage.buffer_of(app).views  # waits for flush(): tests decide when
    session = app.extensions["portal.db"].session()
    assert session.scalar(select(func.count()).select_from(DatasetViewCount)) == 0
    session.commit()


def test_a_serving_app_flushes_from_a_thread_of_its_process_and_at_exit(
    client, app, bus, monkeypatch
):
    started, at_exit = [], []
    monkeypatch.setattr(usage, "start", lambda *args: started.append(args))
    monkeypatch.setattr(usage.atexit, "register", lambda *args: at_exit.append(args))
    app.testing = False
    visit(client, "/dataset/bus-routes")
    visit(client, "/dataset/bus-routes")
    [(name, interval, flush_now)] = started  # one flusher per process, not per request
    assert name == "portal-usage-flush" and 0 < interval <= 10
    flush_now()
    assert stored(app, DatasetViewCount) == [(bus["id"], today(), 2)]
    assert at_exit == [(flush, app)]
