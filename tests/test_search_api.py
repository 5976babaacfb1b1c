"""package_search as CKAN clients call it: q terms and field:value, fq / fq_list with + and -,
paging, sorting, facets, who sees private datasets and drafts, and malformed queries as 400s.

Written for the database-backed search; package_search now runs on the configured search engine
(the embedded index by default), and these are the behaviours any engine must keep."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from conftest import site_batch
from sqlalchemy import select

from portal.actions import call
from portal.catalog.models import Dataset

PEOPLE = ("anonymous", "member", "editor", "admin", "outsider", "stranger", "sysadmin")
PUBLIC = ["bus-routes", "hospitals", "metro-stations", "road-survey"]


def create_datasets(app, datasets: list[dict[str, Any]], delete: list[str]) -> None:
    """Create the catalog as the site in one transaction (like a harvester's batch), so the
    search index is written once instead of once per dataset. The public datasets were last
    modified on different days, in the order given."""
    with site_batch(app) as context:
        for day, data in enumerate(datasets, start=1):
            call("package_create", context, data)
            dataset = context.session.scalar(select(Dataset).where(Dataset.name == data["name"]))
            dataset.metadata_modified = datetime(2024, 3, day, 9, 30)
        for name in delete:
            call("package_delete", context, {"id": name})


@pytest.fixture
def catalog(app, cast) -> None:
    transport, health = cast.transport.id, cast.health.id
    create_datasets(
        app,
        [
            {
                "name": "bus-routes",
                "title": "全省公交线路",
                "title_en": "Provincial bus routes",
                "notes": "城市公交线路及站点。",
                "owner_org": transport,
                "license_id": "gov-open-data",
                "tags": [{"name": "公交"}, {"name": "线路"}, {"name": "交通"}],
                "resources": [{"url": "https://x.cn/bus.csv", "name": "线路表", "format": "csv"}],
            },
            {
                "name": "metro-stations",
                "title": "地铁站点分布",
                "owner_org": transport,
                "license_id": "cc-by-4.0",
                "tags": [{"name": "地铁"}, {"name": "轨道交通"}, {"name": "交通"}],
                "resources": [
                    {"url": "https://x.cn/metro.json", "format": "JSON"},
                    {"url": "https://x.cn/metro.csv", "format": "CSV"},
                ],
            },
            {
                "name": "road-survey",
                "title": "年度道路调查",
                "owner_org": transport,
                "license_id": "gov-open-data",
                "tags": [{"name": "道路"}, {"name": "交通"}],
            },
            {
                "name": "hospitals",
                "title": "医疗机构名录",
                "owner_org": health,
                "license_id": "odc-odbl",
                "tags": [{"name": "医疗"}],
                "resources": [{"url": "https://x.cn/h.xlsx", "format": "XLSX"}],
            },
            {
                "name": "bus-costs",
                "title": "公交运营成本",
                "owner_org": transport,
                "private": True,
                "tags": [{"name": "公交"}],
            },
            {
                "name": "clinics-private",
                "title": "社区诊所内部名录",
                "owner_org": health,
                "private": True,
                "tags": [{"name": "医疗"}],
            },
            {
                "name": "taxi-draft",
                "title": "出租车公交接驳草稿",
                "owner_org": transport,
                "state": "draft",
            },
            {"name": "old-timetable", "title": "公交旧时刻表", "owner_org": transport},
        ],
        delete=["old-timetable"],
    )


def search(api, person=None, **params: Any) -> dict[str, Any]:
    """A GET, as ckanapi and browsers send package_search."""
    response = api.get("package_search", person, **params)
    body = response.get_json()
    assert response.status_code == 200, body
    return body["result"]


def names(result: dict[str, Any]) -> list[str]:
    return [d["name"] for d in result["results"]]


def unexpected(api, cases: list[tuple[dict[str, Any], list[str]]], ordered=False) -> list:
    """Run each search; return those whose results differ from the expected names."""
    wrong = []
    for params, expected in cases:
        found = names(search(api, rows=100, **params))
        if (found if ordered else sorted(found)) != expected:
            wrong.append((params, found))
    return wrong


# --- q ----------------------------------------------------------------------------------------


def test_chinese_and_english_terms_find_public_datasets(api, catalog):
    cases = [
        ({"q": "公交"}, ["bus-routes"]),
        ({"q": "线路"}, ["bus-routes"]),
        ({"q": "公交线路"}, ["bus-routes"]),
        ({"q": "bus"}, ["bus-routes"]),
        ({"q": "Provincial"}, ["bus-routes"]),
        ({"q": "地铁"}, ["metro-stations"]),
        ({"q": "医疗"}, ["hospitals"]),
        ({"q": "不存在的词"}, []),
    ]
    assert unexpected(api, cases) == []


def test_no_query_returns_every_public_active_dataset(api, catalog):
    for params in ({}, {"q": ""}, {"q": "*:*"}):
        result = search(api, **params)
        assert result["count"] == 4
        assert sorted(names(result)) == PUBLIC


def test_results_are_dataset_dicts_like_package_show(api, catalog):
    [found] = search(api, q="地铁")["results"]
    shown = api.ok("package_show", id="metro-stations")
    for key in ("id", "name", "title", "owner_org", "tags", "resources", "license_id"):
        assert found[key] == shown[key], key
    assert found["organization"]["name"] == "transport"


def test_field_value_terms_in_q(api, catalog):
    cases = [
        ({"q": "tags:地铁"}, ["metro-stations"]),
        ({"q": "tags:交通"}, ["bus-routes", "metro-stations", "road-survey"]),
        ({"q": 'tags:"轨道交通"'}, ["metro-stations"]),
        ({"q": "organization:health"}, ["hospitals"]),
        ({"q": "res_format:csv"}, ["bus-routes", "metro-stations"]),
        ({"q": "res_format:XLSX"}, ["hospitals"]),
        ({"q": "license_id:gov-open-data"}, ["bus-routes", "road-survey"]),
        ({"q": "交通 organization:transport"}, ["bus-routes", "metro-stations", "road-survey"]),
        ({"q": "tags:交通 -tags:地铁"}, ["bus-routes", "road-survey"]),
        ({"q": "tags:公交"}, ["bus-routes"]),
    ]
    assert unexpected(api, cases) == []


# --- fq and fq_list ----------------------------------------------------------------------------


def test_fq_and_fq_list_filter_with_plus_and_minus(api, catalog):
    expected = ["bus-routes", "road-survey"]
    cases = [
        ({"fq": "+organization:transport -tags:地铁"}, expected),
        ({"fq": "organization:transport -tags:地铁"}, expected),
        ({"fq_list": ["organization:transport", "-tags:地铁"]}, expected),
        ({"fq": "organization:transport", "fq_list": ["-tags:地铁"]}, expected),
        ({"q": "交通", "fq": '-tags:"轨道交通"'}, expected),
        ({"fq": "+tags:交通 +res_format:CSV"}, ["bus-routes", "metro-stations"]),
        ({"fq": "-organization:transport"}, ["hospitals"]),
        ({"q": "公交", "fq": "organization:health"}, []),
    ]
    assert unexpected(api, cases) == []


def test_fq_list_in_a_json_post(api, catalog):
    result = api.ok("package_search", fq_list=["tags:交通", "res_format:JSON"])
    assert names(result) == ["metro-stations"]


def test_filters_never_reveal_private_or_deleted_datasets(api, catalog):
    for fq in ("private:true", "name:bus-costs", "state:draft", "state:deleted", "tags:公交"):
        found = set(names(search(api, fq=fq, rows=100)))
        assert not found & {"bus-costs", "clinics-private", "taxi-draft", "old-timetable"}, fq


# --- paging and sorting ------------------------------------------------------------------------


def test_rows_and_start_page_through_the_results(api, catalog):
    pages = [search(api, sort="name asc", rows=3, start=start) for start in (0, 3, 6)]
    assert [p["count"] for p in pages] == [4, 4, 4]
    assert [names(p) for p in pages] == [PUBLIC[:3], PUBLIC[3:], []]
    only_count = search(api, rows=0)
    assert (only_count["count"], only_count["results"]) == (4, [])


def test_sort_orders(api, catalog):
    by_pinyin = ["metro-stations", "road-survey", "bus-routes", "hospitals"]
    by_day = ["bus-routes", "metro-stations", "road-survey", "hospitals"]
    cases = [
        ({"sort": "name asc"}, PUBLIC),
        ({"sort": "name desc"}, PUBLIC[::-1]),
        # 地铁 (di) < 年度 (nian) < 全省 (quan) < 医疗 (yi)
        ({"sort": "title_string asc"}, by_pinyin),
        ({"sort": "title_string desc"}, by_pinyin[::-1]),
        ({"sort": "metadata_modified desc"}, by_day[::-1]),
        ({"sort": "metadata_modified asc"}, by_day),
        ({"sort": "metadata_modified desc", "q": "tags:交通"}, by_day[2::-1]),
    ]
    assert unexpected(api, cases, ordered=True) == []
    assert search(api, sort="name desc")["sort"] == "name desc"


def test_changes_a_moment_apart_are_sorted_newest_first(api, cast, catalog):
    for name in ("ferry-a", "ferry-b", "ferry-c"):
        api.ok("package_create", cast.editor, name=name, title="轮渡航线", owner_org="transport")
    api.ok("package_patch", cast.editor, id="ferry-a", notes="更新了班次")
    newest = ["ferry-a", "ferry-c", "ferry-b"]
    assert names(search(api, q="轮渡", sort="metadata_modified desc")) == newest
    assert names(search(api, sort="metadata_modified desc", rows=3)) == newest


# --- facets ------------------------------------------------------------------------------------


FACETS = json.dumps(["organization", "tags", "res_format", "license_id"])


def test_facets_count_the_matching_datasets(api, catalog):
    result = search(api, **{"facet.field": FACETS})
    assert result["facets"]["organization"] == {"transport": 3, "health": 1}
    assert result["facets"]["res_format"] == {"CSV": 2, "JSON": 1, "XLSX": 1}
    assert result["facets"]["license_id"] == {"gov-open-data": 2, "cc-by-4.0": 1, "odc-odbl": 1}
    assert result["facets"]["tags"]["交通"] == 3
    assert result["facets"]["tags"]["医疗"] == 1
    assert "公交" in result["facets"]["tags"] and result["facets"]["tags"]["公交"] == 1
    items = {i["name"]: i for i in result["search_facets"]["organization"]["items"]}
    assert items["transport"] == {"name": "transport", "display_name": "省交通运输厅", "count": 3}


def test_facets_follow_the_query(api, catalog):
    result = search(api, q="tags:交通", **{"facet.field": '["organization", "res_format"]'})
    assert result["facets"] == {
        "organization": {"transport": 3},
        "res_format": {"CSV": 2, "JSON": 1},
    }


def test_facet_mincount_and_limit(api, catalog):
    result = search(api, **{"facet.field": '["tags", "res_format"]', "facet.mincount": 2})
    assert result["facets"] == {"tags": {"交通": 3}, "res_format": {"CSV": 2}}
    result = search(api, **{"facet.field": '["tags"]', "facet.limit": 1})
    assert result["facets"] == {"tags": {"交通": 3}}


def test_facet_field_as_a_json_list_in_a_post(api, catalog):
    result = api.ok("package_search", **{"facet.field": ["organization"], "rows": 0})
    assert result["facets"] == {"organization": {"transport": 3, "health": 1}}


def test_no_facet_field_means_no_facets(api, catalog):
    result = search(api)
    assert result["facets"] == {}
    assert result["search_facets"] == {}


def test_facets_never_count_private_datasets(api, cast, catalog):
    result = search(api, cast.member, **{"facet.field": '["organization"]'})
    assert result["facets"]["organization"] == {"transport": 3, "health": 1}


# --- private datasets and drafts ---------------------------------------------------------------


PRIVATE_SEEN = {
    "anonymous": [],
    "member": ["bus-costs"],
    "editor": ["bus-costs"],
    "admin": ["bus-costs"],
    "outsider": ["clinics-private"],
    "stranger": [],
    "sysadmin": ["bus-costs", "clinics-private"],
}
DRAFTS_SEEN = {
    who: ["taxi-draft"] if who in ("editor", "admin", "sysadmin") else [] for who in PEOPLE
}


def test_include_private_shows_only_what_the_caller_may_read(api, cast, catalog):
    for who in PEOPLE:
        person = getattr(cast, who)
        found = names(search(api, person, include_private="true", rows=100))
        assert sorted(found) == sorted(PUBLIC + PRIVATE_SEEN[who]), who
        assert sorted(names(search(api, person, rows=100))) == PUBLIC, who


def test_include_drafts_shows_drafts_only_to_their_editors(api, cast, catalog):
    for who in PEOPLE:
        person = getattr(cast, who)
        found = names(search(api, person, q="出租车", include_drafts="true"))
        assert found == DRAFTS_SEEN[who], who


def test_deleted_datasets_are_never_found(api, cast, catalog):
    everything = {"include_private": True, "include_drafts": True, "rows": 100}
    assert search(api, cast.sysadmin, q="时刻表", **everything)["count"] == 0
    assert "old-timetable" not in names(search(api, cast.sysadmin, **everything))


def test_private_count_includes_only_visible_datasets(api, cast, catalog):
    assert search(api, cast.member, q="公交", include_private=True)["count"] == 2
    assert search(api, cast.outsider, q="公交", include_private=True)["count"] == 1


# --- malformed queries -------------------------------------------------------------------------


MALFORMED = [
    {"fq": "tags:"},
    {"fq": "(tags:公交"},
    {"fq": "nosuchfield:x"},
    {"fq": 'tags:"公交'},
    {"fq_list": ["organization:transport", "tags:"]},
    {"q": "(公交 OR 地铁"},
    {"q": "nosuchfield:x"},
    {"sort": "popularity desc"},
    {"sort": "name"},
    {"sort": "name asc; DROP TABLE dataset"},
    {"sort": "name asc, nosuch desc"},
    {"facet.field": "tags"},
    {"facet.field": '["nope"]'},
    {"facet.field": '{"tags": 1}'},
    {"facet.field": "[1]"},
    {"facet.field": '["notes"]'},
]


@pytest.mark.parametrize("method", ["get", "post"])
def test_malformed_queries_are_a_search_query_error(api, method):
    wrong = []
    for params in MALFORMED:
        response = getattr(api, method)("package_search", **params)
        body = response.get_json()
        if response.status_code != 400 or body["error"]["__type"] != "Search Query Error":
            wrong.append((params, response.status_code, body.get("error")))
    assert wrong == []


def test_bad_paging_values_are_validation_errors(api):
    bad = [{"rows": 1001}, {"rows": "many"}, {"start": -1}, {"start": 10**20}]
    for params in [*bad, {"include_private": "x"}, {"facet.limit": "all"}]:
        response = api.post("package_search", **params)
        assert response.status_code == 409, params
        assert response.get_json()["error"]["__type"] == "Validation Error"
