"""Text fields are stored as clean Unicode: NFC-normalised, and a lone surrogate, NUL, other
control characters or a right-to-left override is a field error (409), never a 500 or a
reversed title."""

from __future__ import annotations

import pytest


def create(api, person, **fields):
    body = {"name": "bus-lines", "title": "全省公交线路", "owner_org": "transport", **fields}
    return api.post("package_create", person, **body)


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("\ud800x", "Not valid Unicode text (an unpaired surrogate)."),
        ("公交\x00线路", "Must not contain control characters."),
        ("\u202e路线交公", "Must not contain control characters."),
        ("公交\x1b[31m", "Must not contain control characters."),
    ],
)
def test_a_title_with_a_refused_character_is_a_field_error(client, cast, title, message):
    # Sent as raw JSON: the client escapes the lone surrogate as \\ud800, which JSON allows.
    body = '{"name": "bus-lines", "owner_org": "transport", "title": ' + _json(title) + "}"
    response = client.post(
        "/api/3/action/package_create",
        data=body,
        content_type="application/json",
        headers=cast.editor.headers,
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["title"] == [message]


def _json(text: str) -> str:
    import json

    return json.dumps(text)  # ASCII-escaped: surrogates become \ud800


def test_a_refused_character_in_a_resource_is_an_error_on_that_resource_field(api, cast):
    response = create(
        api, cast.editor, resources=[{"url": "https://x.example/a.csv", "name": "a\x07"}]
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["resources"] == [
        {"name": ["Must not contain control characters."]}
    ]


def test_text_is_stored_nfc_normalised_and_line_breaks_are_kept(api, cast):
    response = create(api, cast.editor, notes="Cafe\u0301 数据\n第二行\t制表")
    assert response.status_code == 200
    assert api.ok("package_show", id="bus-lines")["notes"] == "Café 数据\n第二行\t制表"


def test_the_error_is_in_chinese_for_a_chinese_caller(client, cast):
    response = client.post(
        "/api/3/action/package_create",
        json={"name": "bus-lines", "owner_org": "transport", "title": "公交\x00"},
        headers={**cast.editor.headers, "Accept-Language": "zh-CN"},
    )
    assert response.get_json()["error"]["title"] == ["不能包含控制字符。"]
