"""Counting dataset page views and search queries: in memory on the request path, written in
batches.

Why not a write per request like downloads (portal.stats.counting): every dataset page and
every search would then wait for the database's single writer (SQLite) or a row lock on a
popular dataset's row of the day (PostgreSQL). Instead each process keeps a small buffer:
`count_view` and `count_search` add one to a dict under a lock (microseconds), and `flush`
writes everything buffered in one transaction of a few upserts (INSERT .. ON CONFLICT DO
UPDATE count = count + n, so concurrent processes add up exactly). A background thread of the
process (portal.jobs.periodic.start) flushes every FLUSH_INTERVAL seconds, and once more at
exit; tests call `flush` themselves (no thread runs in a testing app). A crash loses at most
the last few seconds of counts, which statistics can afford.

What is counted: GET requests by people (portal.stats.counting.is_countable: no robots, no
HEAD). Page views of active public datasets only: a private or draft dataset is never counted,
so its views cannot appear in any figure, even after it is published. Searches: the query text,
normalised (`normalise_query`), with its result count, from the /dataset search page and the
package_search API action, first page only (paging through results is one search); staff
searches with include_private / include_drafts are not public use. No address, user or
session is stored, only (term, day) -> count.

A flush also adds the views to the per-day department and theme rollup (portal.stats.rollup)
and refreshes the popularity figures of the datasets whose views or downloads changed in the
search index (portal.stats.popularity), in the same transaction.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import unicodedata
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.actions import Context, transaction
from portal.catalog.models import Dataset
from portal.jobs.periodic import start
from portal.search.index import INDEXED_STATES, record_change
from portal.stats import rollup
from portal.stats.counting import UPSERT, is_countable, today
from portal.stats.models import DatasetViewCount, SearchTermCount
from portal.stats.popularity import MAX_REFRESH

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 5.0  # seconds: the figures are at most this late
MAX_TERM = 100
# Distinct keys kept between two flushes: a flood of unique queries must not grow memory
# without bound; past this, new keys wait out the round (counted keys still add up).
MAX_PENDING = 20_000
# Requests whose package_search is a visitor's search: the search page and the API action.
SEARCH_ENDPOINTS = {"web.search", "api.dispatch"}
EXTENSION = "portal.usage"
_SPACES = re.compile(r"\s+")
_CREATE = threading.Lock()


def normalise_query(q: str) -> str:
    """The stored form of a query: trimmed, runs of spaces as one, Latin letters lowercased,
    at most 100 characters (公交  Bus → 公交 bus)."""
    collapsed = _SPACES.sub(" ", q).strip()
    lowered = "".join(c.lower() if "LATIN" in unicodedata.name(c, "") else c for c in collapsed)
    return lowered[:MAX_TERM].rstrip()


class UsageBuffer:
    """The counts of one process not yet written: views per (dataset, day), searches per
    (term, day) with the result count of the latest one."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.views: Counter[tuple[str, date]] = Counter()
        self.searches: Counter[tuple[str, date]] = Counter()
        self.results: dict[tuple[str, date], int] = {}
        # Datasets whose downloads changed: their figures in the search index need a refresh.
        self.touched: set[str] = set()

    def add_view(self, dataset_id: str) -> None:
        key = (dataset_id, today())
        with self.lock:
            if key in self.views or len(self.views) < MAX_PENDING:
                self.views[key] += 1

    def touch(self, dataset_id: str) -> None:
        with self.lock:
            if dataset_id in self.touched or len(self.touched) < MAX_PENDING:
                self.touched.add(dataset_id)

    def add_search(self, term: str, results: int) -> None:
        key = (term, today())
        with self.lock:
            if key in self.searches or len(self.searches) < MAX_PENDING:
                self.searches[key] += 1
                self.results[key] = results

    def take(self) -> UsageBuffer:
        """Everything buffered so far, leaving this buffer empty."""
        taken = UsageBuffer()
        with self.lock:
            taken.views, self.views = self.views, Counter()
            taken.searches, self.searches = self.searches, Counter()
            taken.results, self.results = self.results, {}
            taken.touched, self.touched = self.touched, set()
        return taken

    def put_back(self, taken: UsageBuffer) -> None:
        """Counts a failed flush took: the next round writes them."""
        with self.lock:
            self.views.update(taken.views)
            self.searches.update(taken.searches)
            for key, results in taken.results.items():
                self.results.setdefault(key, results)
            self.touched.update(taken.touched)


