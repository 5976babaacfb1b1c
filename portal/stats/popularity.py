"""A dataset's popularity figures: what package_show carries and the search index sorts on.

`figures(session, ids)` reads, for a batch of datasets at once, the page views of all time and
of the last 14 days (`views_total`, `views_recent`) and the downloads of all time
(`downloads`, the running total). package_show adds them to the dataset it returns; the search
index stores them with the document (portal.search.index.documents_for), so package_search can
sort by `views_recent desc` and `downloads desc`.

Counts change without any write of the dataset, so the index is refreshed by the usage flush
(portal.stats.usage.flush): the datasets whose counts changed since the last round, at most
MAX_REFRESH a round, get an outbox row like any dataset change, never on the request path.
The index's figures are as of a dataset's last view, download or change: views leaving the
14-day window of a dataset nobody visits any more show at its next refresh (or reindex).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select

from portal.stats.counting import today
from portal.stats.models import DatasetViewCount, DownloadTotal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

RECENT_DAYS = 14  # CKAN's tracking_summary "recent": today and the 13 days before
KEYS = ("views_total", "views_recent", "downloads")
ZERO = dict.fromkeys(KEYS, 0)
# Datasets re-indexed per flush round: a burst on many datasets is spread over a few rounds.
MAX_REFRESH = 500


def recent_start() -> date:
    return today() - timedelta(days=RECENT_DAYS - 1)


def figures(session: Session, ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """views_total, views_recent and downloads of each dataset id (0 where none)."""
    wanted = list(dict.fromkeys(ids))
    found = {dataset_id: dict(ZERO) for dataset_id in wanted}
    if not wanted:
        return found
    recent = func.sum(
        case((DatasetViewCount.day >= recent_start(), DatasetViewCount.count), else_=0)
    )
    views = (
        select(DatasetViewCount.dataset_id, func.sum(DatasetViewCount.count), recent)
        .where(DatasetViewCount.dataset_id.in_(wanted))
        .group_by(DatasetViewCount.dataset_id)
    )
    for dataset_id, total, recent_count in session.execute(views):
        found[dataset_id].update(views_total=int(total or 0), views_recent=int(recent_count or 0))
    downloads = select(DownloadTotal.dataset_id, DownloadTotal.count).where(
        DownloadTotal.dataset_id.in_(wanted)
    )
    for dataset_id, count in session.execute(downloads):
        found[dataset_id]["downloads"] = int(count or 0)
    return found


def add_figures(session: Session, datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dataset dicts with their popularity figures added (in place)."""
    counted = figures(session, [d["id"] for d in datasets])
    for dataset in datasets:
        dataset.update(counted[dataset["id"]])
    return datasets
