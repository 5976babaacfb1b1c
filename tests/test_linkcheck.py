"""The link checker, against a small HTTP server on 127.0.0.1 (allow-listed explicitly)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.catalog.linkcheck import (
    ALLOWED_HOSTS_SETTING,
    PROBE_BYTES,
    check_dataset_links,
    check_link,
    link_status,
    schedule_link_check,
)
from portal.catalog.linkcheck_models import LinkCheck
from portal.catalog.models import Resource
from portal.net.policy import FetchPolicy
from tests.conftest import create_dataset

BIG_BODY = b"a,b\n" * (PROBE_BYTES // 2)  # 128 KB: twice what a GET probe reads


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *_args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/csv") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits[(self.command, self.path)] += 1
        if self.path == "/roads.csv":
            self._send(200, b"road,km\nG4,2285\n", "text/csv; charset=utf-8")
        elif self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "/roads.csv")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/no-head.csv":
            if self.command == "HEAD":
                self._send(405, b"", "text/plain")
            else:
                self._send(200, BIG_BODY, "text/csv")
        else:
            self._send(404, b"not here", "text/html")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up early (size limit, timeout) is expected here

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def linkcheck_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv(ALLOWED_HOSTS_SETTING, "127.0.0.1")
    return app


@pytest.fixture
def dataset(linkcheck_app: Flask, cast, server: Server) -> dict[str, Any]:
    return create_dataset(
        linkcheck_app,
        "highway-lengths",
        cast.transport,
        resources=[
            {"name": "ok", "url": server.url("/roads.csv")},
            {"name": "missing", "url": server.url("/gone.csv")},
            {"name": "no head", "url": server.url("/no-head.csv")},
            {"name": "internal", "url": "http://10.0.0.1/secret.csv"},
        ],
    )


def ids(dataset: dict[str, Any]) -> dict[str, str]:
    return {r["name"]: r["id"] for r in dataset["resources"]}


def stored(app: Flask) -> dict[str, LinkCheck]:
    session = app.extensions["portal.db"].factory()
    try:
        return {row.resource_id: row for row in session.scalars(select(LinkCheck))}
    finally:
        session.close()


def test_scheduled_check_records_each_linked_resource(linkcheck_app, dataset, server):
    schedule_link_check(linkcheck_app, dataset["id"])  # memory:// runs it at once
    rows = stored(linkcheck_app)
    rid = ids(dataset)
    assert set(rows) == set(rid.values())

    ok = rows[rid["ok"]]
    assert (ok.ok, ok.status, ok.error) == (True, 200, None)
    assert ok.final_url == server.url("/roads.csv")
    assert ok.content_type == "text/csv; charset=utf-8"
    assert isinstance(ok.checked_at, datetime) and ok.checked_at.tzinfo is None

    missing = rows[rid["missing"]]
    assert (missing.ok, missing.status) == (False, 404)
    assert missing.error == "The server answered 404 Not Found"
    assert missing.content_type == "text/html"

    no_head = rows[rid["no head"]]
    assert (no_head.ok, no_head.status, no_head.content_type) == (True, 200, "text/csv")
    assert server.hits[("HEAD", "/no-head.csv")] == 1
    assert server.hits[("GET", "/no-head.csv")] == 1

    internal = rows[rid["internal"]]
    assert (internal.ok, internal.status) == (False, None)
    assert internal.error == "Address 10.0.0.1 is a private network address and is not allowed"


def test_link_status_reports_the_last_check_by_resource(linkcheck_app, dataset):
    schedule_link_check(linkcheck_app, dataset["id"])
    session = linkcheck_app.extensions["portal.db"].factory()
    try:
        status = link_status(session, dataset["id"])
    finally:
        session.close()
    rid = ids(dataset)
    assert {name: status[rid[name]]["ok"] for name in rid} == {
        "ok": True,
        "missing": False,
        "no head": True,
        "internal": False,
    }
    assert status[rid["missing"]]["status"] == 404
    assert set(status[rid["ok"]]) == {
        "ok",
        "status",
        "final_url",
        "content_type",
        "error",
        "checked_at",
    }


def test_a_good_head_answer_needs_no_get(linkcheck_app, dataset, server):
    schedule_link_check(linkcheck_app, dataset["id"])
    assert server.hits[("HEAD", "/roads.csv")] == 1
    assert server.hits[("GET", "/roads.csv")] == 0


def test_a_redirected_link_records_where_it_ended(server):
    result = check_link(server.url("/old"), FetchPolicy(allowed_hosts="127.0.0.1"))
    assert result["ok"] is True
    assert result["final_url"] == server.url("/roads.csv")


def test_loopback_links_are_blocked_without_the_allow_list(server):
    result = check_link(server.url("/roads.csv"), FetchPolicy())
    assert result["ok"] is False
    assert "loopback address" in result["error"]
    assert sum(server.hits.values()) == 0


def test_uploads_and_deleted_resources_are_not_checked(linkcheck_app, dataset, server):
    rid = ids(dataset)
    session = linkcheck_app.extensions["portal.db"].factory()
    upload = Resource(
        package_id=dataset["id"],
        url=server.url("/roads.csv"),
        url_type="upload",
        storage_key="x/roads.csv",
        position=9,
    )
    session.add(upload)
    session.get(Resource, rid["internal"]).state = "deleted"
    session.commit()
    upload_id = upload.id
    session.close()

    with linkcheck_app.app_context():
        results = check_dataset_links(dataset["id"], policy=FetchPolicy(allowed_hosts="127.0.0.1"))
    assert set(results) == {rid["ok"], rid["missing"], rid["no head"]}
    assert upload_id not in stored(linkcheck_app)
    assert rid["internal"] not in stored(linkcheck_app)


def test_a_new_check_replaces_the_old_result(linkcheck_app, dataset, server):
    schedule_link_check(linkcheck_app, dataset["id"])
    rid = ids(dataset)["missing"]
    first = stored(linkcheck_app)[rid].checked_at

    session = linkcheck_app.extensions["portal.db"].factory()
    session.get(Resource, rid).url = server.url("/roads.csv")
    session.commit()
    # The URL changed since its check: the old result no longer describes the resource.
    assert rid not in link_status(session, dataset["id"])
    session.close()

    schedule_link_check(linkcheck_app, dataset["id"])
    row = stored(linkcheck_app)[rid]
    assert (row.ok, row.status, row.error) == (True, 200, None)
    assert row.checked_at >= first


def test_a_missing_dataset_is_a_no_op(linkcheck_app):
    with linkcheck_app.app_context():
        assert check_dataset_links("no-such-dataset") == {}
    assert stored(linkcheck_app) == {}
