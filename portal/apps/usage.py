"""Counting Action API calls per action, day and token: in memory on the request path, written
in batches the way portal.stats.usage writes page views (same flusher thread, same interval,
same bounded buffer, same INSERT .. ON CONFLICT DO UPDATE count = count + n).

Every call of a known action through /api/3/action/* or /api/action/* counts, whatever its
outcome, except one the rate limiter refused (it never ran). Robots count too: an API client
is a program by nature. Only the action, the day and the token (with its application) are
kept: calls without a token are counted under "", with no address.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from flask import current_app, request
from sqlalchemy.exc import SQLAlchemyError

from portal.actions import REGISTRY
from portal.apps.models import ApiCallCount
from portal.auth.login import request_token, token_from_request
from portal.database import write_transaction
from portal.jobs.periodic import start
from portal.stats.counting import UPSERT, today
from portal.stats.usage import FLUSH_INTERVAL, MAX_PENDING

if TYPE_CHECKING:
    from flask import Flask, Response

log = logging.getLogger(__name__)

EXTENSION = "portal.api_usage"
API_ENDPOINT = "api.dispatch"
_CREATE = threading.Lock()

Key = tuple[date, str, str]  # day, action, token id


class ApiCallBuffer:
    """One process's calls not yet written, with the application of each token seen."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.calls: Counter[Key] = Counter()
        self.apps: dict[str, str] = {}

    def add(self, action: str, token_id: str, app_id: str) -> None:
        key = (today(), action, token_id)
        with self.lock:
            if key in self.calls or len(self.calls) < MAX_PENDING:
                self.calls[key] += 1
                self.apps[token_id] = app_id

    def take(self) -> tuple[Counter[Key], dict[str, str]]:
        with self.lock:
            taken = self.calls, self.apps
            self.calls, self.apps = Counter(), {}
        return taken

    def put_back(self, calls: Counter[Key], apps: dict[str, str]) -> None:
        with self.lock:
            self.calls.update(calls)
            for token_id, app_id in apps.items():
                self.apps.setdefault(token_id, app_id)


def buffer_of(app: Flask) -> ApiCallBuffer:
    """This process's buffer (a forked process starts its own), with its flusher running."""
    app = getattr(app, "_get_current_object", lambda: app)()
    buffer = app.extensions.get(EXTENSION)
    if buffer is not None and buffer.pid == os.getpid():
        return buffer
    with _CREATE:
        buffer = app.extensions.get(EXTENSION)
        if buffer is None or buffer.pid != os.getpid():
            buffer = app.extensions[EXTENSION] = ApiCallBuffer()
            if not app.testing:
                start("portal-api-usage-flush", FLUSH_INTERVAL, lambda: flush(app))
                atexit.register(flush, app)
    return buffer


def count_call(response: Response) -> Response:
    """after_request: count this response's API action call, if it is one."""
    if request.endpoint != API_ENDPOINT or response.status_code == 429:
        return response
    name = (request.view_args or {}).get("name", "")
    if name not in REGISTRY:
        return response
    token = request_token() if token_from_request() is not None else None
    token_id, app_id = (token.id, token.app_id or "") if token is not None else ("", "")
    buffer_of(current_app).add(name, token_id, app_id)
    return response


def flush(app: Flask) -> int:
    """Write this process's buffered calls in one transaction; return the rows added to. A
    database error is logged and the calls wait for the next round."""
    buffer = buffer_of(app)
    calls, apps = buffer.take()
    if not calls:
        return 0
    rows = [
        {"day": day, "action": action, "token_id": token_id, "app_id": apps[token_id], "count": n}
        for (day, action, token_id), n in calls.items()
    ]
    try:
        with app.extensions["portal.db"].factory() as session, write_transaction(session):
            _write(session, rows)
    except SQLAlchemyError:
        log.warning("API call counts not written yet, retried next round", exc_info=True)
        buffer.put_back(calls, apps)
        return 0
    return len(rows)


def _write(session: Any, rows: list[dict[str, Any]]) -> None:
    statement = UPSERT[session.get_bind().dialect.name](ApiCallCount)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ApiCallCount.day, ApiCallCount.action, ApiCallCount.token_id],
            set_={"count": ApiCallCount.count + statement.excluded.count},
        ),
        rows,
    )


def init_app(app: Flask) -> None:
    app.after_request(count_call)
