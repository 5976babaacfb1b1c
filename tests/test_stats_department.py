"""A department's own figures on its page (stats_department: public datasets, resources, page
views and downloads of the last 30 days, per day and its most viewed datasets), and on the
department dashboard the zero-result searches whose words touch its themes
(stats_department_searches, for its members only)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.api.openapi import build_spec
from tests.test_openapi_conformance import response_errors
from tests.test_stats_rollups import add_counts, add_searches, catalog  # noqa: F401
from tests.test_web_pages import login_as


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def tiles(html: str) -> list[str]:
    section = html[html.index('class="department-stats"'):]
    return re.findall(r'class="stat-number">([^<]+)<', section)[:4]


@pytest.fixture
def counted(app, catalog) -> dict[str, Any]:  # noqa: F811
    add_counts(app, [
        ("views", catalog["bus"], 0, 5), ("views", catalog["bus"], 29, 2),
        ("views", catalog["bus"], 30, 40),  # the 31st day back: outside the window
        ("downloads", catalog["bus"], 3, 4),
        ("views", catalog["hidden"], 0, 100), ("downloads", catalog["hidden"], 0, 100),
        ("views", catalog["clinics"], 0, 9),  # another department
    ])  # fmt: skip
    return catalog


def test_stats_department_counts_only_its_public_datasets_of_the_last_30_days(api, counted):
    figures = api.ok("stats_department", id="transport")
    assert (figures["datasets"], figures["resources"]) == (1, 1)
    assert (figures["views"], figures["downloads"]) == (7, 4)
    assert len(figures["by_day"]) == 30
    assert figures["by_day"][-1]["views"] == 5 and figures["by_day"][0]["views"] == 2
    assert figures["top"] == [{"name": "bus-routes", "title": "全省公交线路", "views": 7}]
    response = api.get("stats_department", id="transport")
    assert response_errors(build_spec(), "stats_department", 200, response.get_json(), "get") == []
    assert api.post("stats_department", id="no-such-department").status_code == 404
    assert api.post("stats_department").status_code == 409


def test_the_department_page_shows_its_figures_in_chinese(client, counted):
    html = text(client.get("/organization/transport"))
    assert "近 30 天数据" in html and "浏览最多的数据集" in html
    assert tiles(html) == ["1", "1", "7", "4"]
    assert "全省公交线路" in html and "公交成本" not in html  # never the private dataset
    client.get("/lang/en")
    english = text(client.get("/organization/transport"))
    assert "Figures of the last 30 days" in english and "Most viewed datasets" in english


def test_a_quiet_department_page_says_so(client, catalog):  # noqa: F811
    html = text(client.get("/organization/health"))
    assert tiles(html) == ["1", "1", "0", "0"]
    assert "近 30 天没有页面浏览或下载。" in html


def test_zero_result_searches_touching_the_departments_themes_are_for_its_members(
    api, app, cast, catalog  # noqa: F811
):
    add_searches(app, {"交通拥堵": 4, "mobility plan": 1, "天气预报": 9})
    add_searches(app, {"交通": 6}, results=3)  # found datasets: not a gap
    add_searches(app, {"出行指数": 2}, ago=40)  # older than the 30 days
    gaps = api.ok("stats_department_searches", cast.member, id="transport")
    assert gaps["themes"] == [{"name": "mobility", "display_name": "交通出行"}]
    assert {"交通", "出行", "mobility"} <= set(gaps["keywords"])
    assert gaps["terms"] == [
        {"term": "交通拥堵", "count": 4, "themes": ["mobility"]},
        {"term": "mobility plan", "count": 1, "themes": ["mobility"]},
    ]
    longer = api.ok("stats_department_searches", cast.member, id="transport", days=60)
    assert [t["term"] for t in longer["terms"]] == ["交通拥堵", "出行指数", "mobility plan"]
    for person in (cast.anonymous, cast.stranger, cast.outsider):
        response = api.post("stats_department_searches", person, id="transport")
        assert response.status_code == 403, person.name
        assert response.get_json()["error"]["__type"] == "Authorization Error"
    assert api.post("stats_department_searches", cast.sysadmin, id="transport").status_code == 200
    response = api.get("stats_department_searches", cast.member, id="transport")
    body = response.get_json()
    assert response_errors(build_spec(), "stats_department_searches", 200, body, "get") == []


def test_the_dashboard_lists_the_gaps_of_each_of_the_members_departments(
    client, app, cast, catalog  # noqa: F811
):
    add_searches(app, {"交通拥堵": 4, "天气预报": 9, "医疗": 3})
    login_as(client, cast.member)
    html = text(client.get("/dashboard"))
    assert "省交通运输厅 主题下无结果的搜索" in html
    assert "交通拥堵" in html and "天气预报" not in html and "医疗" not in html
    login_as(client, cast.outsider)  # health: themes 医疗卫生 and 交通出行 (clinics)
    html = text(client.get("/dashboard"))
    assert "医疗" in html and "交通拥堵" in html and "天气预报" not in html
