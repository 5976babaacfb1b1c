"""Datasets migrated from CKAN keep their licences: CKAN's default licence ids and SPDX ids (in
any case) are accepted and stored as our canonical id, by the API and by harvesters alike;
migration 0009 adds CKAN's licences that have no equivalent among ours."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from test_harvest_support import FakeCkan, ckan_dataset, harvest, harvested, make_source

from portal.actions import call
from portal.catalog.licenses import SEEDED_IDS, recognise_license
from portal.migrate import alembic_config, upgrade
from tests.conftest import site_context

# CKAN's default licence register (ckan/model/license.py) -> what we store.
CKAN_DEFAULTS = {
    "cc-by": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0",
    "cc-zero": "cc0-1.0",
    "cc-nc": "cc-nc",
    "odc-by": "odc-by",
    "odc-odbl": "odc-odbl",
    "odc-pddl": "odc-pddl",
    "other-open": "other-open",
    "other-pd": "other-pd",
    "other-at": "other-at",
    "other-nc": "other-nc",
    "other-closed": "other-closed",
    "notspecified": "notspecified",
    "gfdl": "gfdl",
    "uk-ogl": "uk-ogl",
}
NOT_OPEN = {"cc-nc", "other-nc", "other-closed", "notspecified"}


def create(api, cast, license_id: str):
    return api.post(
        "package_create",
        cast.editor,
        name="bus-stops",
        title="公交站点",
        owner_org=cast.transport.id,
        license_id=license_id,
    )


@pytest.mark.parametrize(("ckan_id", "ours"), CKAN_DEFAULTS.items())
def test_a_dataset_with_a_ckan_default_licence_id_is_stored_under_ours(api, cast, ckan_id, ours):
    response = create(api, cast, ckan_id)
    assert response.status_code == 200, response.get_json()
    shown = api.ok("package_show", cast.editor, id="bus-stops")
    assert shown["license_id"] == ours
    assert shown["license_title"] and shown["license_title"] != ours
    assert shown["isopen"] is (ours not in NOT_OPEN)


@pytest.mark.parametrize(
    ("spdx", "ours"),
    [
        ("CC-BY-4.0", "cc-by-4.0"),
        ("cc-by-4.0", "cc-by-4.0"),
        ("CC-BY-SA-4.0", "cc-by-sa-4.0"),
        ("CC0-1.0", "cc0-1.0"),
        ("ODbL-1.0", "odc-odbl"),
        ("PDDL-1.0", "odc-pddl"),
        ("ODC-By-1.0", "odc-by"),
        ("OGL-UK-3.0", "uk-ogl"),
        ("CC-BY", "cc-by-4.0"),
        (" Gov-Open-Data ", "gov-open-data"),
    ],
)
def test_spdx_ids_are_accepted_in_any_case(api, cast, spdx, ours):
    assert create(api, cast, spdx).status_code == 200
    assert api.ok("package_show", id="bus-stops")["license_id"] == ours


def test_an_unknown_licence_id_is_still_refused(api, cast):
    response = create(api, cast, "cc-by-99.0")
    body = response.get_json()
    assert response.status_code == 409
    assert body["error"]["__type"] == "Validation Error" and "license_id" in body["error"]


def test_licence_list_names_only_canonical_ids(api):
    listed = api.ok("license_list")
    ids = [lic["id"] for lic in listed]
    assert set(ids) == set(SEEDED_IDS)
    assert "cc-by" not in ids and "cc-zero" not in ids
    by_id = {lic["id"]: lic for lic in listed}
    assert by_id["uk-ogl"]["title_zh"] == "英国开放政府许可 OGL"
    assert by_id["odc-by"]["is_okd_compliant"] and not by_id["cc-nc"]["is_okd_compliant"]
    # Open licences first.
    assert ids.index("other-pd") < ids.index("cc-nc") < ids.index("other-closed")


def test_harvested_ckan_licence_ids_are_stored_under_ours(app, cast, server):
    remote = [
        ckan_dataset(1, license_id="cc-by", license_title="Creative Commons Attribution"),
        ckan_dataset(2, license_id="uk-ogl", license_title="UK Open Government Licence (OGL)"),
        ckan_dataset(3, license_id="CC-BY-SA-4.0", license_title=None),
        ckan_dataset(
            4,
            license_id="odc-by-remote",
            license_url="http://www.opendefinition.org/licenses/odc-by",
            license_title="开放数据共享署名许可（远程）",
        ),
    ]
    FakeCkan(remote).install(server)
    source = make_source(app, cast.transport, server.url("/"))
    assert harvest(app, "remote")["stats"]["added"] == 4
    stored = {rid: d["license_id"] for rid, d in harvested(app, source["id"]).items()}
    assert stored == {
        "remote-00001": "cc-by-4.0",
        "remote-00002": "uk-ogl",
        "remote-00003": "cc-by-sa-4.0",
        "remote-00004": "odc-by",
    }


def test_the_feed_parser_recognises_the_added_licences():
    assert recognise_license("https://opendatacommons.org/licenses/by/1-0/") == "odc-by"
    assert recognise_license("http://reference.data.gov.uk/id/open-government-licence") == "uk-ogl"
    assert recognise_license("https://creativecommons.org/licenses/by-nc/4.0/") == "cc-nc"
    assert recognise_license("https://portal.example/license/other-pd") == "other-pd"


def test_the_seeded_ids_are_the_licences_in_the_database(app):
    rows = call("license_list", site_context(app), {})
    assert [lic["id"] for lic in rows] == sorted(SEEDED_IDS, key=[r["id"] for r in rows].index)
    assert len(rows) == len(SEEDED_IDS)


def test_migration_0009_keeps_datasets_and_downgrades(tmp_path):
    path = tmp_path / "portal.db"
    url = f"sqlite:///{path}"
    upgrade(url, "0008")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO dataset (id, name, title, private, state, type, extras, license_id, "
            "metadata_created, metadata_modified, profile_fields) VALUES ('d1', 'bus', '公交线路', "
            "0, 'active', 'dataset', '{}', 'odc-odbl', '2025-01-01', '2025-01-01', '{}')"
        )
    upgrade(url)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT license_id FROM dataset").fetchall() == [("odc-odbl",)]
        assert conn.execute("SELECT count(*) FROM license").fetchone() == (len(SEEDED_IDS),)
        assert conn.execute(
            "SELECT license_id FROM license_alias WHERE alias = 'cc-by'"
        ).fetchone() == ("cc-by-4.0",)
    command.downgrade(alembic_config(url), "0008")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM license").fetchone() == (8,)
        assert conn.execute("SELECT max(position) FROM license").fetchone() == (7,)
        assert conn.execute("SELECT license_id FROM dataset").fetchall() == [("odc-odbl",)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "license_alias" not in tables
    upgrade(url)  # and up again
