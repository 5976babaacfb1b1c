"""The ckan source type against a fake CKAN API: first harvest, unchanged re-harvest,
incremental runs, organisation and group mapping, protected fields, validation errors,
duplicate remote ids and withdrawal rules."""

from __future__ import annotations

import json

import pytest
from conftest import create_dataset
from flask import Flask
from test_harvest_support import (
    FakeCkan,
    FixtureServer,
    ckan_dataset,
    count_datasets,
    extras,
    harvest,
    harvested,
    job_errors,
    make_source,
    records,
    report,
    site,
)

from portal.actions import call
from portal.catalog.models import Group


@pytest.fixture
def remote(server: FixtureServer) -> FakeCkan:
    fake = FakeCkan([ckan_dataset(n) for n in range(1, 8)])
    fake.install(server)
    return fake


def test_first_harvest_creates_datasets_that_link_back_to_their_source(
    app: Flask, cast, server, remote
) -> None:
    source = make_source(app, cast.transport, server.url("/"), config={"page_size": 3})
    job = harvest(app, "remote")
    assert job["status"] == "finished", job
    assert job["stats"] == {"added": 7, "updated": 0, "unchanged": 0, "deleted": 0, "errored": 0}
    assert job["gather_finished"] is not None
    datasets = harvested(app, source["id"])
    assert len(datasets) == 7
    first = datasets["remote-00001"]
    assert first["name"] == "remote-dataset-1"
    assert first["title"] == "Remote dataset 1"
    assert first["notes"] == "Description of dataset 1."
    assert first["license_id"] == "cc-by-4.0"
    assert first["owner_org"] == cast.transport.id
    assert [t["name"] for t in first["tags"]] == ["tag1", "transport"]
    assert [r["url"] for r in first["resources"]] == [
        "http://files.example.com/1/0.csv",
        "http://files.example.com/1/1.csv",
    ]
    link = extras(first)
    assert link["harvest_source_id"] == source["id"]
    assert link["harvest_remote_id"] == "remote-00001"
    assert link["harvest_url"] == server.url("/dataset/remote-dataset-1")
    assert link["source_system"] == "fake ckan"
    assert link["publisher_name"] == "Remote organisation"
    found = call("package_search", site(app), {"q": "*:*", "fq": "tags:transport"})
    assert found["count"] == 7  # indexed by the time the job ended
    shown = call("harvest_source_show", site(app), {"id": "remote"})
    assert shown["status"]["total_datasets"] == 7
    assert shown["status"]["last_job"]["id"] == job["id"]


def test_an_unchanged_source_is_skipped_without_writes(app: Flask, cast, server, remote) -> None:
    source = make_source(app, cast.transport, server.url("/"))
    harvest(app, "remote")
    before = {rid: d["metadata_modified"] for rid, d in harvested(app, source["id"]).items()}
    job = harvest(app, "remote", full=True)
    assert job["stats"] == {"added": 0, "updated": 0, "unchanged": 7, "deleted": 0, "errored": 0}
    after = {rid: d["metadata_modified"] for rid, d in harvested(app, source["id"]).items()}
    assert after == before


def test_a_changed_record_updates_its_dataset_and_keeps_resource_ids(
    app: Flask, cast, server, remote
) -> None:
    source = make_source(app, cast.transport, server.url("/"))
    harvest(app, "remote")
    old = harvested(app, source["id"])["remote-00002"]
    remote.datasets[1] = ckan_dataset(
        2, title="Remote dataset 2 (revised)", metadata_modified="2030-01-01T00:00:00"
    )
    job = harvest(app, "remote")
    assert job["stats"]["updated"] == 1 and job["stats"]["unchanged"] == 6, job
    new = harvested(app, source["id"])["remote-00002"]
    assert new["id"] == old["id"] and new["name"] == old["name"]
    assert new["title"] == "Remote dataset 2 (revised)"
    assert [r["id"] for r in new["resources"]] == [r["id"] for r in old["resources"]]


def test_incremental_runs_ask_only_for_changes_and_still_list_every_id(
    app: Flask, cast, server, remote
) -> None:
    make_source(app, cast.transport, server.url("/"))
    harvest(app, "remote")
    remote.searches.clear()
    remote.datasets[0] = ckan_dataset(1, notes="changed", metadata_modified="2030-01-01T00:00:00")
    job = harvest(app, "remote")
    assert job["stats"]["updated"] == 1 and job["stats"]["unchanged"] == 6
    changed, listing = remote.searches[0], remote.searches[-1]
    assert changed["fq"][0].startswith("metadata_modified:[")
    assert listing["fl"] == ["id,name"]
    full = harvest(app, "remote", full=True)
    assert "fq" not in remote.searches[-1] and full["stats"]["unchanged"] == 7


