"""CKAN's user_list, user_update and user_delete through the Action API."""

from __future__ import annotations


def test_user_list_gives_names_or_dicts_without_emails_for_the_public(api, cast):
    names = api.ok("user_list", all_fields=False)
    users = api.ok("user_list", q="transport")

    assert "transport-editor" in names and "citizen" in names
    assert [u["name"] for u in users] == ["transport-admin", "transport-editor", "transport-member"]
    assert all("email" not in u for u in users)
    assert "email" in api.ok("user_list", cast.sysadmin, q="citizen")[0]


def test_user_list_by_email_is_for_sysadmins(api, cast):
    refused = api.post("user_list", cast.stranger, email="transport-admin@example.gov.cn")
    found = api.ok("user_list", cast.sysadmin, email="transport-admin@example.gov.cn")

    assert refused.status_code == 403
    assert [u["name"] for u in found] == ["transport-admin"]


def test_user_updates_own_details_and_keeps_what_is_left_out(api, cast):
    shown = api.ok("user_show", cast.stranger, id="citizen")
    updated = api.ok("user_update", cast.stranger, **{**shown, "fullname": "张晓明"})
    again = api.ok("user_update", cast.stranger, id="citizen", about="关注公交数据")

    assert updated["fullname"] == "张晓明" and updated["display_name"] == "张晓明"
    assert again["fullname"] == "张晓明" and again["about"] == "关注公交数据"
    assert again["email"] == "citizen@example.gov.cn"


def test_user_may_not_update_another_user_or_make_themself_sysadmin(api, cast):
    other = api.post("user_update", cast.stranger, id="transport-admin", fullname="冒充")
    promote = api.post("user_update", cast.stranger, id="citizen", sysadmin=True)

    assert other.status_code == 403
    assert promote.status_code == 403
    assert api.ok("user_show", cast.sysadmin, id="citizen")["sysadmin"] is False


def test_changing_own_password_needs_the_old_one(api, cast):
    response = api.post("user_update", cast.stranger, id="citizen", password="新的密码-2024")

    assert response.status_code == 409
    assert response.get_json()["error"]["old_password"] == ["Old password is incorrect"]


def test_user_update_refuses_a_taken_name(api, cast):
    response = api.post("user_update", cast.stranger, id="citizen", name="transport-admin")

    assert response.status_code == 409
    assert "name" in response.get_json()["error"]


def test_deleted_user_leaves_lists_and_its_token_stops_working(api, cast):
    refused = api.post("user_delete", cast.admin, id="citizen")
    api.ok("user_delete", cast.sysadmin, id="transport-member")

    assert refused.status_code == 403
    assert "transport-member" not in api.ok("user_list", all_fields=False)
    assert api.post("user_show", cast.sysadmin, id="transport-member").status_code == 404
    assert api.post("user_show", cast.member).status_code == 403
    org = api.ok("organization_show", cast.sysadmin, id="transport")
    assert "transport-member" not in [u["name"] for u in org["users"]]


def test_password_hash_is_shown_only_to_sysadmins(api, cast):
    own = api.ok("user_show", cast.stranger, id="citizen", include_password_hash=True)
    admin_view = api.ok("user_show", cast.sysadmin, id="citizen", include_password_hash=True)

    assert "password_hash" not in own
    assert "password_hash" in admin_view


def test_user_create_takes_a_dumped_user_with_its_password_hash(api, cast):
    from portal.auth.passwords import check_password, hash_password

    dumped = {
        "id": "0d6c7c2e-5b1e-4c55-9a0e-2f8f3c7d1a01",
        "name": "li-hua",
        "fullname": "李华",
        "display_name": "李华",
        "email": "lihua@example.gov.cn",
        "state": "active",
        "created": "2024-01-02T03:04:05",
        "sysadmin": False,
        "about": None,
        "password_hash": hash_password("李华的密码123"),
    }
    created = api.ok("user_create", cast.sysadmin, **dumped)
    other = {k: v for k, v in dumped.items() if k != "id"}
    foreign = api.post(
        "user_create", cast.sysadmin, **{**other, "name": "x-y", "password_hash": "$pbkdf2$x"}
    )
    shown = api.ok("user_show", cast.sysadmin, id="li-hua", include_password_hash=True)

    assert created["id"] == dumped["id"] and created["fullname"] == "李华"
    assert check_password(shown["password_hash"], "李华的密码123")
    assert foreign.status_code == 409
    assert "password_hash" in foreign.get_json()["error"]
