"""The search refresher: with PORTAL_SEARCH_REFRESH=<seconds>, write actions only record their
outbox row and return; every job worker applies the pending rows that often, in one batch and
one engine commit, the way Elasticsearch's refresh interval makes writes searchable.

Why: indexing inside the request costs an index commit per write (tantivy: a segment and its
fsync, 15-25 ms), several times the write itself. Batched, concurrent writers share one commit
and a write's own latency carries none. The outbox keeps this safe: a row is applied by the
next refresh after the crash of any process, and the periodic retry still runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from portal.jobs.periodic import every
from portal.search.index import apply_outbox

if TYPE_CHECKING:
    from flask import Flask

# The worker refreshes this often when the settings leave indexing in the request ("sync"):
# such writes are indexed already, and the loop then only picks up what an engine outage left.
IDLE_INTERVAL = 1.0


def refresh_once(app: Flask) -> int:
    """Apply everything pending now; return how many datasets were pushed."""
    total = 0
    while (applied := apply_outbox(app)) > 0:
        total += applied
    return total


@contextmanager
def refreshing(app: Flask) -> Iterator[None]:
    """Run the refresher while the block (a worker's consumer loop) runs."""
    interval = app.extensions["portal.settings"].search_refresh or IDLE_INTERVAL

    def refresh() -> None:
        with app.app_context():
            refresh_once(app)

    with every("portal-search-refresh", interval, refresh):
        yield
