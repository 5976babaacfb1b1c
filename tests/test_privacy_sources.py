"""Every tabular source is screened, not only uploads: a linked file (fetched through the safe
fetcher from a local server, the one address allowed), a harvested resource (listed in the
harvest job report and page), the records a DataStore write sends, and the links of a private
dataset once it becomes public. The screening job runs at once on memory://."""

from __future__ import annotations

import pytest
from datastore_support import new_dataset, settings  # noqa: F401
from test_harvest_support import FakeCkan, ckan_dataset, harvest, make_source, report
from test_privacy_screening import CLEAN, person_rows

CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def linked(settings, server, monkeypatch):  # noqa: F811
    """The portal fetches links (for the DataStore and the screening), from `server` only."""
    settings.datastore_links = True
    monkeypatch.setenv("PORTAL_DATASTORE_ALLOWED_HOSTS", server.host)
    ids, text = person_rows(12)
    server.routes["/residents.csv"] = (200, CSV, text.encode("gb18030"))
    server.routes["/stops.csv"] = (200, CSV, CLEAN.encode())
    return ids


def link(api, person, dataset, url, name="名单"):
    return api.ok("resource_create", person, package_id=dataset["id"], url=url, name=name,
                  format="CSV")  # fmt: skip


def test_a_linked_table_with_resident_ids_is_withheld(api, cast, server, linked):
    dataset = new_dataset(api, cast.editor)
    resource = link(api, cast.editor, dataset, server.url("/residents.csv"))
    shown = api.ok("resource_show", id=resource["id"])
    assert shown["privacy"]["state"] == "open" and shown["privacy"]["withheld"]
    headers = {c["header"] for c in shown["privacy"]["columns"]}
    assert {"身份证号", "手机号码"} <= headers
    preview = api.ok("resource_preview_show", id=resource["id"])
    assert preview["reason"] == "withheld"
    assert api.post("datastore_search", resource_id=resource["id"]).status_code == 403
    listed = api.ok("privacy_finding_list", cast.sysadmin)["results"]
    assert [f["resource_id"] for f in listed] == [resource["id"]]


def test_a_clean_linked_table_is_served_and_an_unchanged_link_is_not_fetched_again(
    api, cast, server, linked
):
    dataset = new_dataset(api, cast.editor)
    resource = link(api, cast.editor, dataset, server.url("/stops.csv"), name="站点")
    assert "privacy" not in api.ok("resource_show", id=resource["id"])
    fetched = server.hits.count("/stops.csv")
    api.ok("package_patch", cast.editor, id=dataset["id"], notes="每日更新的公交站点客流。")
    assert server.hits.count("/stops.csv") == fetched


def test_a_private_datasets_links_are_screened_when_it_becomes_public(api, cast, server, linked):
    dataset = new_dataset(api, cast.editor, private=True)
    resource = link(api, cast.editor, dataset, server.url("/residents.csv"))
    assert "privacy" not in api.ok("resource_show", cast.editor, id=resource["id"])
    api.ok("package_patch", cast.editor, id=dataset["id"], private=False)
    shown = api.ok("resource_show", id=resource["id"])
    assert shown["privacy"]["state"] == "open" and shown["privacy"]["withheld"]


def test_a_harvested_resource_with_personal_columns_is_withheld_and_reported(
    app, api, cast, server, linked
):
    remote = ckan_dataset(1, resources=[
        {"id": "r-1", "url": server.url("/residents.csv"), "name": "居民名单", "format": "CSV"},
        {"id": "r-2", "url": server.url("/stops.csv"), "name": "站点", "format": "CSV"},
    ])  # fmt: skip
    FakeCkan([remote]).install(server)
    make_source(app, cast.transport, server.url("/"))
    job = harvest(app, "remote")
    assert job["status"] == "finished", job
    withheld = report(app, job["id"])["privacy_withheld"]
    assert [(w["resource_name"], w["state"]) for w in withheld] == [("居民名单", "open")]
    shown = api.ok("resource_show", id=withheld[0]["resource_id"])
    assert shown["privacy"]["withheld"]
    page = api.client.get(f"/harvest/remote/job/{job['id']}", headers=cast.admin.headers)
    assert page.status_code == 200
    assert "居民名单" in page.get_data(as_text=True)


def test_datastore_create_with_personal_records_withholds_the_table(api, cast):
    ids, _text = person_rows(5)
    dataset = new_dataset(api, cast.editor)
    records = [{"姓名": f"居民{i}", "身份证号": resident} for i, resident in enumerate(ids)]
    created = api.ok("datastore_create", cast.editor,
                     resource={"package_id": dataset["id"], "name": "居民"}, records=records)
    rid = created["resource_id"]
    assert api.post("datastore_search", resource_id=rid).status_code == 403
    assert api.ok("datastore_search", cast.editor, resource_id=rid)["total"] == 5
    finding = api.ok("privacy_finding_show", cast.editor, id=rid)
    assert finding["state"] == "open" and finding["columns"][0]["header"] == "身份证号"
    types = [a["activity_type"] for a in api.ok("package_activity_list", cast.admin,
                                                id=dataset["id"])]  # fmt: skip
    assert "privacy blocked resource" in types


def test_an_upsert_that_adds_a_phone_number_withholds_a_clean_table(api, cast):
    dataset = new_dataset(api, cast.editor)
    created = api.ok("datastore_create", cast.editor,
                     resource={"package_id": dataset["id"], "name": "热线"},
                     records=[{"编号": "1", "备注": "咨询公交线路"}], primary_key=["编号"])
    rid = created["resource_id"]
    assert api.ok("datastore_search", resource_id=rid)["total"] == 1
    api.ok("datastore_upsert", cast.editor, resource_id=rid, method="upsert",
           records=[{"编号": "2", "备注": "市民来电，联系电话13912345678，反映站牌损坏"}])
    assert api.post("datastore_search", resource_id=rid).status_code == 403


def test_a_datastore_finding_survives_the_screening_of_its_placeholder_link(api, cast, linked):
    """With links fetched, the resource datastore_create makes (a CSV pointing at its own dump)
    is queued for screening too: that job must not resolve the records' finding."""
    dataset = new_dataset(api, cast.editor)
    records = [{"姓名": "居民", "身份证号": resident} for resident in linked[:3]]
    created = api.ok("datastore_create", cast.editor, records=records, force=True,
                     resource={"package_id": dataset["id"], "name": "居民", "format": "CSV"})
    rid = created["resource_id"]
    assert api.post("datastore_search", resource_id=rid).status_code == 403
    assert api.ok("privacy_finding_show", cast.editor, id=rid)["state"] == "open"
