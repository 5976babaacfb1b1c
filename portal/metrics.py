"""`/metrics` in the Prometheus text format (prometheus-client), beside /healthz and /readyz.

Two kinds of figures:
- per request, counted in the process that served it: `portal_http_requests_total` and
  `portal_http_request_duration_seconds`, labelled by method and endpoint (the URL rule, or
  `action:<name>` for the Action API, see portal.request_log.endpoint_label), never by raw path;
- read from the shared backends when scraped (`PortalCollector`): job queue depth and worker,
  failed jobs, the search outbox backlog and index lag, DataStore loads and harvest jobs by
  status. Every web node reports the same values for these.

Each app has its own CollectorRegistry, so several apps in one process (the tests) never share
or clash over a metric.

Several gunicorn workers: without PROMETHEUS_MULTIPROC_DIR each worker counts its own requests
and a scrape sees the worker that answered it. With PROMETHEUS_MULTIPROC_DIR set (to an empty
directory, before the workers start: docker/gunicorn.conf.py does it and clears it at start)
prometheus-client keeps the counters in files there and a scrape adds up all workers.

Access: with PORTAL_METRICS_TOKEN set, only `Authorization: Bearer <token>`; without it, only
clients on the loopback address whose request was not relayed by an untrusted proxy (a reverse
proxy on the same host would otherwise make every visitor look local).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterator

from flask import Blueprint, Flask, Response, current_app, request
from huey import signals
from huey.api import Task
from huey.storage import BaseStorage
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from portal.database import utcnow
from portal.datastore.models import DatastoreStatus
from portal.jobs.queue import TASKS
from portal.request_log import elapsed, endpoint_label
from portal.search.models import SearchOutbox

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)

METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Keys of the queue's own atomic counters (huey storage.incr), shared by all workers.
FAILED_KEY = "portal.metrics.jobs_failed:"
ERRORS_KEY = "portal.metrics.job_errors:"
# No `*_created` series beside every counter: they double the output and nobody graphs them.
disable_created_metrics()


class RequestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "portal_http_requests",
            "HTTP requests answered, by method, endpoint and status.",
            ("method", "endpoint", "status"),
            registry=registry,
        )
        self.duration = Histogram(
            "portal_http_request_duration_seconds",
            "Time to answer a request (until the response starts), by method and endpoint.",
            ("method", "endpoint"),
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )

    def observe(self, response: Response) -> Response:
        method = request.method if request.method in METHODS else "OTHER"
        endpoint = endpoint_label()
        self.requests.labels(method, endpoint, str(response.status_code)).inc()
        self.duration.labels(method, endpoint).observe(elapsed())
        return response


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _by_label(name: str, documentation: str, label: str, counts: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=(label,))
    for key, count in sorted(counts.items()):
        family.add_metric((str(key),), count)
    return family


def queue_metrics(app: Flask) -> Iterator[Metric]:
    queue = app.extensions["portal.queue"]
    yield _gauge("portal_job_queue_depth", "Jobs waiting in the queue.", queue.pending())
    yield _gauge(
        "portal_job_worker_up",
        "1 when a job worker serves the queue (its heartbeat is fresh), else 0.",
        0 if queue.worker_problem() else 1,
    )
    storage = queue.huey.storage
    failed = CounterMetricFamily(
        "portal_jobs_failed", "Jobs that failed after their last retry, by task.", labels=("task",)
    )
    errors = CounterMetricFamily(
        "portal_job_errors", "Job runs that raised (retried or not), by task.", labels=("task",)
    )
    for name in sorted(TASKS):
        # incr by 0 reads a counter atomically on every engine (the storages have no getter).
        failed.add_metric((name,), storage.incr(FAILED_KEY + name, 0))
        errors.add_metric((name,), storage.incr(ERRORS_KEY + name, 0))
    yield failed
    yield errors


def search_metrics(app: Flask) -> Iterator[Metric]:
    with app.extensions["portal.db"].factory() as session:
        count, oldest = session.execute(
            select(func.count(), func.min(SearchOutbox.created)).where(
                SearchOutbox.applied_at.is_(None)
            )
        ).one()
    yield _gauge("portal_search_outbox_pending", "Dataset changes not yet in the index.", count)
    lag = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    yield _gauge(
        "portal_search_index_lag_seconds",
        "Age of the oldest change not yet in the search index (0: the index is current).",
        max(0.0, lag),
    )


def datastore_metrics(app: Flask) -> Iterator[Metric]:
    with app.extensions["portal.db"].factory() as session:
        rows = session.execute(
            select(DatastoreStatus.state, func.count()).group_by(DatastoreStatus.state)
        ).all()
    counts = {state: 0 for state in ("pending", "loading", "done", "error")} | dict(rows)
    yield _by_label("portal_datastore_loads", "DataStore tables by load state.", "state", counts)


def harvest_metrics(app: Flask) -> Iterator[Metric]:
    from harvesters.models import HarvestJob

    with app.extensions["portal.db"].factory() as session:
        rows = session.execute(
            select(HarvestJob.status, func.count()).group_by(HarvestJob.status)
        ).all()
    yield _by_label("portal_harvest_jobs", "Harvest jobs by status.", "status", dict(rows))


PROBES: dict[str, Callable[[Flask], Iterator[Metric]]] = {
    "queue": queue_metrics,
    "search": search_metrics,
    "datastore": datastore_metrics,
    "harvest": harvest_metrics,
}


class PortalCollector(Collector):
    """The backends' figures, read at scrape time; a broken backend is a failed probe
    (`portal_metrics_probe_up` 0), never a failed scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self) -> list[Metric]:
        # Without describe, registering would run every probe (database queries) at start-up.
        return []

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "portal_metrics_probe_up", "1 when the probe could read its backend.", labels=("probe",)
        )
        for name, probe in PROBES.items():
            try:
                families = list(probe(self.app))
            except Exception as exc:  # a broken backend is what the scrape reports
                log.warning("metrics probe %s failed: %s", name, exc)
                up.add_metric((name,), 0)
                continue
            up.add_metric((name,), 1)
            yield from families
        yield up


