"""Background work for search: retrying index updates left in the outbox."""

from __future__ import annotations

from flask import current_app

from portal.jobs.queue import task
from portal.search import index


@task(name="search.retry_pending", retries=0, schedule={"minute": "*"})
def retry_pending() -> int:
    """Every minute: push changes an engine outage left pending, forget old applied rows."""
    return index.retry_pending(current_app)
