"""Keeping portal.stats.models.UsageRollup in step with the daily counts.

`add(session, counts)` runs in the transaction that writes the daily rows: the usage flush
(page views, portal.stats.usage) and each counted download (portal.stats.counting). It looks
up the counted datasets' department, themes and visibility in two indexed queries and adds
the counts of public, active ones to their (day, department) and (day, theme) rows. So the
monthly, per-department and per-theme figures add up about 30 rows a day, whatever the size
of the catalog.

`rebuild(session, start)` recomputes the rows from the daily counts with the catalog as it is
now (`portal stats rebuild`): after a bulk load of counts, or to take the past use of datasets
made private since out of the aggregates.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from portal.catalog.models import Dataset
from portal.catalog.models import dataset_group as dataset_group_table
from portal.stats.models import DatasetViewCount, DownloadCount, UsageRollup

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Counts = dict[tuple[str, date], tuple[int, int]]  # (dataset id, day) -> (views, downloads)
PUBLIC = (Dataset.state == "active", Dataset.private.is_(False))
UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def dimensions(session: Session, ids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """(kind, key) rows each public active dataset adds to: its department and its themes."""
    found = {
        dataset_id: [("department", owner or "")]
        for dataset_id, owner in session.execute(
            select(Dataset.id, Dataset.owner_org).where(Dataset.id.in_(ids), *PUBLIC)
        )
    }
    if found:
        themes = select(dataset_group_table.c.dataset_id, dataset_group_table.c.group_id).where(
            dataset_group_table.c.dataset_id.in_(list(found))
        )
        for dataset_id, group_id in session.execute(themes):
            found[dataset_id].append(("theme", group_id))
    return found


def add(session: Session, counts: Counts) -> int:
    """Add the counts of public datasets to their rollup rows; return how many rows."""
    dims = dimensions(session, {dataset_id for dataset_id, _ in counts})
    totals: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (dataset_id, day), (views, downloads) in counts.items():
        for kind, key in dims.get(dataset_id, ()):
            total = totals[(day, kind, key)]
            total[0] += views
            total[1] += downloads
    if not totals:
        return 0
    statement = UPSERT[session.get_bind().dialect.name](UsageRollup)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[UsageRollup.day, UsageRollup.kind, UsageRollup.key],
            set_={
                "views": UsageRollup.views + statement.excluded.views,
                "downloads": UsageRollup.downloads + statement.excluded.downloads,
            },
        ),
        [
            {"day": day, "kind": kind, "key": key, "views": v, "downloads": d}
            for (day, kind, key), (v, d) in totals.items()
        ],
    )
    return len(totals)


def rebuild(session: Session, start: date | None = None) -> int:
    """Recompute the rows from `start` on (all when None) from the daily counts; the caller
    commits. Returns how many rows there are now from `start` on."""
    gone = delete(UsageRollup)
    if start is not None:
        gone = gone.where(UsageRollup.day >= start)
    session.execute(gone)
    for kind in ("department", "theme"):
        counted = _counted(kind, start).subquery()
        query = select(
            counted.c.day,
            literal(kind),
            counted.c.owner,
            func.sum(counted.c.views),
            func.sum(counted.c.downloads),
        ).group_by(counted.c.day, counted.c.owner)
        session.execute(
            UsageRollup.__table__.insert().from_select(
                ["day", "kind", "key", "views", "downloads"], query
            )
        )
    query = select(func.count()).select_from(UsageRollup)
    if start is not None:
        query = query.where(UsageRollup.day >= start)
    return int(session.scalar(query) or 0)


def _counted(kind: str, start: date | None) -> Any:
    """Every daily view and download row of a public dataset, with its department or theme."""
    parts = []
    for model, views in ((DatasetViewCount, True), (DownloadCount, False)):
        if kind == "theme":
            owner = dataset_group_table.c.group_id
            query = select(
                model.day.label("day"),
                owner.label("owner"),
                (model.count if views else literal(0)).label("views"),
                (literal(0) if views else model.count).label("downloads"),
            ).join(dataset_group_table, dataset_group_table.c.dataset_id == model.dataset_id)
        else:
            query = select(
                model.day.label("day"),
                func.coalesce(Dataset.owner_org, "").label("owner"),
                (model.count if views else literal(0)).label("views"),
                (literal(0) if views else model.count).label("downloads"),
            )
        query = query.join(Dataset, Dataset.id == model.dataset_id).where(*PUBLIC)
        if start is not None:
            query = query.where(model.day >= start)
        parts.append(query)
    return union_all(*parts)
