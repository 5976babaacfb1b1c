"""Readiness: `/readyz` checks what the portal needs to do its work, unlike `/healthz` (which
says the process answers, and stays trivial: it is the load balancers' liveness probe and the
benchmarks' floor).

Checks: the metadata database, the search engine, file storage, the job queue and a worker
serving it (its heartbeat, see portal.jobs.heartbeat). 200 with every check's status when all
pass; 503 with the same body, naming the failed ones, otherwise. Every check is bounded and
catches its own errors: a broken backend is a failed check, never a 500.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app
from sqlalchemy import text

from portal.search.engine import SearchRequest
from portal.search.index import engine
from portal.search.syntax import All

bp = Blueprint("health", __name__)

# The storage key probed: never written, so `exists` answers False on a working store.
PROBE_KEY = "readyz/probe"


def check_database(app: Flask) -> str | None:
    with app.extensions["portal.db"].factory() as session:
        session.execute(text("SELECT 1"))
    return None


def check_search(app: Flask) -> str | None:
    engine(app).search(SearchRequest(query=All(), rows=0))
    return None


def check_storage(app: Flask) -> str | None:
    app.extensions["portal.storage"].exists(PROBE_KEY)
    return None


def check_queue(app: Flask) -> str | None:
    app.extensions["portal.queue"].pending()
    return None


def check_worker(app: Flask) -> str | None:
    return app.extensions["portal.queue"].worker_problem()


CHECKS: dict[str, Callable[[Flask], str | None]] = {
    "database": check_database,
    "search": check_search,
    "storage": check_storage,
    "queue": check_queue,
    "worker": check_worker,
}


def run_checks(app: Flask) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            problem = check(app)
        except Exception as exc:  # a broken backend is what this endpoint reports
            problem = f"{exc.__class__.__name__}: {exc}"[:500]
        result: dict[str, object] = {"status": "ok" if problem is None else "failed"}
        if problem is not None:
            result["error"] = problem
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return results


@bp.get("/readyz")
def readyz() -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checks = run_checks(app)
    failed = [name for name, result in checks.items() if result["status"] != "ok"]
    body = {"status": "failed" if failed else "ok", "failed": failed, "checks": checks}
    response = Response(
        json.dumps(body, ensure_ascii=False),
        status=503 if failed else 200,
        mimetype="application/json",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
