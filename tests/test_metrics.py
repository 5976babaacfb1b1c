"""Operations: /metrics in the Prometheus text format (request counts per endpoint, queue,
job failures, search outbox, DataStore loads), X-Request-ID on every response, and one JSON
log line per request with PORTAL_LOG_FORMAT=json."""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import TEST_DATABASE_URL, _empty_postgres, create_dataset, make_user
from flask import Flask
from flask.testing import FlaskClient
from live_server import LivePortal, free_port, portal_env, stop, wait_for_health
from prometheus_client.parser import text_string_to_metric_families

from portal import create_app
from portal.config import Settings
from portal.database import utcnow
from portal.datastore.models import DatastoreStatus
from portal.jobs.queue import TASKS, TaskSpec
from portal.request_log import StderrHandler, log
from portal.search.models import SearchOutbox

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "docker" / "gunicorn.conf.py"
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no environment proxies


def scrape(client: FlaskClient) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@pytest.fixture
def queued_app(settings: Settings) -> Iterator[Flask]:
    """The app with a SQLite queue and no worker: enqueued jobs wait."""
    queue_url = f"sqlite:///{settings.instance / 'queue.db'}"
    app = create_app(dataclasses.replace(settings, queue_url=queue_url))
    yield app
    app.extensions["portal.db"].dispose()


@pytest.fixture
def json_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(dataclasses.replace(settings, log_format="json"))
    if TEST_DATABASE_URL:
        _empty_postgres(app)
    yield app
    app.extensions["portal.db"].dispose()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(handler)
    log.setLevel(logging.NOTSET)


def test_metrics_parse_with_the_prometheus_text_parser(client: FlaskClient) -> None:
    samples = scrape(client)
    names = {name for name, _labels in samples}
    assert {
        "portal_job_queue_depth",
        "portal_job_worker_up",
        "portal_search_outbox_pending",
        "portal_search_index_lag_seconds",
        "portal_datastore_loads",
        "portal_metrics_probe_up",
    } <= names
    assert value(samples, "portal_jobs_failed_total", task="datastore.load") == 0
    for probe in ("queue", "search", "datastore", "harvest"):
        assert value(samples, "portal_metrics_probe_up", probe=probe) == 1


def test_package_show_counts_under_its_action_name(app: Flask, cast, api) -> None:  # noqa: ANN001
    create_dataset(app, "bus-lines", cast.transport, title="公交线路")
    for _ in range(2):
        assert api.get("package_show", id="bus-lines").status_code == 200
    api.client.get("/api/action/package_show", query_string={"id": "bus-lines"})
    assert api.get("package_show", id="没有这个").status_code == 404
    samples = scrape(api.client)
    ok = {"endpoint": "action:package_show", "method": "GET"}
    assert value(samples, "portal_http_requests_total", **ok, status="200") == 3
    assert value(samples, "portal_http_requests_total", **ok, status="404") == 1
    assert value(samples, "portal_http_request_duration_seconds_count", **ok) == 4


def test_unknown_actions_and_paths_share_one_label_each(client: FlaskClient) -> None:
    for name in ("probe_one", "probe_two"):
        client.get(f"/api/3/action/{name}")
        client.get(f"/wp-admin/{name}.php")
    samples = scrape(client)
    endpoints = {
        dict(labels)["endpoint"] for name, labels in samples if name == "portal_http_requests_total"
    }
    assert {"action:unknown", "unmatched"} <= endpoints
    assert not any("probe" in endpoint for endpoint in endpoints)


def test_queue_depth_reflects_enqueued_jobs(queued_app: Flask) -> None:
    client = queued_app.test_client()
    assert value(scrape(client), "portal_job_queue_depth") == 0
    queue = queued_app.extensions["portal.queue"]
    queue.enqueue("search.retry_pending")
    queue.enqueue("search.retry_pending")
    samples = scrape(client)
    assert value(samples, "portal_job_queue_depth") == 2
    assert value(samples, "portal_job_worker_up") == 0  # nobody consumes them


