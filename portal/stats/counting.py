"""Counting downloads: one atomic upsert per download into the day's row of the resource.

`count_download(session, request, dataset_id, resource_id)` is what the download routes call:
it leaves out HEAD requests and obvious robots, then `record_download` adds one to the
(resource, today) row with INSERT .. ON CONFLICT DO UPDATE in its own short write transaction
(BEGIN IMMEDIATE on SQLite, see portal.database.begin_write), so concurrent downloads never
lose a count and never wait on each other for longer than that one statement.

Counting must never make a download fail: a database error is logged and the download goes on.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal.database import begin_write, utcnow
from portal.stats.models import DownloadCount

if TYPE_CHECKING:
    from flask import Request
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Crawlers name themselves: Googlebot, bingbot, Baiduspider, Sogou web spider, Yahoo! Slurp...
ROBOT = re.compile(r"bot|crawler|spider|slurp", re.IGNORECASE)


def today() -> date:
    """The counting day: the UTC date, like every stored timestamp."""
    return utcnow().date()


def is_countable(method: str, user_agent: str | None) -> bool:
    """Whether a request is a download to count: not a HEAD, not an obvious robot."""
    return method.upper() != "HEAD" and not ROBOT.search(user_agent or "")


def count_download(session: Session, request: Request, dataset_id: str, resource_id: str) -> bool:
    """Record one download of the resource for this request, unless it is not countable."""
    if not is_countable(request.method, request.headers.get("User-Agent")):
        return False
    return record_download(session, dataset_id, resource_id)


def record_download(
    session: Session, dataset_id: str, resource_id: str, day: date | None = None
) -> bool:
    """Add one download to the resource's row of `day` (today) in a write transaction of its
    own, committed here. Returns whether it was recorded; database errors are logged, never
    raised.

    Call it when the request's own work is done: a read transaction still open is ended
    first (portal.database.begin_write), and nothing may be pending in the session."""
    try:
        begin_write(session)
        _increment(session, dataset_id, resource_id, day or today())
        session.commit()
        return True
    except SQLAlchemyError:
        log.warning("Download of resource %s not counted", resource_id, exc_info=True)
        try:
            session.rollback()
        except SQLAlchemyError:  # pragma: no cover - the connection itself is gone
            log.debug("Rollback after a failed download count failed", exc_info=True)
        return False


UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _increment(session: Session, dataset_id: str, resource_id: str, day: date) -> None:
    values = {"resource_id": resource_id, "day": day, "dataset_id": dataset_id, "count": 1}
    upsert = UPSERT.get(session.get_bind().dialect.name)
    if upsert is not None:
        session.execute(
            upsert(DownloadCount)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[DownloadCount.resource_id, DownloadCount.day],
                set_={"count": DownloadCount.count + 1},
            )
        )
        return
    # Another database (none is supported today): UPDATE, then INSERT the day's first count.
    # Two first downloads racing there make one fail on the key: logged as not counted.
    changed = session.execute(  # pragma: no cover
        update(DownloadCount)
        .where(DownloadCount.resource_id == resource_id, DownloadCount.day == day)
        .values(count=DownloadCount.count + 1)
    )
    if not changed.rowcount:  # pragma: no cover
        session.execute(insert(DownloadCount).values(**values))