def test_records_that_disappear_are_withdrawn_after_a_successful_gather(
    app: Flask, cast, server, remote
) -> None:
    source = make_source(app, cast.transport, server.url("/"))
    harvest(app, "remote")
    gone = remote.datasets.pop(3)
    job = harvest(app, "remote")
    assert job["status"] == "finished" and job["stats"]["deleted"] == 1, job
    assert gone["id"] not in harvested(app, source["id"])
    assert harvested(app, source["id"], state="deleted").keys() == {gone["id"]}
    assert records(app, source["id"])[gone["id"]].status == "withdrawn"
    assert call("package_search", site(app), {"q": "*:*"})["count"] == 6
    # It comes back: the same dataset is restored, not a second one.
    remote.datasets.append(gone)
    again = harvest(app, "remote")
    assert again["stats"]["updated"] == 1 and again["stats"]["deleted"] == 0
    assert gone["id"] in harvested(app, source["id"])
    assert count_datasets(app) == 7


def test_withdrawal_waits_for_the_grace_period_and_honours_keep(
    app: Flask, cast, server, remote
) -> None:
    source = make_source(app, cast.transport, server.url("/"), config={"delete_after_days": 3})
    harvest(app, "remote")
    gone = remote.datasets.pop()
    job = harvest(app, "remote")
    assert job["stats"]["deleted"] == 0 and "after 3 days" in job["message"]
    assert records(app, source["id"])[gone["id"]].status == "missing"
    call("harvest_source_update", site(app), {"id": "remote", "config": {"withdraw": "keep"}})
    assert harvest(app, "remote")["stats"]["deleted"] == 0
    assert gone["id"] in harvested(app, source["id"])


