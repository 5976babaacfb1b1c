"""Dataset collaborators (CKAN 2.9's package_collaborator_*): a department admin lets a user
outside the department read (member) or edit (editor) one dataset, and takes it back."""

from __future__ import annotations

import pytest

from tests.test_datasets import error, new_dataset


@pytest.fixture
def private(api, cast):
    return new_dataset(api, cast.editor, name="bus-costs", private=True, title="公交运营成本")


def test_an_editor_collaborator_edits_one_dataset_only(api, cast, private):
    other = new_dataset(api, cast.editor, name="bus-fares", title="公交票价")
    created = api.ok("package_collaborator_create", cast.admin, id="bus-costs",
                     user_id=cast.stranger.name, capacity="editor")  # fmt: skip
    assert (created["capacity"], created["user_id"]) == ("editor", cast.stranger.user.id)
    assert api.ok("package_show", cast.stranger, id="bus-costs")["title"] == "公交运营成本"
    patched = api.ok("package_patch", cast.stranger, id="bus-costs", notes="由合作者补充")
    assert patched["notes"] == "由合作者补充"
    assert api.post("package_patch", cast.stranger, id=other["id"], notes="x").status_code == 403


def test_a_member_collaborator_reads_but_does_not_edit(api, cast, private):
    assert api.post("package_show", cast.stranger, id="bus-costs").status_code == 404
    api.ok("package_collaborator_create", cast.admin, id="bus-costs",
           user_id=cast.stranger.name, capacity="member")  # fmt: skip
    assert api.ok("package_show", cast.stranger, id="bus-costs")["private"] is True
    assert api.post("package_patch", cast.stranger, id="bus-costs", notes="x").status_code == 403


def test_removing_a_collaborator_takes_the_access_back(api, cast, private):
    api.ok("package_collaborator_create", cast.admin, id="bus-costs",
           user_id=cast.stranger.name, capacity="editor")  # fmt: skip
    api.ok("package_collaborator_delete", cast.admin, id="bus-costs", user_id=cast.stranger.name)
    assert api.post("package_show", cast.stranger, id="bus-costs").status_code == 404
    assert api.ok("package_collaborator_list", cast.admin, id="bus-costs") == []


def test_collaborators_are_listed_for_the_dataset_and_for_the_user(api, cast, private):
    api.ok("package_collaborator_create", cast.admin, id="bus-costs",
           user_id=cast.stranger.name, capacity="member")  # fmt: skip
    api.ok("package_collaborator_create", cast.sysadmin, id="bus-costs",
           user_id=cast.outsider.name, capacity="editor")  # fmt: skip
    listed = api.ok("package_collaborator_list", cast.admin, id="bus-costs")
    assert sorted(c["capacity"] for c in listed) == ["editor", "member"]
    editors = api.ok("package_collaborator_list", cast.admin, id="bus-costs", capacity="editor")
    assert [c["user_id"] for c in editors] == [cast.outsider.user.id]
    mine = api.ok("package_collaborator_list_for_user", cast.stranger, id=cast.stranger.name)
    assert [c["package_id"] for c in mine] == [private["id"]]
    response = api.post("package_collaborator_list_for_user", cast.outsider, id=cast.stranger.name)
    assert response.status_code == 403


def test_only_the_departments_admins_choose_collaborators(api, cast, private):
    data = {"id": "bus-costs", "user_id": cast.stranger.name, "capacity": "editor"}
    for person in (cast.editor, cast.member, cast.outsider, cast.stranger, cast.anonymous):
        assert api.post("package_collaborator_create", person, **data).status_code == 403
    assert api.post("package_collaborator_list", cast.editor, id="bus-costs").status_code == 403


@pytest.mark.parametrize(
    ("fields", "key"),
    [({"capacity": "admin"}, "capacity"), ({"user_id": "nobody-here"}, "user_id")],
)
def test_bad_collaborators_are_validation_errors(api, cast, private, fields, key):
    data = {"id": "bus-costs", "user_id": cast.stranger.name, "capacity": "editor", **fields}
    assert key in error(api.post("package_collaborator_create", cast.admin, **data), 409)


def test_a_collaborator_finds_the_private_dataset_in_search(api, cast, private):
    def found(person) -> list[str]:
        result = api.ok("package_search", person, q="公交运营成本", include_private=True)
        return [d["name"] for d in result["results"]]

    assert found(cast.stranger) == []
    api.ok("package_collaborator_create", cast.admin, id="bus-costs",
           user_id=cast.stranger.name, capacity="member")  # fmt: skip
    assert found(cast.stranger) == ["bus-costs"]
    assert found(cast.outsider) == []
