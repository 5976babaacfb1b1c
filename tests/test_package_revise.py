"""package_revise, as CKAN 2.9+ has it: `match` names the dataset and what it must still say,
`filter` removes paths (+ keeps, - removes, * any key or position), `update` merges values,
flattened keys reach into lists (update__resources__0__name, __extend, an id prefix) and
`include` narrows the result."""

from __future__ import annotations

from typing import Any

import pytest

from portal.catalog.actions.revise import _list_position
from portal.errors import ValidationError
from tests.test_datasets import error, new_dataset

RESOURCES = [
    {"name": "线路表", "url": "https://jt.example.gov.cn/lines.csv", "format": "CSV",
     "description": "全省公交线路"},
    {"name": "站点表", "url": "https://jt.example.gov.cn/stops.csv", "format": "CSV",
     "description": "全省公交站点"},
]  # fmt: skip


@pytest.fixture
def dataset(api, cast) -> dict[str, Any]:
    return new_dataset(api, cast.editor, notes="旧的说明", tags=[{"name": "公交"}],
                       resources=RESOURCES)  # fmt: skip


def revise(api, person, **params) -> dict[str, Any]:
    return api.ok("package_revise", person, **params)["package"]


def test_update_changes_only_the_given_fields(api, cast, dataset):
    revised = revise(api, cast.editor, match={"name": "bus-lines"}, update={"notes": "新的说明"})
    assert revised["notes"] == "新的说明"
    assert revised["title"] == "全省公交线路" and [t["name"] for t in revised["tags"]] == ["公交"]
    assert [r["name"] for r in revised["resources"]] == ["线路表", "站点表"]
    assert api.ok("package_show", id="bus-lines")["notes"] == "新的说明"


def test_a_match_that_no_longer_holds_refuses_the_edit(api, cast, dataset):
    response = api.post("package_revise", cast.editor,
                        match={"name": "bus-lines", "notes": "别人改过的说明"},
                        update={"notes": "新的说明"})  # fmt: skip
    assert "match__notes" in error(response, 409)["match"][0]
    assert api.ok("package_show", id="bus-lines")["notes"] == "旧的说明"


def test_filter_removes_a_field_on_every_resource(api, cast, dataset):
    revised = revise(api, cast.editor, match={"id": dataset["id"]},
                     filter=["-resources__*__description"])  # fmt: skip
    assert [r.get("description") for r in revised["resources"]] in ([None, None], ["", ""])
    assert [r["url"] for r in revised["resources"]] == [r["url"] for r in RESOURCES]


def test_a_kept_path_survives_a_broader_removal(api, cast, dataset):
    revised = revise(api, cast.editor, match={"name": "bus-lines"},
                     filter=["+resources__1", "-resources"])  # fmt: skip
    assert [r["name"] for r in revised["resources"]] == ["站点表"]


def test_flattened_keys_edit_append_and_address_resources(api, cast, dataset):
    first = dataset["resources"][0]
    form = {
        "match__name": "bus-lines",
        "update__resources__1__name": "站点一览",
        f"update__resources__{first['id'][:8]}__format": "XLSX",
        "update__resources__extend": '[{"name": "换乘表", "url": "https://jt.example.gov.cn/t.csv"}]',
    }
    response = api.client.post("/api/3/action/package_revise", data=form,
                               headers=cast.editor.headers)  # fmt: skip
    assert response.status_code == 200, response.get_json()
    resources = response.get_json()["result"]["package"]["resources"]
    assert [r["name"] for r in resources] == ["线路表", "站点一览", "换乘表"]
    assert resources[0]["format"] == "XLSX" and resources[0]["id"] == first["id"]


def test_an_id_prefix_made_of_digits_names_the_resource_not_a_position():
    items = [{"id": "7f3a9c10-0000"}, {"id": "00822517-0000"}]
    assert _list_position(items, "00822517") == 1  # an id may start with 8 digits
    assert (_list_position(items, "1"), _list_position(items, "-2")) == (1, 0)
    with pytest.raises(ValidationError):
        _list_position(items, "99999999")


def test_include_narrows_the_result(api, cast, dataset):
    result = api.ok("package_revise", cast.editor, match={"name": "bus-lines"},
                    update={"title": "公交线路（2025）"},
                    include=["package__name", "package__title"])  # fmt: skip
    assert result == {"package": {"name": "bus-lines", "title": "公交线路（2025）"}}
    dropped = api.ok("package_revise", cast.editor, match={"name": "bus-lines"},
                     include="-package__resources")  # fmt: skip
    assert "resources" not in dropped["package"] and dropped["package"]["name"] == "bus-lines"


def test_revise_follows_the_dataset_permissions(api, cast, dataset):
    params = {"match": {"name": "bus-lines"}, "update": {"notes": "越权"}}
    assert api.post("package_revise", cast.outsider, **params).status_code == 403
    assert api.post("package_revise", **params).status_code == 403
    missing = api.post("package_revise", cast.editor, match={"name": "no-such"}, update={})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"update": {"notes": "x"}}, "match"),
        ({"match": "not json {", "update": {}}, "match"),
        ({"match": {"name": "bus-lines"}, "update": ["notes"]}, "update"),
        ({"match": {"name": "bus-lines"}, "filter": [1, 2]}, "filter"),
        ({"match": {"name": "bus-lines"}, "update": {"title": "\u202e反转"}}, "title"),
        ({"match": {"name": "bus-lines"}, "update__resources__9__name": "x"}, "update"),
        ({"match": {"name": "bus-lines"}, "revise_everything": True}, "revise_everything"),
    ],
)
def test_bad_revisions_are_validation_errors_and_change_nothing(api, cast, dataset, params, field):
    assert field in error(api.post("package_revise", cast.editor, **params), 409)
    assert api.ok("package_show", id="bus-lines")["notes"] == "旧的说明"
