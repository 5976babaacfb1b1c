"""Harvest jobs: one unfinished job per source, abort and rerun, a killed `portal worker`
found by its stopped heartbeat, the scheduler, the SSRF guard, permissions, the CLI, and a
job run by a real huey consumer on Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from test_harvest_support import (
    FakeCkan,
    FixtureServer,
    ckan_dataset,
    count_datasets,
    harvest,
    harvested,
    make_source,
    site,
    unqueued_job,
)

import harvesters.jobs
import harvesters.run
from harvesters.jobs import reap_stuck_jobs
from harvesters.models import HarvestJob, HarvestSource
from harvesters.run import run_job
from harvesters.tasks import RUN_TASK, schedule_due_jobs
from portal.actions import call
from portal.database import utcnow
from portal.errors import ValidationError
from portal.jobs.queue import JobQueue
from tests.test_openapi_conformance import response_errors

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")


def wait_for(predicate, timeout: float = 20.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Gate:
    """Holds the second page of the fake CKAN listing until released."""

    def __init__(self, fake: FakeCkan, hold: float = 30) -> None:
        self.fake, self.hold = fake, hold
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, path: str, params):  # noqa: ANN001, ANN204
        if params.get("start") != ["0"]:
            self.reached.set()
            self.release.wait(self.hold)
        return self.fake.search(path, params)


@pytest.fixture
def gated(server: FixtureServer) -> Gate:
    fake = FakeCkan([ckan_dataset(n) for n in range(1, 8)])
    fake.install(server)
    gate = Gate(fake)
    server.routes["/api/3/action/package_search"] = gate
    return gate


def job_row(app: Flask, job_id: str) -> HarvestJob:
    session = app.extensions["portal.db"].session()
    session.rollback()
    job = session.get(HarvestJob, job_id)
    session.refresh(job)
    session.commit()  # end the read: a later write in this session must not upgrade it
    return job


def source_row(app: Flask, name: str) -> HarvestSource:
    session = app.extensions["portal.db"].session()
    source = session.scalars(select(HarvestSource).where(HarvestSource.name == name)).one()
    session.commit()
    return source


def test_a_source_has_at_most_one_unfinished_job(app: Flask, cast, server) -> None:
    make_source(app, cast.transport, server.url("/"))
    first = unqueued_job(app, "remote")
    with pytest.raises(ValidationError):
        unqueued_job(app, "remote")
    with pytest.raises(ValidationError) as error:
        call("harvest_job_create", site(app), {"source_id": "remote"})
    assert "unfinished job" in str(error.value.errors["source_id"])
    # Once the first ends, a new job may start; running the ended one again does nothing.
    call("harvest_job_abort", site(app), {"id": first.id})
    assert job_row(app, first.id).status == "aborted"
    assert run_job(app, first.id) is None
    assert call("harvest_job_create", site(app), {"source_id": "remote"})["status"] == "new"


def test_abort_stops_a_running_job_and_a_rerun_completes_without_duplicates(
    app: Flask, cast, server, gated, monkeypatch
) -> None:
    monkeypatch.setattr(harvesters.run, "BATCH_SIZE", 3)
    make_source(app, cast.transport, server.url("/"), config={"page_size": 3})
    job = unqueued_job(app, "remote")
    runner = threading.Thread(target=run_job, args=(app, job.id))
    runner.start()
    assert gated.reached.wait(20)
    assert wait_for(lambda: job_row(app, job.id).added == 3)
    aborted = call("harvest_job_abort", site(app), {"id": job.id})
    assert aborted["status"] == "running" and aborted["abort_requested"] is True
    gated.release.set()
    runner.join(30)
    ended = job_row(app, job.id)
    assert ended.status == "aborted" and ended.gather_finished is None
    assert ended.added == 3 and count_datasets(app) == 3
    again = harvest(app, "remote")
    assert again["status"] == "finished"
    assert again["stats"]["added"] == 4 and again["stats"]["unchanged"] == 3
    assert count_datasets(app) == 7


def test_a_killed_worker_is_reaped_and_a_rerun_completes_without_duplicates(
    app: Flask, cast, server, gated
) -> None:
    instance = Path(app.instance_path)
    make_source(app, cast.transport, server.url("/"), config={"page_size": 3})
    job = unqueued_job(app, "remote")
    queue = JobQueue(app, f"sqlite:///{instance / 'queue.db'}")
    queue.enqueue(RUN_TASK, job.id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        PORTAL_INSTANCE=str(instance),
        PORTAL_DATABASE_URL=app.extensions["portal.settings"].database_url,
        PORTAL_HARVEST_ALLOWED_HOSTS=os.environ["PORTAL_HARVEST_ALLOWED_HOSTS"],
        PORTAL_HARVEST_HEARTBEAT="0.2",
        PORTAL_HARVEST_BATCH="3",
        PORTAL_LINKCHECK="0",
        PYTHONUNBUFFERED="1",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "worker", "--workers", "1"],
        env=env,
        cwd=instance,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert gated.reached.wait(30), "the worker never reached the second page"
        assert wait_for(lambda: job_row(app, job.id).added == 3)
        assert job_row(app, job.id).status == "running"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        gated.release.set()
    # Alive a moment ago, so not reaped yet; once its heartbeat is a second old, it is.
    assert reap_stuck_jobs(app, stale_after=timedelta(seconds=30)) == []
    assert wait_for(lambda: reap_stuck_jobs(app, stale_after=timedelta(seconds=1)) == [job.id])
    dead = job_row(app, job.id)
    assert dead.status == "failed" and dead.active_source_id is None
    assert "worker running this job stopped" in dead.message
    assert count_datasets(app) == 3
    again = harvest(app, "remote")
    assert again["status"] == "finished"
    assert again["stats"]["added"] == 4 and again["stats"]["unchanged"] == 3
    assert count_datasets(app) == 7


def test_jobs_never_started_are_failed_too(app: Flask, cast, server) -> None:
    make_source(app, cast.transport, server.url("/"))
    job = unqueued_job(app, "remote")
    assert reap_stuck_jobs(app) == []
    assert reap_stuck_jobs(app, start_timeout=timedelta(0)) == [job.id]
    assert "No worker started this job" in job_row(app, job.id).message


def test_the_scheduler_starts_due_sources_by_frequency(app: Flask, cast, server) -> None:
    FakeCkan([ckan_dataset(1)]).install(server)
    make_source(app, cast.transport, server.url("/"), name="daily", frequency="DAILY")
    make_source(app, cast.transport, server.url("/x"), name="manual")
    make_source(app, cast.transport, server.url("/y"), name="off", frequency="HOURLY",
                enabled=False)  # fmt: skip
    [job_id] = schedule_due_jobs(app)
    assert job_row(app, job_id).source_id == source_row(app, "daily").id
    assert job_row(app, job_id).status == "finished"  # the memory queue ran it at once
    assert schedule_due_jobs(app) == []  # not due again until a day has passed
    assert len(schedule_due_jobs(app, now=utcnow() + timedelta(days=1, minutes=1))) == 1


def test_the_ssrf_guard_refuses_unlisted_local_addresses(app: Flask, cast, server) -> None:
    FakeCkan([ckan_dataset(1)]).install(server)
    other = FixtureServer().start()  # a local service nobody allow-listed
    try:
        FakeCkan([ckan_dataset(2)]).install(other)
        make_source(app, cast.transport, other.url("/"), name="internal")
        job = harvest(app, "internal")
        assert job["status"] == "failed"
        assert "loopback address" in job["message"] and "not allowed" in job["message"]
        assert other.hits == []
        # An allow-listed server cannot bounce the harvester there either.
        target = other.url("/api/3/action/package_search")
        server.routes["/api/3/action/package_search"] = (302, {"Location": target}, b"")
        make_source(app, cast.transport, server.url("/"), name="bouncer")
        bounced = harvest(app, "bouncer")
        assert bounced["status"] == "failed" and "not allowed" in bounced["message"]
        assert other.hits == []
        make_source(app, cast.transport, "http://169.254.169.254/latest/", name="metadata")
        assert "cloud metadata" in harvest(app, "metadata")["message"]
    finally:
        other.stop()


def test_who_may_manage_and_read_sources_and_jobs(api, app: Flask, cast, server) -> None:
    FakeCkan([ckan_dataset(1)]).install(server)
    data = {
        "name": "transport-ckan",
        "url": server.url("/"),
        "source_type": "ckan",
        "owner_org": "transport",
        "config": '{"api_key": "secret-key", "page_size": 50}',
    }
    assert api.post("harvest_source_create", cast.member, **data).status_code == 403
    assert api.post("harvest_source_create", cast.outsider, **data).status_code == 403
    created = api.ok("harvest_source_create", cast.editor, **data)
    assert created["config"] == {"api_key": "secret-key", "page_size": 50}
    public = api.ok("harvest_source_show", id="transport-ckan")
    assert public["config"] == {"page_size": 50}  # the secret is for the department only
    assert [s["name"] for s in api.ok("harvest_source_list")] == ["transport-ckan"]
    bad = api.post(
        "harvest_source_create", cast.editor, **{**data, "name": "x2", "config": {"nope": 1}}
    )
    assert bad.status_code == 409 and "Unknown option 'nope'" in str(bad.get_json()["error"])
    job = api.ok("harvest_job_create", cast.admin, source_id="transport-ckan")
    assert (
        api.post("harvest_job_create", cast.outsider, source_id="transport-ckan").status_code == 403
    )
    assert api.get("harvest_job_show", id=job["id"]).status_code == 403
    assert api.get("harvest_job_report", cast.outsider, id=job["id"]).status_code == 403
    shown = api.get("harvest_job_report", cast.member, id=job["id"]).get_json()["result"]
    assert shown["job"]["status"] == "finished" and shown["stats"]["added"] == 1
    assert api.ok("harvest_job_list", cast.member, source_id="transport-ckan")[0]["id"] == job["id"]
    updated = api.ok("harvest_source_update", cast.editor, id="transport-ckan", frequency="weekly")
    assert updated["frequency"] == "WEEKLY" and updated["url"] == server.url("/")
    assert api.post("harvest_source_delete", cast.outsider, id="transport-ckan").status_code == 403
    api.ok("harvest_source_delete", cast.editor, id="transport-ckan")
    assert api.get("harvest_source_show", id="transport-ckan").status_code == 404
    assert api.ok("harvest_source_list") == []
    assert api.post("harvest_source_create", None, **data).status_code == 403
    assert api.post("harvest_source_create", cast.stranger, **data).status_code == 403


def test_cli_runs_a_source_with_a_summary_and_lists_jobs(app: Flask, cast, server) -> None:
    fake = FakeCkan([ckan_dataset(n) for n in range(1, 4)])
    fake.install(server)
    source = make_source(app, cast.transport, server.url("/"))
    runner = CliRunner()
    from portal.cli import main

    def invoke(*args: str):  # noqa: ANN202
        return runner.invoke(main, list(args), obj=_script_info(app), catch_exceptions=False)

    result = invoke("harvest", "run", "remote")
    assert result.exit_code == 0, result.output
    assert "Job finished: 3 listed; 3 added, 0 updated, 0 unchanged" in result.output
    assert len(harvested(app, source["id"])) == 3
    fake.datasets[0] = ckan_dataset(1, frequency="BAD")
    result = invoke("harvest", "run", "remote", "--full")
    assert "1 errored" in result.output and "[import] remote-00001" in result.output
    listing = invoke("harvest", "sources")
    assert "remote  [ckan, MANUAL, enabled]  transport  3 datasets" in listing.output
    jobs = invoke("harvest", "jobs", "remote")
    assert jobs.output.count(" finished in ") == 2


def test_cli_run_keeps_the_job_rules_of_harvest_job_create(app: Flask, cast, server) -> None:
    FakeCkan([ckan_dataset(1)]).install(server)
    make_source(app, cast.transport, server.url("/"), name="off", enabled=False)
    make_source(app, cast.transport, server.url("/x"), name="busy")
    unqueued_job(app, "busy")
    runner = CliRunner()
    from portal.cli import main

    off = runner.invoke(main, ["harvest", "run", "off"], obj=_script_info(app))
    assert off.exit_code == 1 and "The harvest source is disabled." in off.output
    busy = runner.invoke(main, ["harvest", "run", "busy"], obj=_script_info(app))
    assert busy.exit_code == 1 and "already is an unfinished job" in busy.output
    assert harvested(app, source_row(app, "off").id) == {}


def _script_info(app: Flask):  # noqa: ANN202
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


@pytest.mark.redis
def test_a_harvest_job_runs_on_the_redis_queue(app: Flask, cast, server) -> None:
    if not REDIS_URL:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set (make test-redis sets it)")
    FakeCkan([ckan_dataset(n) for n in range(1, 6)]).install(server)
    source = make_source(app, cast.transport, server.url("/"))
    queue = JobQueue(app, REDIS_URL, name=f"harvest-test-{os.getpid()}-{time.time_ns()}")
    app.extensions["portal.queue"] = queue
    consumer = queue.consumer(workers=1)
    starter = threading.Thread(target=consumer.start)
    starter.start()
    starter.join(10)
    try:
        job = call("harvest_job_create", site(app), {"source_id": "remote"})
        assert wait_for(lambda: job_row(app, job["id"]).status == "finished", timeout=30)
    finally:
        consumer.stop(graceful=True)
        queue.huey.storage.flush_all()
    assert job_row(app, job["id"]).added == 5
    assert len(harvested(app, source["id"])) == 5


def test_harvest_results_match_their_documented_schemas(api, app: Flask, cast, server) -> None:

    from portal.api.openapi import build_spec

    doc = build_spec()
    fake = FakeCkan([ckan_dataset(1), ckan_dataset(2, frequency="BAD")])
    fake.install(server)
    make_source(app, cast.transport, server.url("/"), config={"page_size": 10})
    job = harvest(app, "remote")
    calls = {
        "harvest_source_show": {"id": "remote"},
        "harvest_source_list": {},
        "harvest_job_show": {"id": job["id"]},
        "harvest_job_list": {"source_id": "remote"},
        "harvest_job_report": {"id": job["id"]},
    }
    for name, params in calls.items():
        response = api.get(name, cast.sysadmin, **params)
        assert response.status_code == 200, (name, response.get_json())
        assert response_errors(doc, name, 200, response.get_json(), "get") == [], name
    report_body = api.get("harvest_job_report", cast.sysadmin, id=job["id"]).get_json()
    assert report_body["result"]["errors"][0]["fields"]["frequency"] == ["Not a valid choice."]
