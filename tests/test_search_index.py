"""Index consistency: the outbox survives engine outages, rebuilds keep search online, and
`check` finds what is missing or stale."""

from __future__ import annotations

import threading

from portal import create_app
from portal.search import index
from portal.search.engine import SearchUnavailable
from portal.search.models import SearchOutbox
from tests.conftest import create_dataset


def found(api, q):
    return [d["name"] for d in api.get("package_search", q=q).get_json()["result"]["results"]]


def pending(app):
    session = app.extensions["portal.db"].session()
    return session.query(SearchOutbox).filter(SearchOutbox.applied_at.is_(None)).count()


def test_an_engine_outage_loses_no_update(app, api, cast, monkeypatch):
    engine = index.engine(app)

    def down(_documents):
        raise SearchUnavailable("engine down")

    monkeypatch.setattr(engine, "index", down)
    api.ok("package_create", cast.editor, name="metro", title="地铁线路图", owner_org="transport")
    # The write succeeded; the index change waits in the outbox.
    assert api.ok("package_show", id="metro")["title"] == "地铁线路图"
    assert pending(app) == 1
    assert found(api, "地铁") == []
    monkeypatch.undo()
    assert index.retry_pending(app) == 1
    assert pending(app) == 0
    assert found(api, "地铁") == ["metro"]


def test_reindex_rebuilds_and_keeps_results(app, api, cast):
    for number in range(5):
        create_dataset(app, f"bus-{number}", cast.transport, title=f"公交数据{number}")
    before = sorted(found(api, "公交"))
    assert index.reindex(app) == 5
    assert sorted(found(api, "公交")) == before


def test_worker_processes_build_the_same_documents_in_order(app, cast):
    for number in range(7):
        create_dataset(app, f"metro-{number}", cast.transport, title=f"地铁线路{number}")
    serial = list(index.iter_documents(app, batch=2, workers=1))
    progress: list[int] = []
    forked = list(index.iter_documents(app, batch=2, workers=2, progress=progress.append))
    assert [d["id"] for d in forked] == sorted(d["id"] for d in serial) and len(forked) == 7
    assert forked == serial
    assert progress == [2, 2, 2, 1]


def test_check_reports_missing_and_reindex_repairs(app, cast):
    made = create_dataset(app, "bus", cast.transport, title="公交线路")
    assert index.check(app) == {"missing": [], "stale": [], "extra": []}
    index.engine(app).delete([made["id"]])
    assert index.check(app)["missing"] == [made["id"]]
    index.reindex(app)
    assert index.check(app) == {"missing": [], "stale": [], "extra": []}


def test_another_process_sees_a_write_at_once(app, settings, api, cast):
    # A second app on the same instance stands for another gunicorn worker.
    other = create_app(settings).test_client()
    assert other.get("/api/3/action/package_search?q=地铁").get_json()["result"]["count"] == 0
    api.ok("package_create", cast.editor, name="metro", title="地铁线路图", owner_org="transport")
    result = other.get("/api/3/action/package_search?q=地铁").get_json()["result"]
    assert [d["name"] for d in result["results"]] == ["metro"]


def test_concurrent_writers_queue_on_the_index_lock(app, settings, cast):
    apps = [create_app(settings) for _ in range(3)]
    errors = []

    def write(worker_app, number):
        try:
            with worker_app.app_context():
                for item in range(4):
                    create_dataset(
                        worker_app, f"w{number}-{item}", cast.transport, title=f"并发{number}"
                    )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(a, n)) for n, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert index.check(app) == {"missing": [], "stale": [], "extra": []}


def test_pending_index_updates_have_a_periodic_retry_job(app):
    queue = app.extensions["portal.queue"]
    queue.bind_all()
    periodic = [task.__name__ for task in queue.huey._registry._periodic_tasks]
    assert "search.retry_pending" in periodic