def test_a_job_failing_its_last_attempt_is_counted(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails() -> None:
        raise RuntimeError("数据源无法访问")

    monkeypatch.setitem(TASKS, "test.fails", TaskSpec("test.fails", fails, 0, 0))
    queue = app.extensions["portal.queue"]  # memory://: the job runs at once, here
    for _ in range(2):
        try:
            queue.enqueue("test.fails")
        except Exception:  # huey may hand the error to the caller; the count is the point
            pass
    samples = scrape(app.test_client())
    assert value(samples, "portal_jobs_failed_total", task="test.fails") == 2
    assert value(samples, "portal_job_errors_total", task="test.fails") == 2


def test_outbox_backlog_and_index_lag(app: Flask) -> None:
    session = app.extensions["portal.db"].session()
    session.add_all(
        [
            SearchOutbox(dataset_id="a" * 36, created=utcnow() - timedelta(hours=1)),
            SearchOutbox(dataset_id="b" * 36),
            SearchOutbox(dataset_id="c" * 36, applied_at=utcnow()),
        ]
    )
    session.commit()
    samples = scrape(app.test_client())
    assert value(samples, "portal_search_outbox_pending") == 2
    assert 3600 <= value(samples, "portal_search_index_lag_seconds") < 3700


def test_datastore_loads_by_state(app: Flask) -> None:
    session = app.extensions["portal.db"].session()
    for number, state in enumerate(("done", "done", "error", "pending")):
        session.add(DatastoreStatus(resource_id=f"r{number}", package_id="p", state=state))
    session.commit()
    samples = scrape(app.test_client())
    assert value(samples, "portal_datastore_loads", state="done") == 2
    assert value(samples, "portal_datastore_loads", state="error") == 1
    assert value(samples, "portal_datastore_loads", state="pending") == 1
    assert value(samples, "portal_datastore_loads", state="loading") == 0


def test_metrics_are_refused_to_remote_and_proxied_clients(client: FlaskClient) -> None:
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert remote.status_code == 403
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 403


def test_a_metrics_token_admits_whoever_sends_it(settings: Settings) -> None:
    app = create_app(dataclasses.replace(settings, metrics_token="s3cret"))
    client = app.test_client()
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics").status_code == 403
    headers = {"Authorization": "Bearer wrong"}
    assert client.get("/metrics", headers=headers, environ_base=remote).status_code == 403
    headers = {"Authorization": "Bearer s3cret"}
    assert client.get("/metrics", headers=headers, environ_base=remote).status_code == 200
    app.extensions["portal.db"].dispose()


def test_every_response_carries_a_generated_request_id(client: FlaskClient) -> None:
    ids = {client.get(path).headers["X-Request-ID"] for path in ("/healthz", "/没有这页")}
    assert len(ids) == 2
    assert all(len(request_id) == 32 for request_id in ids)


def test_a_sane_incoming_request_id_is_echoed(client: FlaskClient) -> None:
    incoming = "lb-1f3a.9_Z" + "x" * 117  # 128 characters
    response = client.get("/api/3/action/status_show", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["x" * 129, "has space", "请求-1", "a;b=c", "a/b", "<script>"])
def test_a_bad_incoming_request_id_is_replaced(client: FlaskClient, incoming: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": incoming.encode().decode("latin-1")})
    returned = response.headers["X-Request-ID"]
    assert returned != incoming and len(returned) == 32 and returned.isalnum()


def test_each_request_logs_one_json_line_without_secrets(
    json_app: Flask, capsys: pytest.CaptureFixture
) -> None:

    person = make_user(json_app, "数据管理员")
    client = json_app.test_client()
    capsys.readouterr()
    response = client.get(
        "/api/3/action/package_search",
        query_string={"q": "公交"},
        headers={**person.headers, "X-Request-ID": "req-42"},
    )
    assert response.status_code == 200
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "portal.request"]
    assert len(requests) == 1
    line = requests[0]
    assert line["request_id"] == "req-42"
    assert line["level"] == "info" and line["time"].endswith("+00:00")
    assert line["method"] == "GET" and line["endpoint"] == "action:package_search"
    assert line["status"] == 200 and isinstance(line["duration_ms"], float)
    assert line["user_id"] == person.user.id
    assert person.token not in err and "@example.gov.cn" not in err and "127.0.0.1" not in err
    assert "公交" not in err  # no query strings either


@pytest.mark.server
def test_the_gunicorn_config_adds_up_every_workers_requests(tmp_path: Path) -> None:
    """docker/gunicorn.conf.py with two workers: whichever answers /metrics counts the
    requests of both (PROMETHEUS_MULTIPROC_DIR), and the log is JSON lines only."""
    port = free_port()
    instance = tmp_path / "instance"
    env = portal_env(instance, port, {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")})
    env |= {"PORTAL_WORKERS": "2", "PORTAL_LINKCHECK": "0"}
    portal = LivePortal(f"http://127.0.0.1:{port}", "", instance, port, tmp_path / "log", 2, env)
    portal.portal("db", "upgrade")
    command = [str(Path(sys.executable).parent / "gunicorn"), "--config", str(GUNICORN_CONF)]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    with open(portal.log_path, "wb") as log_file:
        portal.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_for_health(portal)
        search = f"{portal.url}/api/3/action/package_search?q=%E5%85%AC%E4%BA%A4"
        for _ in range(12):
            LOCAL.open(search, timeout=10).read()
        for _ in range(4):  # each scrape may land on either worker
            text = LOCAL.open(f"{portal.url}/metrics", timeout=10).read().decode()
            samples = {
                (sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
            }
            ok = {"endpoint": "action:package_search", "method": "GET", "status": "200"}
            assert value(samples, "portal_http_requests_total", **ok) == 12
    finally:
        stop(portal)
    lines = [line for line in portal.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert (
        sum(
            record["endpoint"] == "action:package_search"
            for record in records
            if record["logger"] == "portal.request"
        )
        == 12
    )
    assert "%E5%85%AC" not in portal.log()  # no query strings (gunicorn's access log is off)


def test_a_retried_job_counts_each_error_but_fails_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails() -> None:
        raise RuntimeError("接口超时")

    monkeypatch.setitem(TASKS, "test.retried", TaskSpec("test.retried", fails, 1, 0))
    try:
        app.extensions["portal.queue"].enqueue("test.retried")
    except Exception:  # huey may hand the last error to the caller
        pass
    samples = scrape(app.test_client())
    assert value(samples, "portal_job_errors_total", task="test.retried") == 2
    assert value(samples, "portal_jobs_failed_total", task="test.retried") == 1


def test_other_log_records_of_a_request_carry_its_id(
    json_app: Flask, capsys: pytest.CaptureFixture
) -> None:
    def warns() -> str:
        logging.getLogger("portal.preview").warning("预览生成失败")
        return "ok"

    json_app.add_url_rule("/warns", view_func=warns)
    capsys.readouterr()
    json_app.test_client().get("/warns", headers={"X-Request-ID": "req-7"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    warning = next(line for line in lines if line["logger"] == "portal.preview")
    assert warning["level"] == "warning" and warning["message"] == "预览生成失败"
    assert warning["request_id"] == "req-7"
    assert {line["request_id"] for line in lines} == {"req-7"}
