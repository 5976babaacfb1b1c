"""Validation messages with a number in them (a length or a count limit) come out in the page's
language: Chinese on the Chinese pages and for an API caller asking for zh, English otherwise."""

from __future__ import annotations

import pytest

from tests.test_web_pages import login_as, text
from tests.test_web_publisher import csrf, field_error, new_dataset_form

LONG_TITLE = "公交线路" * 251  # 1004 characters: the title allows 1000
MANY_TAGS = ", ".join(f"标签{i}" for i in range(101))


@pytest.fixture
def editor(client, cast):
    login_as(client, cast.editor)
    return cast.editor


def create(api_client, person, lang: str, **fields):
    body = {"name": "bus-lines", "title": "全省公交线路", "owner_org": "transport", **fields}
    return api_client.post(
        "/api/3/action/package_create",
        json=body,
        headers={**person.headers, "Accept-Language": lang},
    )


def test_a_too_long_title_is_refused_in_chinese_on_the_chinese_form(client, editor, cast):
    form = new_dataset_form(title=LONG_TITLE, owner_org=cast.transport.id)
    response = client.post(
        "/dataset/new", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert response.status_code == 409
    page = text(response)
    assert "长度不能超过 1000 个字符。" in field_error(page, "title")
    assert "Longer than maximum length" not in page


def test_too_many_tags_are_refused_in_chinese_on_the_chinese_form(client, editor, cast):
    form = new_dataset_form(tag_string=MANY_TAGS, owner_org=cast.transport.id)
    response = client.post(
        "/dataset/new", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert response.status_code == 409
    page = text(response)
    assert "标签最多 100 个。" in page and "At most 100 tags." not in page


def test_the_english_form_keeps_the_english_message(client, editor, cast):
    form = new_dataset_form(title=LONG_TITLE, owner_org=cast.transport.id)
    response = client.post(
        "/dataset/new?lang=en", data={**form, "csrf_token": csrf(client, "/dataset/new")}
    )
    assert "Longer than maximum length 1000." in field_error(text(response), "title")


def test_the_api_gives_numbered_messages_in_chinese_for_a_chinese_caller(client, cast):
    response = create(client, cast.editor, "zh-CN", title=LONG_TITLE)
    assert response.status_code == 409
    assert response.get_json()["error"]["title"] == ["长度不能超过 1000 个字符。"]
    tags = [{"name": f"标签{i}"} for i in range(101)]
    assert create(client, cast.editor, "zh", tags=tags).get_json()["error"]["tags"] == [
        "标签最多 100 个。"
    ]


def test_the_api_keeps_english_for_other_callers(client, cast):
    response = create(client, cast.editor, "en", title=LONG_TITLE)
    assert response.get_json()["error"]["title"] == ["Longer than maximum length 1000."]


def test_range_and_minimum_length_messages_have_chinese_translations():
    from schemas.profiles import translated, translations

    table = translations("zh")
    assert translated("Shorter than minimum length 2.", table) == "长度不能少于 2 个字符。"
    assert translated("Must be greater than or equal to 0.", table) == "必须大于或等于 0。"
    assert (
        translated("Must be greater than or equal to 1 and less than or equal to 1000.", table)
        == "必须在 1 至 1000 之间。"
    )
    assert translated("Something else entirely.", table) is None
