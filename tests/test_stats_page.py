"""The public statistics: stats_catalog, stats_growth and stats_usage count public datasets
only; /stats shows every chart's figures as a table in both languages, and each chart's
figures download as CSV that Excel opens (UTF-8 with a BOM)."""

from __future__ import annotations

import csv
import io

from portal.stats.counting import today
from tests.test_stats import add_counts, linked
from tests.test_web_pages import text


def test_the_catalog_figures_count_public_datasets_only(api, app, cast):
    linked(app, cast, "bus-routes", title="公交线路")
    linked(app, cast, "bus-costs", title="公交成本", private=True)
    figures = api.ok("stats_catalog", cast.sysadmin)
    assert figures["datasets"] == 1
    assert figures["facets"]["organization"] == [
        {
            "name": "transport",
            "display_name": "省交通运输厅",
            "title_en": "Department of Transport",
            "count": 1,
        }
    ]
    assert figures["facets"]["res_format"][0]["name"] == "CSV"


def test_growth_counts_each_months_new_public_datasets_and_the_running_total(api, app, cast):
    linked(app, cast, "bus-routes")
    linked(app, cast, "metro-lines")
    linked(app, cast, "bus-costs", private=True)
    months = api.ok("stats_growth", months=3)
    assert len(months) == 3 and months[-1]["new"] == 2 and months[-1]["total"] == 2
    assert months[0]["month"] < months[1]["month"] < months[2]["month"]


def test_usage_counts_downloads_of_public_datasets_per_month(api, app, cast):
    public = linked(app, cast, "bus-routes")
    private = linked(app, cast, "bus-costs", private=True)
    add_counts(app, public, 7)
    add_counts(app, private, 5)
    this_month = api.ok("stats_usage", months=1)[0]
    assert (this_month["downloads"], this_month["views"]) == (7, 0)


def test_the_statistics_page_shows_the_figures_in_both_languages(client, app, cast):
    dataset = linked(app, cast, "bus-routes", title="公交线路")
    add_counts(app, dataset, 3)
    page = text(client.get("/stats"))
    assert "<h1>统计数据</h1>" in page and "各部门数据集数量" in page
    assert '<th scope="row">省交通运输厅</th><td>1</td>' in page
    assert 'data-chart="' in page and "/assets/stats.js" in page and "cdn" not in page.lower()
    english = text(client.get("/stats?lang=en"))
    assert "Datasets per department" in english
    assert '<th scope="row">Department of Transport</th><td>1</td>' in english


def test_each_chart_downloads_as_csv(client, app, cast):
    linked(app, cast, "bus-routes", title="公交线路")
    response = client.get("/stats/departments.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["部门", "数据集"], ["省交通运输厅", "1"]]
    assert client.get("/stats/nothing.csv").status_code == 404


def test_the_dataset_page_shows_its_page_views(client, app, cast):
    from portal.stats import usage
    from tests.test_usage_counting import visit

    linked(app, cast, "bus-routes", title="公交线路")
    for _ in range(3):
        visit(client, "/dataset/bus-routes")
    usage.flush(app)
    html = text(client.get("/dataset/bus-routes"))
    assert '<th scope="row">浏览次数</th><td>3</td>' in html


def test_a_charts_csv_computes_only_its_own_figures(client, app, cast, monkeypatch):
    from portal.web import stats

    called: list[str] = []

    def recording(name: str, context, data_dict):  # noqa: ANN001, ANN202
        called.append(name)
        return real(name, context, data_dict)

    real = stats.call
    monkeypatch.setattr(stats, "call", recording)
    expected = {"usage": ["stats_usage"], "search-terms": ["stats_search_terms"],
                "growth": ["stats_growth"], "formats": ["stats_catalog"],
                "api-calls": ["stats_api_calls"]}  # fmt: skip
    for chart, actions in expected.items():
        called.clear()
        assert client.get(f"/stats/{chart}.csv").status_code == 200
        assert called == actions, chart
    called.clear()
    assert client.get("/stats").status_code == 200
    assert sorted(called) == ["stats_api_calls", "stats_catalog", "stats_growth",
                              "stats_search_terms", "stats_usage"]  # fmt: skip


def test_the_api_calls_chart_counts_this_months_calls(client, api, app, cast):
    from portal.apps import usage as api_usage

    for _ in range(3):
        api.ok("package_search", cast.anonymous)
    api_usage.flush(app)
    rows = list(csv.reader(io.StringIO(client.get("/stats/api-calls.csv").get_data(as_text=True)
                                       .lstrip("\ufeff"))))  # fmt: skip
    assert rows[0] == ["月份", "API 调用"]
    assert rows[-1] == [today().strftime("%Y-%m"), "3"]
    assert "每月 API 调用次数" in text(client.get("/stats"))
