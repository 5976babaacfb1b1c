"""package_search and autocomplete over the API, on the embedded engine: what a citizen or a
CKAN client searching in Chinese or English would notice."""

from __future__ import annotations

import json

import pytest

from portal.catalog.models import Organization
from tests.conftest import create_dataset


@pytest.fixture
def catalog(app, cast):
    session = app.extensions["portal.db"].session()
    education = Organization(name="education", title="省教育厅", title_en="Department of Education")
    session.add(education)
    session.commit()
    made = {}

    def add(key, org, **fields):
        made[key] = create_dataset(app, key, org, **fields)

    add(
        "bus-routes",
        cast.transport,
        title="全省公交线路及站点信息",
        title_en="Bus routes and stops of the province",
        notes="包含全省各市公交线路的编号、名称、起止站点。",
        tags=[{"name": "公交"}, {"name": "交通"}],
        license_id="gov-open-data",
        resources=[{"url": "https://data.example.gov.cn/bus.csv", "format": "CSV"}],
    )
    add(
        "bus-positions",
        cast.transport,
        title="济南市公交车辆实时位置",
        notes="公交车辆GPS位置，每分钟更新。",
        tags=[{"name": "公交"}],
        license_id="cc-by-4.0",
        resources=[{"url": "https://data.example.gov.cn/api/bus", "format": "JSON"}],
    )
    add(
        "road-traffic",
        cast.transport,
        title="普通国省道交通量观测数据",
        notes="观测站点的日交通量，不含公交。",
        tags=[{"name": "交通"}],
        license_id="gov-open-data",
    )
    add(
        "hospitals",
        cast.health,
        title="全省二级以上医院名单",
        notes="医院名称、等级、地址和联系电话。",
        tags=[{"name": "医院"}, {"name": "医疗"}],
        license_id="gov-open-data",
        resources=[{"url": "https://data.example.gov.cn/h.xlsx", "format": "XLSX"}],
    )
    add(
        "schools",
        education,
        title="全省中小学校名单",
        notes="学校名称、类型、所在区县。",
        tags=[{"name": "学校"}],
        license_id="cc-by-4.0",
    )
    add(
        "air-quality",
        cast.health,
        title="2025年全省空气质量日报",
        notes="各市AQI、PM2.5和首要污染物。",
        tags=[{"name": "空气质量"}],
        license_id="odc-odbl",
    )
    add(
        "budget",
        education,
        title="省级财政预算支出明细",
        title_en="Provincial budget expenditure details",
        notes="按功能分类的一般公共预算支出。",
        tags=[{"name": "财政"}],
        license_id="gov-open-data",
    )
    add("bus-dispatch", cast.transport, title="公交内部调度数据", private=True)
    add("bus-draft", cast.transport, title="公交票价调整草稿", state="draft")
    return made


def search(api, person=None, **params):
    response = api.get("package_search", person, **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


def names(result):
    return [d["name"] for d in result["results"]]


@pytest.mark.parametrize("q", ["公交", "线路", "公交 线路", "公交线路", "bus routes"])
def test_bus_routes_are_found_from_parts_of_the_chinese_name_or_english(api, catalog, q):
    assert "bus-routes" in names(search(api, q=q))


def test_expected_datasets_come_first_for_citizen_queries(api, catalog):
    assert names(search(api, q="医院"))[0] == "hospitals"
    assert names(search(api, q="学校 名单"))[0] == "schools"
    assert names(search(api, q="空气质量"))[0] == "air-quality"
    assert names(search(api, q="budget"))[0] == "budget"


def test_title_matches_rank_above_description_matches(api, catalog):
    # road-traffic mentions 公交 only in its description.
    found = names(search(api, q="公交"))
    assert found.index("road-traffic") > found.index("bus-routes")
    assert found.index("road-traffic") > found.index("bus-positions")


def test_facet_counts_match_the_results(api, catalog):
    result = search(
        api, q="公交", **{"facet.field": json.dumps(["organization", "tags", "res_format"])}
    )
    assert result["count"] == 3
    assert result["facets"]["organization"] == {"transport": 3}
    assert result["facets"]["tags"] == {"公交": 2, "交通": 2}
    assert result["facets"]["res_format"] == {"CSV": 1, "JSON": 1}
    items = result["search_facets"]["organization"]["items"]
    assert items == [{"name": "transport", "display_name": "省交通运输厅", "count": 3}]


def test_department_filter_in_q_and_fq(api, catalog):
    assert sorted(names(search(api, q="organization:health"))) == ["air-quality", "hospitals"]
    assert sorted(names(search(api, q="名单", fq="organization:education"))) == ["schools"]


def test_fq_supports_negation_quotes_and_lists(api, catalog):
    result = search(api, q="公交", fq="-res_format:JSON")
    assert "bus-positions" not in names(result)
    assert "bus-routes" in names(result)
    result = search(api, fq='tags:"空气质量"')
    assert names(result) == ["air-quality"]
    result = search(api, fq_list=["organization:transport", "tags:交通"])
    assert sorted(names(result)) == ["bus-routes", "road-traffic"]


def test_date_range_filter_on_metadata_modified(api, catalog):
    everything = search(api, fq="metadata_modified:[2000-01-01T00:00:00Z TO *]", rows=100)
    assert everything["count"] == 7
    assert search(api, fq="metadata_modified:[* TO 2000-01-01T00:00:00Z]")["count"] == 0


def test_sort_by_title_uses_pinyin_order(api, catalog):
    result = search(api, q="organization:transport", sort="title_string asc")
    # 公交 (gong) < 济南 (ji) < 普通 (pu) < 全省 (quan)
    assert names(result) == ["bus-positions", "road-traffic", "bus-routes"]


def test_rows_and_start_page_through_results(api, catalog):
    first = search(api, rows=3, start=0, sort="name asc")
    second = search(api, rows=3, start=3, sort="name asc")
    assert first["count"] == second["count"] == 7
    assert not set(names(first)) & set(names(second))
    assert names(first) + names(second) == sorted(names(first) + names(second))


def test_private_datasets_only_for_department_members_who_ask(api, cast, catalog):
    assert "bus-dispatch" not in names(search(api, q="公交", include_private=True))
    assert "bus-dispatch" not in names(search(api, cast.member, q="公交"))
    assert "bus-dispatch" in names(search(api, cast.member, q="公交", include_private=True))
    assert "bus-dispatch" not in names(search(api, cast.outsider, q="公交", include_private=True))
    assert "bus-dispatch" in names(search(api, cast.sysadmin, q="公交", include_private=True))


def test_drafts_only_for_their_editors(api, cast, catalog):
    assert "bus-draft" not in names(search(api, cast.member, q="公交", include_drafts=True))
    assert "bus-draft" in names(search(api, cast.editor, q="公交", include_drafts=True))
    assert "bus-draft" not in names(search(api, cast.editor, q="公交"))


def test_no_query_reads_private_datasets(api, catalog):
    for q in ["private:true", "name:bus-dispatch", "*:*", "state:draft", "公交 OR *:*"]:
        assert not {"bus-dispatch", "bus-draft"} & set(names(search(api, q=q, rows=100)))


def test_highlights_mark_matched_words_and_escape_html(api, app, cast, catalog):
    create_dataset(
        app, "xss", cast.transport, title="<b>公交</b>月票", notes="<script>x</script>公交"
    )
    result = search(api, q="公交 月票")
    found = {d["name"]: d["highlight"] for d in result["results"]}
    assert found["xss"]["title"] == "&lt;b&gt;<mark>公交</mark>&lt;/b&gt;<mark>月票</mark>"
    assert "<script>" not in found["xss"]["notes"]


def test_english_words_are_highlighted_in_english_titles(api, catalog):
    result = search(api, q="bus routes")
    hit = next(d for d in result["results"] if d["name"] == "bus-routes")
    assert (
        hit["highlight"]["title_en"]
        == "<mark>Bus</mark> <mark>route</mark>s and stops of the province"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"q": "(公交"},
        {"q": "nosuchfield:x"},
        {"fq": "organization:"},
        {"sort": "popularity desc"},
        {"facet.field": "organization"},
        {"facet.field": '["notes"]'},
        {"rows": "1001"},
        {"rows": "many"},
        {"start": "-1"},
    ],
)
def test_malformed_search_is_a_400_not_a_500(api, catalog, params):
    response = api.get("package_search", **params)
    assert response.status_code in (400, 409)
    assert response.get_json()["success"] is False


