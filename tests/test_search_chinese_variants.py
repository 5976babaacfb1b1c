"""Chinese the way citizens type it: Traditional characters, full pinyin, prefixes (公*) and
Solr date math (NOW-1DAY) in package_search, as a CKAN client on Solr would expect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.search import syntax
from portal.search.text import simplified
from tests.conftest import create_dataset


@pytest.fixture
def catalog(app, cast):
    create_dataset(app, "hospitals", cast.health, title="全省二级以上医院名单")
    create_dataset(app, "bus-routes", cast.transport, title="全省公交线路及站点信息")
    create_dataset(app, "public-toilets", cast.transport, title="城市公共厕所分布")
    create_dataset(app, "taipei-buses", cast.transport, title="臺北市公車路線資料")
    create_dataset(app, "road-traffic", cast.transport, title="普通国省道交通量观测数据")


def names(api, **params):
    response = api.get("package_search", **params)
    assert response.status_code == 200, response.get_json()
    return {d["name"] for d in response.get_json()["result"]["results"]}


def error_message(api, **params):
    response = api.get("package_search", **params)
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["success"] is False
    return body["error"]["message"]


def test_traditional_query_finds_a_simplified_title(api, catalog):
    assert names(api, q="醫院") == {"hospitals"}


def test_simplified_query_finds_a_traditional_title(api, catalog):
    assert "taipei-buses" in names(api, q="台北 公车")
    assert "taipei-buses" in names(api, q="资料")


def test_traditional_matches_are_highlighted_in_the_stored_text(api, catalog):
    response = api.get("package_search", q="醫院", highlight="true")
    result = response.get_json()["result"]["results"][0]
    assert "<mark>医院</mark>" in result["highlight"]["title"]


def test_conversion_keeps_the_text_length_so_offsets_stay_valid():
    for text in ("醫院", "臺灣", "頭髮", "於是", "計畫", "公交线路"):
        assert len(simplified(text)) == len(text)
    assert simplified("臺北市公車路線") == "台北市公车路线"


@pytest.mark.parametrize(("q", "expected"), [("gongjiao", "bus-routes"), ("yiyuan", "hospitals")])
def test_full_pinyin_finds_chinese_titles(api, catalog, q, expected):
    assert expected in names(api, q=q)


def test_pinyin_initials_stay_an_autocomplete_feature(api, catalog):
    assert "bus-routes" not in names(api, q="gj")
    response = api.get("package_autocomplete", q="gj")
    assert "bus-routes" in {d["name"] for d in response.get_json()["result"]}


def test_a_chinese_prefix_finds_every_word_that_starts_with_it(api, catalog):
    assert names(api, q="公*") == {"bus-routes", "public-toilets", "taipei-buses"}  # 公車 too
    assert names(api, q="title:交通*") == {"road-traffic"}


def test_a_wildcard_query_never_silently_matches_nothing(api, catalog):
    assert "trailing *" in error_message(api, q="公*交")
    assert "trailing *" in error_message(api, q="公?")
    assert "text fields" in error_message(api, fq="tags:公*")
    assert "two letters" in error_message(api, q="b*")


def test_date_math_selects_recent_datasets(api, catalog):
    everything = {"hospitals", "bus-routes", "public-toilets", "taipei-buses", "road-traffic"}
    assert names(api, fq="metadata_modified:[NOW-1DAY TO NOW]", rows=50) == everything
    assert names(api, fq="metadata_modified:[NOW/DAY-7DAYS TO *]", rows=50) == everything
    assert names(api, fq="metadata_modified:[* TO NOW-1YEAR]", rows=50) == set()


def test_date_math_arithmetic_and_rounding():
    now = datetime.now(UTC).replace(tzinfo=None)
    lower = syntax.parse("metadata_modified:[NOW/DAY-1MONTH TO *]").lower
    assert lower.hour == lower.minute == lower.second == 0
    assert timedelta(days=27) < now - lower < timedelta(days=33)
    leap = syntax.parse("metadata_modified:[2024-01-31T00:00:00Z+1MONTH TO *]").lower
    assert leap == datetime(2024, 2, 29)
    year = syntax.parse("metadata_modified:[2024-06-15T10:30:00Z/YEAR TO *]").lower
    assert year == datetime(2024, 1, 1)


@pytest.mark.parametrize(
    "fq",
    [
        "metadata_modified:[NOW-1FORTNIGHT TO NOW]",
        "metadata_modified:[NOW-1DAYX TO NOW]",
        "metadata_modified:[NOW-99999999DAYS TO NOW]",
        "metadata_modified:[yesterday TO NOW]",
    ],
)
def test_unsupported_date_math_is_a_search_query_error(api, catalog, fq):
    assert "date" in error_message(api, fq=fq).lower()
