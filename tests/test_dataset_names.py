"""A new dataset sent without a URL name is named after its title: pinyin for Chinese titles,
lowercased ASCII for English ones, with -2, -3 ... when the name is taken."""

from __future__ import annotations

import pytest

from portal.catalog.names import name_from_title
from tests.test_web_pages import login_as
from tests.test_web_publisher import csrf, new_dataset_form


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("公交线路", "gong-jiao-xian-lu"),
        ("2024年 全省绿色出行统计", "2024-nian-quan-sheng-lv-se-chu-xing-tong-ji"),
        ("Bus Stops (Q3)", "bus-stops-q3"),
        ("Café résumé", "cafe-resume"),
        ("※ !", ""),
    ],
)
def test_a_title_becomes_a_url_name(title, name):
    assert name_from_title(title) == name


def test_a_long_title_is_cut_at_a_word_within_the_name_limit():
    name = name_from_title("全省城市公共交通线路站点客流量统计月报" * 6)
    assert len(name) <= 90 and not name.endswith("-")
    assert name.startswith("quan-sheng-cheng-shi-gong-gong-jiao-tong")


def test_a_dataset_created_without_a_name_takes_its_titles_pinyin(api, cast):
    first = api.ok("package_create", cast.editor, title="公交线路", owner_org="transport")
    second = api.ok("package_create", cast.editor, title="公交线路", owner_org="transport")
    assert (first["name"], second["name"]) == ("gong-jiao-xian-lu", "gong-jiao-xian-lu-2")
    assert api.ok("package_show", id="gong-jiao-xian-lu")["title"] == "公交线路"


def test_an_english_title_names_the_dataset_when_there_is_no_chinese_one(api, cast):
    created = api.ok("package_create", cast.editor, title_en="Bus Stops", owner_org="transport")
    assert created["name"] == "bus-stops"


def test_a_title_with_nothing_to_spell_still_needs_a_name(api, cast):
    response = api.post("package_create", cast.editor, title="※※", owner_org="transport")
    assert response.status_code == 409
    assert response.get_json()["error"]["name"] == ["Missing value"]


def test_the_new_dataset_form_names_the_dataset_when_the_name_is_left_empty(client, cast):
    login_as(client, cast.editor)
    form = new_dataset_form(name="", title="地铁站点", title_en="", owner_org=cast.transport.id)
    response = client.post(
        "/dataset/new", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "/dataset/di-tie-zhan-dian/" in response.headers["Location"]
