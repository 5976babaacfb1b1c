"""/readyz: 200 with every check when the database, search, storage, queue and a job worker
are there; 503 naming what failed otherwise (never a 500). /healthz stays trivial."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from portal import create_app
from portal.config import Settings
from portal.jobs import heartbeat


@pytest.fixture
def embedded_app(settings: Settings) -> Iterator[Flask]:
    """The app with the embedded SQLite queue (as `portal serve` runs it)."""
    queue_url = f"sqlite:///{settings.instance / 'queue.db'}"
    app = create_app(dataclasses.replace(settings, queue_url=queue_url))
    yield app
    app.extensions["portal.db"].dispose()


def test_readyz_reports_every_check_ready(client) -> None:  # noqa: ANN001
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "search", "storage", "queue", "worker"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_stays_trivial(client) -> None:  # noqa: ANN001
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_an_embedded_queue_without_a_worker_is_not_ready(embedded_app: Flask) -> None:
    response = embedded_app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["worker"]
    assert "no job worker" in body["checks"]["worker"]["error"]


def test_a_beating_worker_makes_the_queue_ready(embedded_app: Flask) -> None:
    heartbeat.beat(embedded_app.extensions["portal.queue"].huey, time.time())
    assert embedded_app.test_client().get("/readyz").status_code == 200


def test_a_dead_worker_is_reported_before_its_heartbeat_goes_stale(embedded_app: Flask) -> None:
    huey = embedded_app.extensions["portal.queue"].huey
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(30)
    huey.put(
        heartbeat.KEY,
        {"pid": child.pid, "host": heartbeat.socket.gethostname(), "at": time.time(), "started": 0},
    )
    body = embedded_app.test_client().get("/readyz").get_json()
    assert body["failed"] == ["worker"]
    assert f"pid {child.pid}" in body["checks"]["worker"]["error"]


def test_a_stale_heartbeat_is_not_ready(embedded_app: Flask) -> None:
    huey = embedded_app.extensions["portal.queue"].huey
    heartbeat.beat(huey, time.time())
    stale = {**huey.get(heartbeat.KEY, peek=True), "at": time.time() - heartbeat.STALE_AFTER - 1}
    huey.put(heartbeat.KEY, stale)
    body = embedded_app.test_client().get("/readyz").get_json()
    assert "heartbeat is" in body["checks"]["worker"]["error"]


def test_a_broken_search_engine_is_a_failed_check_not_a_500(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.search.index import engine

    def down(_request):  # noqa: ANN001, ANN202
        raise ConnectionError("搜索引擎无法连接")

    monkeypatch.setattr(engine(app), "search", down)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["search"]
    assert "搜索引擎无法连接" in body["checks"]["search"]["error"]


def test_a_worker_process_beats_while_it_runs(embedded_app: Flask) -> None:
    huey = embedded_app.extensions["portal.queue"].huey
    with heartbeat.beating(huey, interval=0.05):
        first = heartbeat.last_beat(huey)
        assert first is not None and first.pid == heartbeat.os.getpid()
        deadline = time.monotonic() + 10
        while heartbeat.last_beat(huey).at == first.at and time.monotonic() < deadline:
            time.sleep(0.02)
        assert heartbeat.last_beat(huey).at > first.at