def buffer_of(app: Flask) -> UsageBuffer:
    """This process's buffer (a forked process starts its own), with its flusher running."""
    # The flusher outlives the request: it must hold the app, not the current_app proxy.
    app = getattr(app, "_get_current_object", lambda: app)()
    buffer = app.extensions.get(EXTENSION)
    if buffer is not None and buffer.pid == os.getpid():
        return buffer
    with _CREATE:
        buffer = app.extensions.get(EXTENSION)
        if buffer is None or buffer.pid != os.getpid():
            buffer = app.extensions[EXTENSION] = UsageBuffer()
            if not app.testing:
                start("portal-usage-flush", FLUSH_INTERVAL, lambda: flush(app))
                atexit.register(flush, app)
    return buffer


def count_view(dataset: dict[str, Any]) -> None:
    """Count this request as a view of the dataset's page, when it is one to count."""
    if dataset.get("private") or dataset.get("state") != "active" or not _by_a_person():
        return
    buffer_of(current_app).add_view(dataset["id"])


def count_search(context: Context, args: dict[str, Any], results: int) -> None:
    """Count a package_search (its validated arguments) that a visitor asked for."""
    if (
        args["start"]
        or args["include_private"]
        or args["include_drafts"]
        or not has_request_context()
        or request.endpoint not in SEARCH_ENDPOINTS
        or (request.view_args or {}).get("name", "package_search") != "package_search"
        or not _by_a_person()
    ):
        return
    term = normalise_query(args["q"] or "")
    if term:
        buffer_of(context.app).add_search(term, results)


def flush(app: Flask) -> int:
    """Write this process's buffered counts in one transaction; return how many rows were
    added to. A database error is logged and the counts wait for the next round.

    The datasets whose views or downloads changed get their popularity figures refreshed in
    the search index (an outbox row each, applied after the commit), at most MAX_REFRESH a
    round: the rest wait for the next one."""
    buffer = buffer_of(app)
    taken = buffer.take()
    changed = sorted(taken.touched | {dataset_id for dataset_id, _ in taken.views})
    refresh, later = changed[:MAX_REFRESH], changed[MAX_REFRESH:]
    taken.touched = set()
    if later:
        buffer.put_back(_touched(later))
    if not taken.views and not taken.searches and not refresh:
        return 0
    try:
        with app.extensions["portal.db"].factory() as session:
            context = Context(session=session, app=app, ignore_auth=True)
            with transaction(context):
                written = _write(session, taken)
                _refresh_index(context, refresh)
    except SQLAlchemyError:
        log.warning("Usage counts not written yet, retried next round", exc_info=True)
        taken.touched = set(refresh)
        buffer.put_back(taken)
        return 0
    return written


def note_download(app: Flask, dataset_id: str) -> None:
    """A download was counted (portal.stats.counting): refresh the dataset's figures in the
    search index at the next flush."""
    buffer_of(app).touch(dataset_id)


def _touched(ids: list[str]) -> UsageBuffer:
    pending = UsageBuffer()
    pending.touched = set(ids)
    return pending


def _refresh_index(context: Context, ids: list[str]) -> None:
    """An outbox row for each existing dataset: the index rebuilds its document, figures
    included, after the commit (or the worker's refresher does, portal.search.refresh)."""
    if not ids:
        return
    indexed = select(Dataset.id).where(Dataset.id.in_(ids), Dataset.state.in_(INDEXED_STATES))
    for dataset_id in context.session.scalars(indexed):
        record_change(context, dataset_id)


def _write(session: Any, taken: UsageBuffer) -> int:
    upsert = UPSERT[session.get_bind().dialect.name]
    # A dataset purged since its view was counted has no row to point at: its views go too.
    ids = {dataset_id for dataset_id, _ in taken.views}
    existing = set(session.scalars(select(Dataset.id).where(Dataset.id.in_(ids)))) if ids else set()
    views = [
        {"dataset_id": dataset_id, "day": day, "count": n}
        for (dataset_id, day), n in taken.views.items()
        if dataset_id in existing
    ]
    if views:
        statement = upsert(DatasetViewCount)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[DatasetViewCount.dataset_id, DatasetViewCount.day],
                set_={"count": DatasetViewCount.count + statement.excluded.count},
            ),
            views,
        )
        # The per-day department and theme figures, in the same transaction.
        rollup.add(session, {(v["dataset_id"], v["day"]): (v["count"], 0) for v in views})
    searches = [
        {"term": term, "day": day, "count": n, "results": taken.results[(term, day)]}
        for (term, day), n in taken.searches.items()
    ]
    if searches:
        statement = upsert(SearchTermCount)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[SearchTermCount.day, SearchTermCount.term],
                set_={
                    "count": SearchTermCount.count + statement.excluded.count,
                    "results": statement.excluded.results,
                },
            ),
            searches,
        )
    return len(views) + len(searches)


def _by_a_person() -> bool:
    return is_countable(request.method, request.headers.get("User-Agent"))
