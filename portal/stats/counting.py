"""Counting downloads: atomic upserts into the day's row of the resource and the dataset's total.

`count_download(session, request, dataset_id, resource_id)` is what the download routes call:
it leaves out HEAD requests and obvious robots, then `record_download` adds one to the
(resource, today) row and to the dataset's total with INSERT .. ON CONFLICT DO UPDATE, in its
own short write transaction (BEGIN IMMEDIATE on SQLite, see portal.database.begin_write), so
concurrent downloads never lose a count and never wait on each other for longer than that.

Counting must never make a download fail: a database error is logged and the download goes on.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal.database import utcnow, write_transaction
from portal.stats import rollup
from portal.stats.models import DownloadCount, DownloadTotal

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
    if not record_download(session, dataset_id, resource_id):
        return False
    # Imported here: portal.stats.usage builds on this module.
    from portal.stats.usage import note_download

    note_download(current_app, dataset_id)
    return True


def record_download(
    session: Session, dataset_id: str, resource_id: str, day: date | None = None, count: int = 1
) -> bool:
    """Add `count` downloads (one) to the resource's row of `day` (today) and to the dataset's
    total, in a write transaction of its own, committed here. Returns whether they were
    recorded; database errors are logged, never raised.

    Call it when the request's own work is done: a read transaction still open is ended
    first (portal.database.begin_write), and nothing may be pending in the session."""
    daily = {"resource_id": resource_id, "day": day or today(), "dataset_id": dataset_id}
    try:
        with write_transaction(session):
            _add(session, DownloadCount, daily, ("resource_id", "day"), count)
            _add(session, DownloadTotal, {"dataset_id": dataset_id}, ("dataset_id",), count)
            rollup.add(session, {(dataset_id, daily["day"]): (0, count)})
    except SQLAlchemyError:  # also a rollback that fails: the connection itself is gone
        log.warning("Download of resource %s not counted", resource_id, exc_info=True)
        return False
    return True


UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _add(
    session: Session, model: type, key: dict[str, Any], key_columns: tuple[str, ...], count: int
) -> None:
    """count += `count` on the row with this key, created at `count` when it is the first."""
    upsert = UPSERT.get(session.get_bind().dialect.name)
    if upsert is not None:
        session.execute(
            upsert(model)
            .values(**key, count=count)
            .on_conflict_do_update(
                index_elements=[getattr(model, c) for c in key_columns],
                set_={"count": model.count + count},
            )
        )
        return
    # Another database (none is supported today): UPDATE, then INSERT the first count.
    # Two first downloads racing there make one fail on the key: logged as not counted.
    where = [getattr(model, c) == key[c] for c in key_columns]  # pragma: no cover
    changed = session.execute(  # pragma: no cover
        update(model).where(*where).values(count=model.count + count)
    )
    if not changed.rowcount:  # pragma: no cover
        session.execute(insert(model).values(**key, count=count))