@pytest.mark.parametrize(
    "failure",
    [
        (500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>"),
        (200, {"Content-Type": "application/json"}, b'{"success": true, "result": {"count": 7,'),
        (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"),
        (200, {"Content-Type": "application/json"}, b'{"success": false, "error": {}}'),
        (
            200,
            {"Content-Type": "application/json"},
            json.dumps(
                {"success": True, "result": {"results": [ckan_dataset(1), ckan_dataset(2)]}}
            ).encode(),
        ),
    ],
    ids=["http-500", "truncated", "malformed", "api-error", "paging-stuck"],
)
def test_no_withdrawal_after_a_failing_source(app: Flask, cast, server, remote, failure) -> None:
    source = make_source(app, cast.transport, server.url("/"))
    harvest(app, "remote")
    server.routes["/api/3/action/package_search"] = failure
    job = harvest(app, "remote", full=True)
    assert job["status"] == "failed", job
    assert job["gather_finished"] is None
    assert job["stats"]["deleted"] == 0
    assert "nothing was withdrawn" in job["message"]
    assert len(harvested(app, source["id"])) == 7
    errors = report(app, job["id"])["errors"]
    assert [e["stage"] for e in errors] == ["gather"]


def test_no_withdrawal_when_a_page_times_out(app: Flask, cast, server, remote, monkeypatch) -> None:
    source = make_source(
        app, cast.transport, server.url("/"), config={"page_size": 3, "timeout": 1, "retries": 0}
    )
    harvest(app, "remote")
    healthy = remote.search

    def slow_second_page(path: str, params):  # noqa: ANN001, ANN202
        if params.get("start") == ["3"]:
            return (-3, {}, b"")
        return healthy(path, params)

    server.routes["/api/3/action/package_search"] = slow_second_page
    remote.datasets.pop(0)
    job = harvest(app, "remote", full=True)
    assert job["status"] == "failed" and "did not send data within 1 s" in job["message"], job
    assert len(harvested(app, source["id"])) == 7  # the first page still counted; nothing gone


def test_an_empty_listing_withdraws_nothing(app: Flask, cast, server, remote) -> None:
    source = make_source(app, cast.transport, server.url("/"))
    harvest(app, "remote")
    remote.datasets.clear()
    job = harvest(app, "remote", full=True)
    assert job["status"] == "finished" and job["stats"]["deleted"] == 0
    assert "listed no datasets" in job["message"]
    assert len(harvested(app, source["id"])) == 7


def test_a_listing_shorter_than_its_count_is_incomplete(app: Flask, cast, server, remote) -> None:
    source = make_source(app, cast.transport, server.url("/"), config={"page_size": 3})
    harvest(app, "remote")
    healthy = remote.search

    def losing_a_page(path: str, params):  # noqa: ANN001, ANN202
        if params.get("start") == ["3"]:
            return (200, {"Content-Type": "application/json"}, b'{"success": true, '
                    b'"result": {"count": 7, "results": []}}')  # fmt: skip
        return healthy(path, params)

    server.routes["/api/3/action/package_search"] = losing_a_page
    job = harvest(app, "remote", full=True)
    assert job["status"] == "failed" and "listed only 3" in job["message"]
    assert len(harvested(app, source["id"])) == 7


def test_duplicate_remote_ids_yield_one_dataset(app: Flask, cast, server, remote) -> None:
    source = make_source(app, cast.transport, server.url("/"), config={"page_size": 2})
    twin = ckan_dataset(3, name="the-twin", title="Twin of 3")
    remote.datasets.insert(5, twin)
    job = harvest(app, "remote")
    assert job["stats"]["added"] == 7 and job["stats"]["errored"] == 1, job
    assert count_datasets(app) == 7
    errors = report(app, job["id"])["errors"]
    assert errors[0]["remote_id"] == "remote-00003" and "more than once" in errors[0]["message"]
    assert harvested(app, source["id"])["remote-00003"]["title"] == "Remote dataset 3"


def test_a_record_failing_validation_is_reported_and_the_job_goes_on(
    app: Flask, cast, server, remote
) -> None:
    source = make_source(app, cast.transport, server.url("/"))
    remote.datasets[2] = ckan_dataset(3, frequency="EVERY-FULL-MOON", issued="not a date")
    job = harvest(app, "remote")
    assert job["status"] == "finished"
    assert job["stats"]["added"] == 6 and job["stats"]["errored"] == 1
    [error] = report(app, job["id"])["errors"]
    assert error["stage"] == "import" and error["remote_id"] == "remote-00003"
    assert error["fields"]["frequency"] == ["Not a valid choice."]
    assert error["fields"]["issued"] == ["Not a valid date."]
    record = records(app, source["id"])["remote-00003"]
    assert record.status == "errored" and record.dataset_id is None
    assert record.errors[0]["fields"]["frequency"] == ["Not a valid choice."]
    # Not listed as gone: an errored record is never withdrawn, and is retried.
    remote.datasets[2] = ckan_dataset(3)
    again = harvest(app, "remote")
    assert again["stats"]["added"] == 1 and again["stats"]["errored"] == 0


def test_protected_fields_keep_a_departments_edits(app: Flask, cast, server, remote) -> None:
    protected = ["notes", "title", "tags"]
    source = make_source(
        app, cast.transport, server.url("/"), config={"protected_fields": protected}
    )
    harvest(app, "remote")
    dataset = harvested(app, source["id"])["remote-00001"]
    call("package_patch", site(app), {"id": dataset["id"], "notes": "Edited by the department"})
    call("package_patch", site(app), {"id": harvested(app, source["id"])["remote-00002"]["id"],
                                      "tags": [{"name": "我们的标签"}]})  # fmt: skip
    remote.datasets[0] = ckan_dataset(
        1, notes="Remote notes v2", title="Remote title v2", license_id="odc-odbl",
        tags=[{"name": "new-remote-tag"}], metadata_modified="2030-01-01T00:00:00",
    )  # fmt: skip
    remote.datasets[1] = ckan_dataset(
        2, tags=[{"name": "remote-v2"}], notes="v2", metadata_modified="2030-01-01T00:00:00"
    )
    assert harvest(app, "remote")["stats"]["updated"] == 2
    updated = harvested(app, source["id"])["remote-00001"]
    assert updated["notes"] == "Edited by the department"  # edited here: kept
    assert updated["title"] == "Remote title v2"  # protected but not edited: follows the source
    assert [t["name"] for t in updated["tags"]] == ["new-remote-tag"]
    assert updated["license_id"] == "odc-odbl"  # not protected
    second = harvested(app, source["id"])["remote-00002"]
    assert [t["name"] for t in second["tags"]] == ["我们的标签"] and second["notes"] == "v2"


def test_organisations_and_groups_are_mapped(app: Flask, cast, server, remote) -> None:
    session = app.extensions["portal.db"].session()
    session.add(Group(name="transport-theme", title="交通"))
    session.commit()
    remote.datasets[0] = ckan_dataset(
        1, groups=[{"name": "transport-theme"}, {"name": "not-here"}],
        organization={"name": "remote-health", "title": "Health"},
    )  # fmt: skip
    source = make_source(
        app,
        cast.transport,
        server.url("/"),
        config={"organizations_map": {"remote-health": "health"}},
    )
    harvest(app, "remote")
    datasets = harvested(app, source["id"])
    assert datasets["remote-00001"]["owner_org"] == cast.health.id
    assert [g["name"] for g in datasets["remote-00001"]["groups"]] == ["transport-theme"]
    assert datasets["remote-00002"]["owner_org"] == cast.transport.id


def test_a_taken_name_gets_a_stable_suffix(app: Flask, cast, server, remote) -> None:
    create_dataset(app, "remote-dataset-1", cast.health)
    source = make_source(app, cast.transport, server.url("/"))
    harvest(app, "remote")
    name = harvested(app, source["id"])["remote-00001"]["name"]
    assert name.startswith("remote-dataset-1-") and name != "remote-dataset-1"


def test_job_report_pages_through_errors(app: Flask, cast, server, remote) -> None:
    for n in range(7):
        remote.datasets[n] = ckan_dataset(n + 1, license_id=None, title="", frequency="BAD")
    make_source(app, cast.transport, server.url("/"))
    job = harvest(app, "remote")
    assert job["stats"]["errored"] == 7
    page = report(app, job["id"], limit=3, offset=3)
    assert page["error_count"] == 7 and len(page["errors"]) == 3
    assert page["errors_by_stage"]["import"] == 7
    assert len(job_errors(app, job["id"])) == 7
