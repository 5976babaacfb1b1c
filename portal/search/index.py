"""Keeping the search index in step with the database, through the outbox.

`record_change` runs inside the write action's transaction; after the commit `apply_outbox`
pushes the changed datasets to the engine, so a dataset is searchable as soon as the action
returns. If the engine is down, the rows stay pending and the periodic job retries them.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.actions import Context
from portal.catalog.models import Dataset
from portal.catalog.package_rows import load_packages
from portal.catalog.saving import show_dict
from portal.database import begin_write, utcnow
from portal.search.documents import build_document
from portal.search.models import SearchOutbox
from portal.stats.popularity import add_figures

if TYPE_CHECKING:
    from flask import Flask

    from portal.search.engine import SearchEngine

log = logging.getLogger(__name__)
INDEXED_STATES = ("active", "draft")
KEEP_APPLIED = timedelta(days=1)


def engine(app: Flask) -> SearchEngine:
    found = app.extensions.get("portal.search")
    if found is None:
        from portal.search.engine import open_engine

        found = app.extensions["portal.search"] = open_engine(
            app.extensions["portal.settings"].search_url
        )
    return found


def record_change(context: Context, dataset_id: str) -> None:
    """Called by write actions (via portal.catalog.saving.emit_change). The outbox row commits
    with the write; the index is updated after the commit, or by the worker's refresher when
    PORTAL_SEARCH_REFRESH gives it a delay (portal.search.refresh)."""
    context.session.add(SearchOutbox(dataset_id=dataset_id))
    if context.defer_index or context.settings.search_refresh is not None:
        return
    pending: set[str] = context.__dict__.setdefault("_search_pending", set())
    if not pending:
        app = context.app
        context.after_commit.append(lambda: _apply_after_commit(app, context))
    pending.add(dataset_id)


def _apply_after_commit(app: Flask, context: Context) -> None:
    ids = context.__dict__.pop("_search_pending", set())
    if ids:
        apply_outbox(app, sorted(ids))


def site_context(app: Flask, session: Session) -> Context:
    return Context(session=session, app=app, ignore_auth=True)


def documents_for(context: Context, ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Documents for the datasets to (re)index, and the ids to remove from the index."""
    found = load_packages(context, ids)  # plain rows: the index needs no ORM objects
    datasets, removed = [], []
    for dataset_id in ids:
        dataset = found.get(dataset_id)
        if dataset is None or dataset.state not in INDEXED_STATES:
            removed.append(dataset_id)
        else:
            datasets.append(show_dict(context, dataset))
    # The popularity figures package_show carries: sort keys of the index (one query a batch).
    add_figures(context.session, datasets)
    return [build_document(dataset) for dataset in datasets], removed


def apply_outbox(app: Flask, dataset_ids: list[str] | None = None, limit: int = 1000) -> int:
    """Apply pending outbox rows (for some datasets, or the oldest `limit`); return how many
    datasets were pushed. Engine failures leave the rows pending for the next try."""
    db = app.extensions["portal.db"]
    with db.factory() as session:
        query = select(SearchOutbox.id, SearchOutbox.dataset_id).where(
            SearchOutbox.applied_at.is_(None)
        )
        if dataset_ids is not None:
            query = query.where(SearchOutbox.dataset_id.in_(dataset_ids))
        rows = session.execute(query.order_by(SearchOutbox.id).limit(limit)).all()
        if not rows:
            return 0
        row_ids = [r.id for r in rows]
        ids = sorted({r.dataset_id for r in rows})
        try:
            documents, removed = documents_for(site_context(app, session), ids)
            session.commit()  # end the read before the (slow) engine write
            engine(app).index(documents)
            engine(app).delete(removed)
        except Exception as exc:  # the engine is down or busy: retry later
            log.warning("search index update failed, will retry: %s", exc)
            _mark(session, row_ids, attempts=SearchOutbox.attempts + 1, last_error=str(exc)[:1000])
            return 0
        _mark(session, row_ids, applied_at=utcnow())
        return len(ids)


def _mark(session: Session, row_ids: list[int], **values: Any) -> None:
    session.rollback()
    begin_write(session)
    session.execute(update(SearchOutbox).where(SearchOutbox.id.in_(row_ids)).values(**values))
    session.commit()


def retry_pending(app: Flask) -> int:
    """Apply everything still pending and forget rows applied long ago (periodic job)."""
    total = 0
    while (applied := apply_outbox(app)) > 0:
        total += applied
    db = app.extensions["portal.db"]
    with db.factory() as session:
        begin_write(session)
        session.execute(
            delete(SearchOutbox).where(SearchOutbox.applied_at < utcnow() - KEEP_APPLIED)
        )
        session.commit()
    return total


