"""gunicorn settings for a web node of the distributed deployment (the image's default command):

    gunicorn --config docker/gunicorn.conf.py wsgi:app

Jobs run in separate `portal worker` containers (PORTAL_QUEUE_URL=redis://...), so this runs
only web workers; `portal serve` remains the one-process setup with the embedded queue.

Environment: PORTAL_PORT (5000), PORTAL_WORKERS (2 per CPU + 1), PORTAL_THREADS (4),
PORTAL_TIMEOUT (120 s), PORTAL_LOG_FORMAT (json here: one line per request replaces gunicorn's
access log), PROMETHEUS_MULTIPROC_DIR (where every worker keeps its request counters, so
/metrics adds them all up: emptied at start, removed at exit; unset, a fresh temporary one).
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

bind = f"0.0.0.0:{os.environ.get('PORTAL_PORT', '5000')}"
workers = int(os.environ.get("PORTAL_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("PORTAL_THREADS", "4"))
# gunicorn's threaded worker, answering requests it refuses itself with the API's JSON body.
worker_class = "portal.http_worker.PortalWorker"
limit_request_line = 8190  # portal.http_worker.MAX_REQUEST_LINE: long package_search queries
timeout = int(os.environ.get("PORTAL_TIMEOUT", "120"))
graceful_timeout = 30
# Connections a load balancer keeps open between requests: longer than its idle timeout is
# not needed, shorter makes it reconnect (AWS ALB, nginx upstream keepalive default 60 s).
keepalive = int(os.environ.get("PORTAL_KEEPALIVE", "65"))
# Writes return before they are indexed; the worker containers index within half a second
# (what `portal serve` sets too).
os.environ.setdefault("PORTAL_SEARCH_REFRESH", "0.5")
os.environ.setdefault("PORTAL_LOG_FORMAT", "json")
# The portal logs each request as JSON (portal.request_log): gunicorn's access log is off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("PORTAL_GUNICORN_LOGLEVEL", "info")
if os.environ["PORTAL_LOG_FORMAT"] == "json":
    # gunicorn's own lines (start, worker boot and exit, timeouts) as JSON too. Its access
    # logger is silenced outright: a log config turns it on, and its lines carry raw client
    # addresses and query strings, which the portal's request line leaves out.
    logconfig_dict = {
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["json"],
                "propagate": False,
                "qualname": "gunicorn.error",
            },
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"json": {"()": "portal.request_log.JsonFormatter"}},
    }
# A per-user control socket path would be shared by every instance: the portal does not use it.
control_socket_disable = True
# Behind a load balancer the client's address comes in X-Forwarded-For, which the app trusts
# only for PORTAL_TRUSTED_PROXIES hops (werkzeug's ProxyFix), not gunicorn's own list.
forwarded_allow_ips = "127.0.0.1"

# One directory per gunicorn master: two servers sharing one would add up (and, starting,
# wipe) each other's counters. Unset, a fresh one under the temporary directory.
MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="portal-prometheus-"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = MULTIPROC_DIR


def on_starting(server):  # noqa: ANN001, ANN201
    # Counters left by a previous run of this container would be added to the new ones.
    shutil.rmtree(MULTIPROC_DIR, ignore_errors=True)
    Path(MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)


def on_exit(server):  # noqa: ANN001, ANN201
    shutil.rmtree(MULTIPROC_DIR, ignore_errors=True)


def child_exit(server, worker):  # noqa: ANN001, ANN201
    from prometheus_client import multiprocess

    # Drop the live-gauge files of the worker that exited (its counters stay counted).
    multiprocess.mark_process_dead(worker.pid)
