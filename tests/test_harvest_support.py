"""Shared pieces of the harvest tests (a local HTTP server serving fixtures, a fake CKAN API,
helpers to create sources and run jobs) and the tests of the small helpers of harvesters.records.

The fixture server listens on 127.0.0.1 only; each test allow-lists exactly its host:port in
PORTAL_HARVEST_ALLOWED_HOSTS, so the SSRF guard stays on for everything else.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from harvesters.actions import open_job
from harvesters.models import HarvestJob, HarvestJobError, HarvestRecord
from harvesters.records import canonical_json, clean_tags, content_hash, name_candidates, slugify
from portal.actions import Context, batch, call
from portal.catalog.models import Dataset

Response = tuple[int, dict[str, str], bytes]
Handler = Callable[[str, dict[str, list[str]]], Response]
JSON = {"Content-Type": "application/json"}


@dataclass
class FixtureServer:
    """A threaded HTTP server on 127.0.0.1: `routes[path]` is a Response or a Handler. A
    negative status makes the server accept the request and stay silent that many seconds."""

    routes: dict[str, Response | Handler] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        assert self.httpd is not None
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def start(self) -> FixtureServer:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                server.hits.append(self.path)
                route = server.routes.get(parts.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                elif callable(route):
                    status, headers, body = route(self.path, parse_qs(parts.query))
                else:
                    status, headers, body = route
                if status < 0:
                    threading.Event().wait(-status)
                    return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


def start_server(monkeypatch: pytest.MonkeyPatch) -> FixtureServer:
    """A fixture server whose host:port (and nothing else local) the harvester may reach."""
    server = FixtureServer().start()
    monkeypatch.setenv("PORTAL_HARVEST_ALLOWED_HOSTS", server.host)
    return server


# --- a fake CKAN Action API -------------------------------------------------------------------


def ckan_dataset(number: int, **overrides: Any) -> dict[str, Any]:
    """A remote CKAN dataset dict as package_search returns it."""
    data = {
        "id": f"remote-{number:05d}",
        "name": f"remote-dataset-{number}",
        "title": f"Remote dataset {number}",
        "notes": f"Description of dataset {number}.",
        "license_id": "cc-by-4.0",
        "license_title": "Creative Commons Attribution 4.0",
        "type": "dataset",
        "private": False,
        "state": "active",
        "metadata_created": "2024-01-01T00:00:00",
        "metadata_modified": "2024-01-01T00:00:00",
        "organization": {"name": "remote-org", "title": "Remote organisation"},
        "tags": [{"name": "transport"}, {"name": f"tag{number % 7}"}],
        "groups": [],
        "extras": [{"key": "source_system", "value": "fake ckan"}],
        "resources": [
            {
                "id": f"res-{number}-{i}",
                "url": f"http://files.example.com/{number}/{i}.csv",
                "name": f"File {i}",
                "format": "CSV",
                "position": i,
            }
            for i in range(1 + number % 3)
        ],
    }
    data.update(overrides)
    return data


def _envelope(result: Any, success: bool = True) -> Response:
    body = {"help": "fake", "success": success}
    body["result" if success else "error"] = result
    return 200, JSON, json.dumps(body).encode()


@dataclass
class FakeCkan:
    """package_search (rows, start, fq on metadata_modified, fl) and package_show over a list
    of datasets that a test may change between runs."""

    datasets: list[dict[str, Any]]
    searches: list[dict[str, list[str]]] = field(default_factory=list)

    def install(self, server: FixtureServer) -> str:
        server.routes["/api/3/action/package_search"] = self.search
        server.routes["/api/3/action/package_show"] = self.show
        return server.url("")

    def search(self, _path: str, params: dict[str, list[str]]) -> Response:
        self.searches.append(params)
        rows = int(params.get("rows", ["10"])[0])
        start = int(params.get("start", ["0"])[0])
        found = list(self.datasets)
        fq = params.get("fq", [""])[0]
        if fq.startswith("metadata_modified:["):
            since = fq.split("[", 1)[1].split(" TO ", 1)[0].rstrip("Z")
            moment = datetime.fromisoformat(since)
            found = [d for d in found if datetime.fromisoformat(d["metadata_modified"]) >= moment]
        page = found[start : start + rows]
        if "fl" in params:
            keys = params["fl"][0].split(",")
            page = [{k: d.get(k) for k in keys} for d in page]
        return _envelope({"count": len(found), "results": page})

    def show(self, _path: str, params: dict[str, list[str]]) -> Response:
        wanted = params.get("id", [""])[0]
        for dataset in self.datasets:
            if wanted in (dataset["id"], dataset["name"]):
                return _envelope(dataset)
        return 404, JSON, json.dumps({"success": False, "error": {"message": "nf"}}).encode()


# --- running harvests through the actions ------------------------------------------------------


def site(app: Flask) -> Context:
    return Context(session=app.extensions["portal.db"].session(), app=app, ignore_auth=True)


def unqueued_job(app: Flask, source: str, session: Session | None = None) -> HarvestJob:
    """A new job under harvest_job_create's rules, not queued (as `portal harvest run` makes
    it), committed in `session` (a new one by default)."""
    session = session or app.extensions["portal.db"].factory()
    context = Context(session=session, app=app, ignore_auth=True)
    with batch(context):
        job = open_job(context, source)
    return job


def make_source(
    app: Flask, org: Any, url: str, source_type: str = "ckan", name: str = "remote", **extra: Any
) -> dict[str, Any]:
    data = {"name": name, "title": name.title(), "url": url, "source_type": source_type}
    data.update(owner_org=org.id if hasattr(org, "id") else org, **extra)
    return call("harvest_source_create", site(app), data)


def harvest(app: Flask, source: str, full: bool = False) -> dict[str, Any]:
    """Create a job (the memory queue runs it at once) and return it as it ended."""
    job = call("harvest_job_create", site(app), {"source_id": source, "full": full})
    return call("harvest_job_show", site(app), {"id": job["id"]})


def report(app: Flask, job_id: str, **args: Any) -> dict[str, Any]:
    return call("harvest_job_report", site(app), {"id": job_id, **args})


def records(app: Flask, source_id: str) -> dict[str, HarvestRecord]:
    session = app.extensions["portal.db"].session()
    session.rollback()
    rows = session.scalars(select(HarvestRecord).where(HarvestRecord.source_id == source_id))
    found = {r.remote_id: r for r in rows}
    session.commit()  # end the read: a later write in this session must not upgrade it
    return found


def harvested(app: Flask, source_id: str, state: str | None = "active") -> dict[str, dict]:
    """The datasets harvested from a source, by remote id, as package_show returns them."""
    found = {}
    for rid, record in records(app, source_id).items():
        if record.dataset_id is None:
            continue
        dataset = call("package_show", site(app), {"id": record.dataset_id})
        if state is None or dataset["state"] == state:
            found[rid] = dataset
    return found


def count_datasets(app: Flask) -> int:
    session = app.extensions["portal.db"].session()
    session.rollback()
    count = len(session.scalars(select(Dataset.id)).all())
    session.commit()
    return count


def job_errors(app: Flask, job_id: str) -> list[HarvestJobError]:
    session = app.extensions["portal.db"].session()
    session.rollback()
    errors = list(session.scalars(select(HarvestJobError).where(HarvestJobError.job_id == job_id)))
    session.commit()
    return errors


def extras(dataset: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in dataset["extras"]}


# --- tests of the helpers ----------------------------------------------------------------------


def test_content_hash_ignores_key_order_but_not_values() -> None:
    first = {"title": "公交线路", "tags": [{"name": "a"}], "extras": [{"key": "k", "value": 1}]}
    second = {"extras": [{"value": 1, "key": "k"}], "tags": [{"name": "a"}], "title": "公交线路"}
    assert canonical_json(first) == canonical_json(second)
    assert content_hash(first) == content_hash(second)
    assert content_hash(first) != content_hash({**first, "title": "公交线路 2024"})


def test_slugify_makes_ascii_names_from_chinese_and_accented_titles() -> None:
    assert slugify("公交线路") == "gong-jiao-xian-lu"
    assert slugify("Données ouvertes: Qualité de l'air") == "donnees-ouvertes-qualite-de-l-air"
    assert slugify("") == ""


def test_clean_tags_drops_what_the_dataset_schema_refuses() -> None:
    tags = ["a,b", " a b ", "x" * 150, "", None, {"name": "ok"}, "ok"]
    assert clean_tags(tags) == [{"name": "a b"}, {"name": "x" * 100}, {"name": "ok"}]


def test_a_remote_name_the_catalog_reserves_gives_way_to_the_title() -> None:
    # "new" passes the name pattern but is a page address (/dataset/new): the catalog refuses it.
    names = name_candidates({"name": "new", "title": "公交线路"}, "source-1", "remote-1")
    assert names[0] == "gong-jiao-xian-lu"
    assert name_candidates({"name": "bus-routes"}, "source-1", "remote-1")[0] == "bus-routes"
    assert name_candidates({"title": "Q"}, "source-1", "remote-1")[0] == "dataset-q"
