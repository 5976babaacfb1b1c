"""Reads of a dataset the caller may not see answer exactly as an unknown id does (404), so
nobody can probe which private or draft names and ids exist."""

from __future__ import annotations

import pytest

from tests.conftest import create_dataset

READS = [
    "package_show",
    "package_activity_list",
    "package_download_stats",
    "quality_report",
]


@pytest.fixture
def hidden(app, cast):
    """A private dataset and a draft of the transport department, each with a resource."""
    resource = {"name": "成本", "url": "https://data.example.gov.cn/costs.csv", "format": "CSV"}
    private = create_dataset(
        app, "bus-costs", cast.transport, title="公交运营成本", private=True, resources=[resource]
    )
    draft = create_dataset(
        app, "taxi-draft", cast.transport, title="出租车草稿", state="draft", resources=[resource]
    )
    return {"private": private, "draft": draft}


def _answer(response):
    body = response.get_json()
    return response.status_code, body["error"]


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("kind", ["private", "draft"])
@pytest.mark.parametrize("who", ["anonymous", "stranger", "outsider"])
def test_a_hidden_dataset_answers_like_an_unknown_one(api, cast, hidden, read, kind, who):
    person = getattr(cast, who)
    dataset = hidden[kind]
    unknown = _answer(api.post(read, person, id="no-such-dataset"))
    assert unknown[0] == 404
    assert _answer(api.post(read, person, id=dataset["name"])) == unknown
    assert _answer(api.post(read, person, id=dataset["id"])) == unknown


@pytest.mark.parametrize("kind", ["private", "draft"])
def test_a_hidden_resource_answers_like_an_unknown_one(api, cast, hidden, kind):
    resource_id = hidden[kind]["resources"][0]["id"]
    unknown = _answer(api.post("resource_show", cast.outsider, id="no-such-resource"))
    assert unknown[0] == 404
    assert _answer(api.post("resource_show", cast.outsider, id=resource_id)) == unknown


def test_members_still_read_their_departments_private_dataset(api, cast, hidden):
    assert api.ok("package_show", cast.member, id="bus-costs")["private"] is True
    resource_id = hidden["private"]["resources"][0]["id"]
    assert api.ok("resource_show", cast.member, id=resource_id)["id"] == resource_id
