"""`portal serve` supervises its embedded job worker: a worker killed with SIGKILL is started
again (with back-off), /readyz reports the dead worker meanwhile, and the harvest job it was
running is reaped and run again to its end by the new worker."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import ckanapi
import live_server
import pytest
from flask import Flask
from live_server import running_portal
from test_harvest_jobs import Gate
from test_harvest_support import (
    FakeCkan,
    FixtureServer,
    ckan_dataset,
    make_source,
    site,
    unqueued_job,
)

from harvesters.models import HarvestJob
from harvesters.tasks import DIED, reap_harvest_jobs
from portal import server as portal_server
from portal.actions import call
from portal.database import utcnow

DEADLINE = 60.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def poll(predicate, timeout: float = DEADLINE, interval: float = 0.1):  # noqa: ANN001, ANN201
    """The predicate's first truthy answer within `timeout` seconds, else its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(interval)


def readyz(url: str) -> tuple[int, dict]:
    try:
        with _OPENER.open(f"{url}/readyz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def job_workers(portal) -> set[int]:  # noqa: ANN001
    """The master's `portal worker` children (the launcher tells gunicorn's own workers by
    the listening socket they hold)."""
    found = set()
    for pid in live_server._launcher.children(portal.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in command and b"portal.cli" in command:
            found.add(pid)
    return found


@pytest.mark.server
def test_a_killed_worker_is_restarted_and_its_harvest_job_runs_again(tmp_path: Path) -> None:
    remote = FixtureServer().start()
    fake = FakeCkan([ckan_dataset(n) for n in range(1, 8)])
    fake.install(remote)
    gate = Gate(fake, hold=60)
    remote.routes["/api/3/action/package_search"] = gate
    env = {
        "PORTAL_HARVEST_ALLOWED_HOSTS": remote.host,
        "PORTAL_HARVEST_HEARTBEAT": "0.3",
        "PORTAL_HARVEST_STALE_AFTER": "2",
        "PORTAL_HARVEST_BATCH": "3",
        "PORTAL_WORKER_HEARTBEAT": "0.5",
        "PORTAL_LINKCHECK": "0",
    }
    try:
        with running_portal(tmp_path, workers=1, env=env) as portal:
            api = ckanapi.RemoteCKAN(portal.url, apikey=portal.token)
            api.action.organization_create(name="jinan-transport", title="济南市交通运输局")
            source = api.action.harvest_source_create(
                name="remote-ckan",
                title="远程目录",
                url=remote.url("/"),
                source_type="ckan",
                owner_org="jinan-transport",
                config={"page_size": 3},
            )
            assert poll(lambda: readyz(portal.url)[0] == 200), readyz(portal.url)
            first = api.action.harvest_job_create(source_id=source["id"])
            assert gate.reached.wait(DEADLINE), "the worker never reached the second page"
            assert poll(lambda: api.action.harvest_job_show(id=first["id"])["stats"]["added"] == 3)
            [old] = job_workers(portal)

            os.kill(old, signal.SIGKILL)
            gate.release.set()
            seen: list[tuple[int, list[str]]] = []

            def restarted() -> int | None:
                status, body = readyz(portal.url)
                seen.append((status, body["failed"]))
                new = job_workers(portal) - {old}
                return next(iter(new)) if new and status == 200 else None

            new = poll(restarted)
            assert new, (seen[-3:], portal.log()[-3000:])
            assert (503, ["worker"]) in seen, seen
            assert "exited with -9; starting it again" in portal.log()

            def jobs() -> list[dict]:
                return api.action.harvest_job_list(source_id=source["id"])

            assert poll(lambda: len(jobs()) == 2 and jobs()[0]["status"] == "finished"), jobs()
            rerun, dead = jobs()
            assert dead["id"] == first["id"] and dead["status"] == "failed"
            assert "worker running this job stopped" in dead["message"]
            assert rerun["stats"]["added"] == 4 and rerun["stats"]["unchanged"] == 3
            found = api.action.package_search(q="*:*", rows=0)
            assert found["count"] == 7
    finally:
        gate.release.set()
        remote.stop()


# --- the supervisor's back-off ----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *args: object) -> None:
        self.lines.append(message % args)

    error = info


def test_the_worker_is_started_again_with_exponential_back_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(portal_server.time, "monotonic", clock)
    supervisor = portal_server.WorkerSupervisor(Log(), [sys.executable, "-c", "pass"])
    supervisor.start()
    delays = []
    for _ in range(8):
        supervisor.process.wait(30)
        supervisor.check()  # notices the exit, schedules the restart
        delays.append(supervisor.restart_at - clock.now)
        clock.now = supervisor.restart_at - 0.01
        supervisor.check()
        assert supervisor.restart_at is not None  # not before its time
        clock.now = supervisor.restart_at
        supervisor.check()
        assert supervisor.restart_at is None and supervisor.process.poll() in (None, 0)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]
    # A worker that stayed up a while was healthy: its next failure waits one second again.
    supervisor.process.wait(30)
    clock.now += portal_server.HEALTHY_AFTER
    supervisor.check()
    assert supervisor.restart_at - clock.now == 1
    assert supervisor.restarts == 8


def test_a_stopped_supervisor_does_not_start_the_worker_again() -> None:
    supervisor = portal_server.WorkerSupervisor(
        Log(), [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    supervisor.start()
    worker = supervisor.process
    supervisor.stop()
    assert worker.poll() is not None
    supervisor.check()
    assert supervisor.process is worker and supervisor.restarts == 0


# --- reaping and running again ----------------------------------------------------------------


def died_running(app: Flask, source_name: str) -> str:
    """A job left `running` by a worker that died a while ago."""
    db = app.extensions["portal.db"]
    with db.factory() as session:
        job = unqueued_job(app, source_name, session)
        job.status, job.started = "running", utcnow() - timedelta(minutes=10)
        job.heartbeat = utcnow() - timedelta(minutes=10)
        session.commit()
        return job.id


def source_jobs(app: Flask, source_id: str) -> list[dict]:
    return call("harvest_job_list", site(app), {"source_id": source_id})


def test_a_job_whose_worker_died_is_reaped_and_run_again(app: Flask, cast, server) -> None:
    FakeCkan([ckan_dataset(n) for n in range(1, 5)]).install(server)
    source = make_source(app, cast.transport, server.url("/"))
    dead = died_running(app, "remote")
    with app.app_context():
        assert reap_harvest_jobs() == [dead]
    rerun, reaped = source_jobs(app, source["id"])
    assert reaped["id"] == dead and reaped["status"] == "failed"
    assert rerun["status"] == "finished" and rerun["stats"]["added"] == 4  # memory queue: at once


def test_a_rerun_whose_worker_died_too_is_left_for_a_person(app: Flask, cast, server) -> None:
    FakeCkan([ckan_dataset(1)]).install(server)
    source = make_source(app, cast.transport, server.url("/"))
    first = died_running(app, "remote")
    with app.extensions["portal.db"].factory() as session:  # reaped once and run again ...
        job = session.get(HarvestJob, first)
        job.status, job.active_source_id = "failed", None
        job.message = f"{DIED}: no heartbeat since its start UTC."
        session.commit()
    rerun = died_running(app, "remote")  # ... and that rerun's worker died as well
    with app.app_context():
        assert reap_harvest_jobs() == [rerun]
    assert [job["status"] for job in source_jobs(app, source["id"])] == ["failed", "failed"]


def test_a_worker_queues_the_reaper_when_it_starts(app: Flask) -> None:
    queued = []
    queue = app.extensions["portal.queue"]
    original = queue.schedule

    def schedule(name: str, delay: float, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        queued.append((name, delay))
        return original(name, delay, *args, **kwargs)

    queue.schedule = schedule
    assert "harvest.reap" in queue.queue_start_tasks()
    assert ("harvest.reap", pytest.approx(121.0)) in queued
