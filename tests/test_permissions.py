"""Who may do what: each capability is tried by everyone in the cast (anonymous, a member, an
editor and an admin of the Department of Transport, an outsider who is admin of Health, a
stranger who is logged in with no department, and a sysadmin). Refusals are 403 "Authorization
Error"; missing objects are 404 "Not Found Error"."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import make_user, site_batch

from portal.actions import call

PEOPLE = ("anonymous", "member", "editor", "admin", "outsider", "stranger", "sysadmin")
SYSADMIN = {"sysadmin"}
DEPARTMENT_ADMINS = {"admin", "sysadmin"}
EDITORS = {"editor", "admin", "sysadmin"}
READERS = {"member", "editor", "admin", "sysadmin"}
SELF = {"editor", "sysadmin"}  # for actions on the editor's own account


HIDDEN = (404, "Not Found Error")


def try_everyone(
    cast,
    allowed: set[str],
    attempt: Callable[[str, Any], Any],
    after: Callable[[str, bool], None] | None = None,
    refused: tuple[int, str] = (403, "Authorization Error"),
) -> None:
    """Run `attempt(who, person)` for each person; the allowed must succeed, everyone else must
    get `refused` (a 403 Authorization Error; reads answer 404 so nobody learns what exists).
    `after(who, allowed)` checks what the attempt left behind."""
    wrong = []
    for who in PEOPLE:
        response = attempt(who, getattr(cast, who))
        body = response.get_json()
        if who in allowed:
            if response.status_code != 200 or not body["success"]:
                wrong.append((who, "should be allowed", response.status_code, body.get("error")))
        elif (response.status_code, body.get("error", {}).get("__type")) != refused:
            wrong.append((who, "should be refused", response.status_code, body))
        if after is not None:
            after(who, who in allowed)
    assert wrong == []


def create_datasets(app, *datasets: dict[str, Any]) -> list[dict[str, Any]]:
    """Create datasets as the site in one transaction (like a harvester's batch), so the search
    index is written once instead of once per dataset."""
    with site_batch(app) as context:
        return [call("package_create", context, data) for data in datasets]


def one_per_person(app, cast, **fields: Any) -> dict[str, dict[str, Any]]:
    """A transport dataset for each person to act on, so no attempt disturbs another."""
    made = create_datasets(
        app,
        *[
            {
                "name": f"bus-{who}",
                "title": "全省公交线路",
                "owner_org": cast.transport.id,
                **fields,
            }
            for who in PEOPLE
        ],
    )
    return {who: dataset for who, dataset in zip(PEOPLE, made, strict=True)}


@pytest.fixture
def private(api, client, cast) -> dict[str, Any]:
    """A private transport dataset with an uploaded file; returns the resource."""
    api.ok(
        "package_create",
        cast.editor,
        name="bus-costs",
        title="公交运营成本",
        owner_org="transport",
        private=True,
    )
    response = client.post(
        "/api/3/action/resource_create",
        data={"package_id": "bus-costs", "upload": (io.BytesIO(b"cost\n1\n"), "成本.csv")},
        content_type="multipart/form-data",
        headers=cast.editor.headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


@pytest.fixture
def draft(api, cast) -> dict[str, Any]:
    return api.ok(
        "package_create",
        cast.editor,
        name="taxi-draft",
        title="出租车运营草稿",
        owner_org="transport",
        state="draft",
        resources=[{"url": "https://data.example.gov.cn/taxi.csv", "name": "出租车"}],
    )


# --- datasets ----------------------------------------------------------------------------------


def test_who_may_create_a_dataset_in_transport(api, cast):
    def attempt(who, person):
        return api.post("package_create", person, name=f"bus-{who}", owner_org="transport")

    def after(who, allowed):
        found = api.post("package_show", cast.sysadmin, id=f"bus-{who}").status_code
        assert found == (200 if allowed else 404), who

    try_everyone(cast, EDITORS, attempt, after)


@pytest.mark.parametrize(
    ("action", "data", "allowed"),
    [
        ("package_update", {"title": "改过的标题"}, EDITORS),
        ("package_patch", {"notes": "补充说明"}, EDITORS),
        ("package_delete", {}, EDITORS),
        ("dataset_purge", {}, SYSADMIN),
        ("member_create", {"object_type": "package", "capacity": "public"}, EDITORS),
    ],
)
def test_who_may_change_a_transport_dataset(api, app, cast, action, data, allowed):
    api.ok("group_create", cast.sysadmin, name="traffic", title="交通出行")
    datasets = one_per_person(app, cast)

    def attempt(who, person):
        if action == "member_create":
            return api.post(action, person, id="traffic", object=f"bus-{who}", **data)
        return api.post(action, person, id=f"bus-{who}", **data)

    def after(who, allowed):
        response = api.post("package_show", cast.sysadmin, id=f"bus-{who}")
        if allowed and action == "dataset_purge":
            assert response.status_code == 404, who
        elif allowed:
            assert response.get_json()["result"] != datasets[who], who
        else:
            assert response.get_json()["result"] == datasets[who], who

    try_everyone(cast, allowed, attempt, after)


def test_who_may_move_a_dataset_to_health(api, app, cast):
    health_id = cast.health.id
    datasets = one_per_person(app, cast)

    def attempt(who, person):
        return api.post("package_patch", person, id=f"bus-{who}", owner_org="health")

    def after(who, allowed):
        shown = api.ok("package_show", cast.sysadmin, id=f"bus-{who}")
        assert shown["owner_org"] == (health_id if allowed else datasets[who]["owner_org"])

    # Editing rights are needed in both departments: the outsider is admin of Health only.
    try_everyone(cast, SYSADMIN, attempt, after)


@pytest.mark.parametrize("read", ["package_show", "resource_show", "package_activity_list"])
def test_who_may_read_a_private_dataset(api, cast, private, read):
    ident = private["id"] if read == "resource_show" else "bus-costs"
    attempt = lambda who, person: api.post(read, person, id=ident)  # noqa: E731
    try_everyone(cast, READERS, attempt, refused=HIDDEN)


def test_who_may_download_a_private_file(client, cast, private):
    for who in PEOPLE:
        person = getattr(cast, who)
        response = client.get(urlsplit(private["url"]).path, headers=person.headers)
        assert response.status_code == (200 if who in READERS else 404), who
        if who in READERS:
            assert response.data == b"cost\n1\n"


def test_who_finds_a_private_dataset_in_search(api, cast, private):
    for who in PEOPLE:
        person = getattr(cast, who)
        found = api.ok("package_search", person, q="成本", include_private=True)
        expected = ["bus-costs"] if who in READERS else []
        assert [d["name"] for d in found["results"]] == expected, who
        assert api.ok("package_search", person, q="成本")["count"] == 0, who


@pytest.mark.parametrize("read", ["package_show", "resource_show", "package_activity_list"])
def test_who_may_read_a_draft(api, cast, draft, read):
    ident = draft["resources"][0]["id"] if read == "resource_show" else "taxi-draft"
    attempt = lambda who, person: api.post(read, person, id=ident)  # noqa: E731
    try_everyone(cast, EDITORS, attempt, refused=HIDDEN)


def test_who_finds_a_draft_in_search(api, cast, draft):
    for who in PEOPLE:
        person = getattr(cast, who)
        found = api.ok(
            "package_search", person, q="出租车", include_drafts=True, include_private=True
        )
        expected = ["taxi-draft"] if who in EDITORS else []
        assert [d["name"] for d in found["results"]] == expected, who
        assert api.ok("package_search", person, q="出租车")["count"] == 0, who


def test_the_creator_of_a_draft_still_reads_it_after_losing_editing_rights(api, cast, draft):
    api.ok("organization_member_create", cast.admin, id="transport", username=cast.editor.name)
    assert api.ok("package_show", cast.editor, id="taxi-draft")["state"] == "draft"
    found = api.ok("package_search", cast.editor, q="出租车", include_drafts=True)
    assert found["count"] == 1
    refused = api.post("package_patch", cast.editor, id="taxi-draft", title="改")
    assert refused.status_code == 403
    assert api.post("package_show", cast.member, id="taxi-draft").status_code == 404


# --- departments, themes, users ----------------------------------------------------------------


def test_who_may_create_a_department(api, cast):
    def attempt(who, person):
        return api.post("organization_create", person, name=f"finance-{who}", title="省财政厅")

    def after(who, allowed):
        assert (f"finance-{who}" in api.ok("organization_list")) is allowed, who

    try_everyone(cast, SYSADMIN, attempt, after)


def test_who_may_update_a_department(api, cast):
    titles = []

    def attempt(who, person):
        return api.post("organization_update", person, id="transport", title=f"交通运输厅-{who}")

    def after(who, allowed):
        if allowed:
            titles.append(f"交通运输厅-{who}")
        expected = titles[-1] if titles else "省交通运输厅"
        assert api.ok("organization_show", id="transport")["title"] == expected, who

    try_everyone(cast, DEPARTMENT_ADMINS, attempt, after)


def test_who_may_give_a_role_in_a_department(api, cast):
    roles = {"admin": "member", "sysadmin": "editor"}
    given: list[str] = []

    def attempt(who, person):
        return api.post(
            "organization_member_create",
            person,
            id="transport",
            username="citizen",
            role=roles.get(who, "admin"),
        )

    def after(who, allowed):
        if allowed:
            given.append(roles[who])
        users = api.ok("organization_show", cast.sysadmin, id="transport")["users"]
        role = {u["name"]: u["capacity"] for u in users}.get("citizen")
        assert role == (given[-1] if given else None), who

    try_everyone(cast, DEPARTMENT_ADMINS, attempt, after)


def test_who_may_remove_someone_from_a_department(api, app, cast):
    for who in PEOPLE:
        make_user(app, f"staff-{who}")
        api.ok("organization_member_create", cast.sysadmin, id="transport", username=f"staff-{who}")

    def attempt(who, person):
        return api.post(
            "organization_member_delete", person, id="transport", username=f"staff-{who}"
        )

    def after(who, allowed):
        users = api.ok("organization_show", cast.sysadmin, id="transport")["users"]
        assert (f"staff-{who}" in {u["name"] for u in users}) is not allowed, who

    try_everyone(cast, DEPARTMENT_ADMINS, attempt, after)


def test_who_may_create_a_theme(api, cast):
    def attempt(who, person):
        return api.post("group_create", person, name=f"traffic-{who}", title="交通出行")

    def after(who, allowed):
        assert (f"traffic-{who}" in api.ok("group_list")) is allowed, who

    try_everyone(cast, SYSADMIN, attempt, after)


def test_who_may_create_a_user(api, cast):
    def attempt(who, person):
        return api.post(
            "user_create",
            person,
            name=f"wang-{who}",
            email="wang.fang@example.gov.cn",
            password="correct horse battery",
        )

    def after(who, allowed):
        found = api.post("user_show", id=f"wang-{who}").status_code
        assert found == (200 if allowed else 404), who

    try_everyone(cast, SYSADMIN, attempt, after)


def test_who_may_create_a_token_for_the_editor(api, cast):
    def attempt(who, person):
        return api.post("api_token_create", person, user="transport-editor", name=f"by-{who}")

    try_everyone(cast, SELF, attempt)
    names = [t["name"] for t in api.ok("api_token_list", cast.editor)]
    assert names == ["test", "by-editor", "by-sysadmin"]


def test_who_may_list_the_editors_tokens(api, cast):
    try_everyone(
        cast,
        SELF,
        lambda who, person: api.post("api_token_list", person, user="transport-editor"),
    )


def test_who_may_revoke_the_editors_tokens(api, client, cast):
    tokens = {
        who: api.ok("api_token_create", cast.sysadmin, user="transport-editor", name=who)
        for who in PEOPLE
    }

    def attempt(who, person):
        return api.post("api_token_revoke", person, jti=tokens[who]["id"])

    def after(who, allowed):
        headers = {"Authorization": tokens[who]["token"]}
        status = client.get("/api/3/action/user_show", headers=headers).status_code
        assert status == (403 if allowed else 200), who

    try_everyone(cast, SELF, attempt, after)


def test_who_may_revoke_a_token_by_its_secret(api, client, cast):
    tokens = {
        who: api.ok("api_token_create", cast.sysadmin, user="transport-editor", name=who)
        for who in PEOPLE
    }
    try_everyone(
        cast,
        SELF,
        lambda who, person: api.post("api_token_revoke", person, token=tokens[who]["token"]),
    )
    assert sorted(t["name"] for t in api.ok("api_token_list", cast.editor)) == sorted(
        {"test", *PEOPLE} - SELF
    )


def test_who_sees_a_users_email(api, cast):
    for who in PEOPLE:
        shown = api.ok("user_show", getattr(cast, who), id="transport-editor")
        assert shown["name"] == "transport-editor"
        assert ("email" in shown) is (who in SELF), who


def test_who_sees_a_departments_members(api, cast):
    for who in PEOPLE:
        shown = api.ok("organization_show", getattr(cast, who), id="transport")
        assert ("users" in shown) is (who in READERS), who


# --- missing objects ---------------------------------------------------------------------------


MISSING = [
    ("anonymous", "package_show", {"id": "no-such-dataset"}),
    ("sysadmin", "package_show", {"id": "no-such-dataset"}),
    ("member", "resource_show", {"id": "no-such-resource"}),
    ("stranger", "package_activity_list", {"id": "no-such-dataset"}),
    ("editor", "package_update", {"id": "no-such-dataset"}),
    ("editor", "package_patch", {"id": "no-such-dataset"}),
    ("editor", "package_delete", {"id": "no-such-dataset"}),
    ("editor", "resource_update", {"id": "no-such-resource", "url": "https://x.cn"}),
    ("editor", "resource_delete", {"id": "no-such-resource"}),
    ("sysadmin", "dataset_purge", {"id": "no-such-dataset"}),
    ("anonymous", "organization_show", {"id": "no-such-department"}),
    ("sysadmin", "organization_update", {"id": "no-such-department"}),
    ("sysadmin", "organization_member_create", {"id": "no-such", "username": "citizen"}),
    ("admin", "organization_member_delete", {"id": "transport", "username": "citizen"}),
    ("admin", "organization_member_delete", {"id": "transport", "username": "nobody"}),
    ("anonymous", "group_show", {"id": "no-such-theme"}),
    ("sysadmin", "member_create", {"id": "no-such-theme", "object": "x"}),
    ("anonymous", "user_show", {"id": "nobody"}),
    ("editor", "api_token_revoke", {"jti": "no-such-token"}),
    ("editor", "api_token_list", {"user": "nobody"}),
]


def test_missing_objects_are_404(api, cast):
    wrong = []
    for who, action, data in MISSING:
        response = api.post(action, getattr(cast, who), **data)
        body = response.get_json()
        if response.status_code != 404 or body["error"]["__type"] != "Not Found Error":
            wrong.append((who, action, response.status_code, body.get("error")))
    assert wrong == []