def iter_documents(
    app: Flask,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every indexable dataset as a document, loaded in batches by id (constant memory).
    With more than one batch, `workers` processes (default: the CPUs, at most 4) build the
    documents while the caller indexes them: building is Python (dictize, Chinese analysis,
    pinyin), so threads would not help."""
    batches = _id_batches(app, batch)
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    queue = itertools.chain([first], [second] if second else [], batches)
    if second is None or workers < 2 or not _forkable(app):
        for ids in queue:
            yield from _documents_of(app, ids)
            if progress is not None:
                progress(len(ids))
        return
    yield from _built_in_processes(app, queue, workers, progress)


def _id_batches(app: Flask, batch: int) -> Iterator[list[str]]:
    with app.extensions["portal.db"].factory() as session:
        last = ""
        while ids := list(
            session.scalars(
                select(Dataset.id)
                .where(Dataset.state.in_(INDEXED_STATES), Dataset.id > last)
                .order_by(Dataset.id)
                .limit(batch)
            )
        ):
            yield ids
            last = ids[-1]


def _documents_of(app: Flask, ids: list[str]) -> list[dict[str, Any]]:
    with app.extensions["portal.db"].factory() as session:
        return documents_for(site_context(app, session), ids)[0]


def _forkable(app: Flask) -> bool:
    """Worker processes share the database by URL: not an in-memory SQLite."""
    database = app.extensions["portal.db"].engine.url.database
    return "fork" in multiprocessing.get_all_start_methods() and database not in (None, "",
                                                                                  ":memory:")


_FORKED_APP: Flask | None = None


def _start_worker() -> None:
    # The connections inherited from the parent stay the parent's (SQLAlchemy's advice).
    _FORKED_APP.extensions["portal.db"].engine.dispose(close=False)  # type: ignore[union-attr]


def _build_in_worker(ids: list[str]) -> list[dict[str, Any]]:
    return _documents_of(_FORKED_APP, ids)  # type: ignore[arg-type]


def _built_in_processes(
    app: Flask,
    batches: Iterator[list[str]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> Iterator[dict[str, Any]]:
    """Batches built by forked workers, a few ahead of the caller and in order."""
    global _FORKED_APP
    _FORKED_APP = app
    with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
        ahead: deque[tuple[int, Any]] = deque()
        for ids in batches:
            ahead.append((len(ids), pool.apply_async(_build_in_worker, (ids,))))
            if len(ahead) > 2 * workers:
                yield from _collect(ahead.popleft(), progress)
        while ahead:
            yield from _collect(ahead.popleft(), progress)


def _collect(
    pending: tuple[int, Any], progress: Callable[[int], None] | None
) -> Iterator[dict[str, Any]]:
    count, result = pending
    yield from result.get()
    if progress is not None:
        progress(count)


def count_indexable(app: Flask) -> int:
    from sqlalchemy import func

    db = app.extensions["portal.db"]
    with db.factory() as session:
        return session.scalar(select(func.count()).where(Dataset.state.in_(INDEXED_STATES))) or 0


def reindex(
    app: Flask, progress: Callable[[int], None] | None = None, workers: int | None = None
) -> int:
    """Rebuild the whole index without taking search offline, then replay the changes that
    were committed while it ran (`workers`: see iter_documents)."""
    started = utcnow()
    count = engine(app).rebuild(iter_documents(app, progress=progress, workers=workers))
    db = app.extensions["portal.db"]
    with db.factory() as session:
        changed = sorted(
            set(
                session.scalars(
                    select(SearchOutbox.dataset_id).where(
                        SearchOutbox.created >= started - timedelta(seconds=1)
                    )
                )
            )
        )
        if changed:
            documents, removed = documents_for(site_context(app, session), changed)
            engine(app).index(documents)
            engine(app).delete(removed)
    return count


def check(app: Flask) -> dict[str, list[str]]:
    """Datasets missing from the index, stale in it, or in it but no longer indexable."""
    db = app.extensions["portal.db"]
    indexed = engine(app).versions()
    with db.factory() as session:
        rows = session.execute(
            select(Dataset.id, Dataset.metadata_modified).where(Dataset.state.in_(INDEXED_STATES))
        ).all()
    expected = {r.id: r.metadata_modified.isoformat() for r in rows}
    return {
        "missing": sorted(set(expected) - set(indexed)),
        "stale": sorted(i for i in expected if i in indexed and indexed[i] != expected[i]),
        "extra": sorted(set(indexed) - set(expected)),
    }
