"""CKAN actions for themes, departments, tags, resources, activity and site options."""

from __future__ import annotations

from conftest import create_dataset


def _theme(api, cast, name="traffic", title="交通出行"):
    return api.ok("group_create", cast.sysadmin, name=name, title=title)


def test_tag_show_finds_a_tag_with_its_public_datasets(app, api, cast):
    create_dataset(app, "bus-stops", cast.transport, title="公交站点", tags=[{"name": "公交"}])
    create_dataset(app, "hidden", cast.transport, private=True, tags=[{"name": "公交"}])

    tag = api.ok("tag_show", id="公交", include_datasets=True)
    missing = api.post("tag_show", id="不存在")

    assert tag["name"] == "公交" and tag["vocabulary_id"] is None
    assert [d["name"] for d in tag["packages"]] == ["bus-stops"]
    assert missing.status_code == 404


def test_group_update_changes_the_theme_shown_on_its_datasets(app, api, cast):
    _theme(api, cast)
    create_dataset(app, "bus-stops", cast.transport, groups=[{"name": "traffic"}])

    updated = api.ok(
        "group_update", cast.sysadmin, id="traffic", name="city-traffic", title="城市交通"
    )
    refused = api.post("group_update", cast.admin, id="city-traffic", title="改名")
    found = api.ok("package_search", fq="groups:city-traffic")

    assert updated["title"] == "城市交通"
    assert refused.status_code == 403
    assert [d["name"] for d in found["results"]] == ["bus-stops"]
    assert api.ok("package_search", fq="groups:traffic")["count"] == 0
    shown = api.ok("package_show", id="bus-stops")
    assert shown["groups"][0]["title"] == "城市交通"


def test_deleted_theme_is_gone_and_its_datasets_leave_it(app, api, cast):
    _theme(api, cast)
    create_dataset(app, "bus-stops", cast.transport, groups=[{"name": "traffic"}])

    api.ok("group_delete", cast.sysadmin, id="traffic")

    assert api.post("group_show", id="traffic").status_code == 404
    assert "traffic" not in api.ok("group_list")
    assert api.ok("package_show", id="bus-stops")["groups"] == []
    api.ok("group_purge", cast.sysadmin, id="traffic")
    assert api.post("group_purge", cast.sysadmin, id="traffic").status_code == 404


def test_member_list_and_member_delete_for_a_theme(app, api, cast):
    _theme(api, cast)
    public = create_dataset(app, "bus-stops", cast.transport, groups=[{"name": "traffic"}])
    create_dataset(app, "hidden", cast.transport, private=True, groups=[{"name": "traffic"}])

    anonymous = api.ok("member_list", id="traffic")
    insider = api.ok("member_list", cast.member, id="traffic", object_type="package")
    outsider = api.post("member_delete", cast.outsider, id="traffic", object="bus-stops")
    api.ok("member_delete", cast.editor, id="traffic", object="bus-stops")

    assert anonymous == [[public["id"], "package", "public"]]
    assert len(insider) == 2
    assert outsider.status_code == 403
    assert api.ok("package_show", id="bus-stops")["groups"] == []


def test_member_list_of_a_department_shows_users_to_its_members_only(api, cast):
    public_view = api.ok("member_list", id="transport", object_type="user")
    member_view = api.ok("member_list", cast.member, id="transport", object_type="user")

    assert public_view == []
    assert sorted(m[2] for m in member_view) == ["admin", "editor", "member"]


def test_department_with_datasets_is_not_deleted(app, api, cast):
    create_dataset(app, "bus-stops", cast.transport)

    refused = api.post("organization_delete", cast.admin, id="transport")

    assert refused.status_code == 409
    assert "still has datasets" in refused.get_json()["error"]["message"][0]
    assert api.ok("organization_show", id="transport")["state"] == "active"


def test_empty_department_is_deleted_by_its_admin_then_purged(api, cast):
    outsider = api.post("organization_delete", cast.outsider, id="transport")
    api.ok("organization_delete", cast.admin, id="transport")
    admin_purge = api.post("organization_purge", cast.admin, id="transport")
    api.ok("organization_purge", cast.sysadmin, id="transport")

    assert outsider.status_code == 403
    assert admin_purge.status_code == 403
    assert api.post("organization_show", id="transport").status_code == 404
    assert "transport" not in api.ok("organization_list")


def test_department_with_deleted_datasets_is_not_purged(app, api, cast):
    create_dataset(app, "old-data", cast.health)
    api.ok("package_delete", cast.sysadmin, id="old-data")
    api.ok("organization_delete", cast.sysadmin, id="health")

    refused = api.post("organization_purge", cast.sysadmin, id="health")

    assert refused.status_code == 409


def test_organization_activity_list_hides_private_datasets_from_outsiders(app, api, cast):
    create_dataset(app, "bus-stops", cast.transport, title="公交站点")
    create_dataset(app, "hidden", cast.transport, private=True)

    public = api.ok("organization_activity_list", id="transport")
    inside = api.ok("organization_activity_list", cast.member, id="transport")
    recent = api.ok("recently_changed_packages_activity_list", limit=5)

    assert [a["data"]["package"]["name"] for a in public] == ["bus-stops"]
    assert len(inside) == 2
    assert [a["data"]["package"]["name"] for a in recent] == ["bus-stops"]
    assert recent[0]["activity_type"] == "new package"


def test_resource_search_matches_every_term_in_public_datasets(app, api, cast):
    resources = [
        {"url": "https://data.example.gov.cn/bus.csv", "name": "公交站点表", "format": "CSV"},
        {"url": "https://data.example.gov.cn/bus.json", "name": "公交线路", "format": "JSON"},
    ]
    create_dataset(app, "bus-stops", cast.transport, resources=resources)
    create_dataset(app, "hidden", cast.transport, private=True, resources=resources[:1])

    found = api.ok("resource_search", query=["name:公交", "format:csv"])
    by_get = api.get("resource_search", query="format:JSON").get_json()["result"]
    bad = api.post("resource_search", query="password:x")

    assert found["count"] == 1 and found["results"][0]["name"] == "公交站点表"
    assert by_get["count"] == 1
    assert bad.status_code == 409 and "query" in bad.get_json()["error"]


def test_config_option_show_is_for_sysadmins(api, cast):
    title = api.ok("config_option_show", cast.sysadmin, key="ckan.site_title")
    refused = api.post("config_option_show", cast.admin, key="ckan.site_title")
    unknown = api.post("config_option_show", cast.sysadmin, key="sqlalchemy.url")

    assert "开放数据门户" in title
    assert refused.status_code == 403
    assert unknown.status_code == 409


def test_department_with_a_harvest_source_is_not_purged(api, cast):
    api.ok(
        "harvest_source_create",
        cast.sysadmin,
        name="city-catalog",
        title="市级目录",
        url="http://127.0.0.1:9/catalog.json",
        source_type="datajson",
        owner_org="transport",
    )

    refused = api.post("organization_purge", cast.sysadmin, id="transport")

    assert refused.status_code == 409
    assert "harvest" in refused.get_json()["error"]["message"][0]
