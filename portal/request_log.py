"""Request ids and structured logs.

Every response carries `X-Request-ID`: the one a load balancer sent when it looks like an id
(at most 128 characters of A-Z a-z 0-9 . _ -, so nothing can be injected into logs or headers),
otherwise a new one. With PORTAL_LOG_FORMAT=json every log record becomes one JSON object a line,
carrying the id of the request it belongs to, and each request adds one line of its own
(logger `portal.request`): time, level, request_id, method, endpoint, status, duration_ms and
the caller's user id. Never the path's query string, tokens, e-mail addresses or client addresses.

`endpoint` is the Flask URL rule ("/dataset/<name>") or, for the Action API, `action:<name>` for
registered actions: a bounded set of values, shared with the Prometheus labels (portal.metrics).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

from portal.actions import REGISTRY

HEADER = "X-Request-ID"
INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
log = logging.getLogger("portal.request")
# The API dispatcher's endpoint (portal.api.views.dispatch, both /api/action and /api/3/action).
ACTION_ENDPOINT = "api.dispatch"


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def endpoint_label() -> str:
    """The request's route, never its raw path: unmatched URLs and unknown actions share one
    value each, so scanners cannot grow the label set."""
    rule = request.url_rule
    if rule is None:
        return "unmatched"
    if request.endpoint == ACTION_ENDPOINT:
        name = (request.view_args or {}).get("name", "")
        return f"action:{name}" if name in REGISTRY else "action:unknown"
    return rule.rule


def elapsed() -> float:
    """Seconds since this request started (portal.request_log's first before_request)."""
    return time.perf_counter() - g.get("request_started", time.perf_counter())


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex


def _user_id() -> str | None:
    # Only a caller already looked up by the request: logging must not cost a token lookup.
    context = g.get("portal_context")
    user = getattr(context, "user", None) or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


def _finish(response: Response) -> Response:
    if "request_id" not in g:  # a before_request ahead of ours answered (should not happen)
        _start()
    response.headers[HEADER] = g.request_id
    if log.isEnabledFor(logging.INFO):
        log.info(
            "request",
            extra={
                "portal": {
                    "method": request.method,
                    "endpoint": endpoint_label(),
                    "status": response.status_code,
                    "duration_ms": round(elapsed() * 1000, 2),
                    "user_id": _user_id(),
                }
            },
        )
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object per record: the request's fields (extra={"portal": {...}}) at top level."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id(),
        }
        body.update(getattr(record, "portal", {}))
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (gunicorn and pytest replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def install_json_logging() -> logging.Handler:
    """Send every record through one JSON handler on the root logger (once per process)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, StderrHandler):
            return handler
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler


def init_app(app: Flask) -> None:
    # First of all before_request functions, so the id and the clock exist even when a later
    # one (CSRF, login) answers the request itself.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    if app.extensions["portal.settings"].log_format == "json":
        install_json_logging()