def test_a_dataset_is_searchable_as_soon_as_its_create_returns(api, cast, catalog):
    api.ok("package_create", cast.editor, name="metro", title="地铁线路图", owner_org="transport")
    assert names(search(api, q="地铁")) == ["metro"]
    api.ok("package_patch", cast.editor, id="metro", title="城市轨道交通线路图")
    assert names(search(api, q="地铁")) == []
    assert names(search(api, q="轨道交通")) == ["metro"]
    api.ok("package_delete", cast.editor, id="metro")
    assert names(search(api, q="轨道交通")) == []


def test_making_a_dataset_private_hides_it_at_once(api, cast, catalog):
    api.ok("package_patch", cast.editor, id="bus-positions", private=True)
    assert "bus-positions" not in names(search(api, q="公交"))


def test_department_rename_reaches_search_facets_titles(api, cast, catalog):
    api.ok("organization_update", cast.admin, id="transport", title="省交通运输厅（新）")
    result = search(api, q="公交", **{"facet.field": '["organization"]'})
    assert (
        result["search_facets"]["organization"]["items"][0]["display_name"] == "省交通运输厅（新）"
    )


def test_package_autocomplete_by_chinese_pinyin_and_initials(api, catalog):
    for q in ["公交", "gongjiao", "gj"]:
        response = api.get("package_autocomplete", q=q)
        found = [d["name"] for d in response.get_json()["result"]]
        assert {"bus-routes", "bus-positions"} <= set(found), q
        assert "bus-dispatch" not in found


def test_tag_autocomplete_by_prefix_and_pinyin(api, catalog):
    assert api.get("tag_autocomplete", q="公").get_json()["result"] == ["公交"]
    assert "医院" in api.get("tag_autocomplete", q="yy").get_json()["result"]


def test_ckan_style_search_parameters_from_a_post(api, catalog):
    result = api.ok(
        "package_search",
        q="公交",
        fq="organization:transport",
        rows=1,
        start=0,
        sort="metadata_modified desc",
        **{"facet.field": ["organization"], "facet.limit": 5, "facet.mincount": 1},
    )
    assert result["count"] == 3  # two titles and one description mention 公交
    assert len(result["results"]) == 1
    assert result["facets"]["organization"] == {"transport": 3}


@pytest.mark.parametrize("sort", ["name asc", "metadata_modified desc", "title_string asc"])
def test_far_pages_of_a_sorted_result_match_reading_from_the_start(api, catalog, monkeypatch, sort):
    from portal.search import tantivy_engine

    everything = names(search(api, sort=sort, rows=100))
    monkeypatch.setattr(tantivy_engine, "DEEP_PAGE", 0)  # read far pages from the other end
    for start in range(len(everything) + 1):
        assert names(search(api, sort=sort, rows=3, start=start)) == everything[start : start + 3]