def count_job_error(storage: BaseStorage, task: Task) -> None:
    """huey's SIGNAL_ERROR handler, in the process running the job (a worker, or the caller
    of a memory:// queue). The counters live in the queue, so every web node reads them."""
    name = task.name if task.name in TASKS else "other"
    storage.incr(ERRORS_KEY + name)
    if not task.retries:  # huey retries while task.retries > 0: this was the last attempt
        storage.incr(FAILED_KEY + name)


def _registry(app: Flask) -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return app.extensions["portal.metrics"]
    from prometheus_client.multiprocess import MultiProcessCollector

    # All workers' request counters from their files, plus this node's probes.
    registry = CollectorRegistry(auto_describe=True)
    MultiProcessCollector(registry)
    registry.register(PortalCollector(app))
    return registry


def allowed(app: Flask) -> bool:
    settings = app.extensions["portal.settings"]
    if settings.metrics_token:
        given = request.headers.get("Authorization", "").strip()
        given = given[7:].strip() if given.lower().startswith("bearer ") else given
        return hmac.compare_digest(given.encode(), settings.metrics_token.encode())
    if not settings.trusted_proxies and "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics() -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not allowed(app):
        return Response("Forbidden\n", status=403, mimetype="text/plain")
    response = Response(generate_latest(_registry(app)), mimetype=None)
    # The classic text format: every Prometheus (2.x included) reads it; the names are ASCII.
    response.headers["Content-Type"] = CONTENT_TYPE_PLAIN_0_0_4
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    registry = CollectorRegistry(auto_describe=True)
    app.extensions["portal.metrics"] = registry
    app.after_request(RequestMetrics(registry).observe)
    registry.register(PortalCollector(app))
    storage = app.extensions["portal.queue"].huey.storage
    app.extensions["portal.queue"].huey.signal(signals.SIGNAL_ERROR)(
        lambda _signal, task, *_exc: count_job_error(storage, task)
    )
    app.register_blueprint(bp)
