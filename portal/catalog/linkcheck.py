"""The link checker: whether each linked (not uploaded) resource of a dataset still answers.

`schedule_link_check(app, dataset_id)` queues the `linkcheck.dataset` task, which checks each
active resource whose URL is not an upload (none of a deleted dataset): a HEAD request first,
then a GET reading at most 64 KB when HEAD is refused (405/501) or fails (some servers answer
HEAD wrongly). Requests go through portal.net.fetch, so publishers' links cannot make the
portal reach internal addresses; PORTAL_LINKCHECK_ALLOWED_HOSTS lists the internal hosts it
may check anyway.

The result of each resource's last check is kept in `resource_link_check`; `link_status()`
reads it for the dataset quality score. Call `schedule_link_check` after the change that
prompts it is committed: with the `memory://` queue the check runs at once, and it writes in
its own session.

The task is registered when this module is imported: a separate `portal worker` process must
import it too (through portal.models, say) to know the task.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.actions import Context, call
from portal.catalog.linkcheck_models import LinkCheck, link_status  # noqa: F401
from portal.catalog.models import Dataset, Resource
from portal.database import begin_write, utcnow
from portal.errors import NotFound
from portal.jobs.queue import task
from portal.net.errors import (
    BlockedAddress,
    FetchError,
    HTTPStatusError,
    InvalidURL,
    TooManyRedirects,
)
from portal.net.fetch import fetch
from portal.net.policy import FetchPolicy
from portal.net.response import FetchResult

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

TASK_NAME = "linkcheck.dataset"
ALLOWED_HOSTS_SETTING = "PORTAL_LINKCHECK_ALLOWED_HOSTS"
PROBE_BYTES = 64 * 1024
# Failures a GET would only repeat: no point trying it after HEAD met one of these.
FINAL_FAILURES = (BlockedAddress, InvalidURL, TooManyRedirects)


def linkcheck_policy(app: Flask | None = None) -> FetchPolicy:
    """The fetch policy of the link checker: shorter waits than a harvest, fewer retries."""
    app = app or current_app
    settings = app.extensions["portal.settings"]
    return FetchPolicy.from_env(
        ALLOWED_HOSTS_SETTING,
        site_url=settings.site_url,
        read_timeout=15.0,
        retries=2,
        max_retry_wait=30.0,
    )


def _passed(result: FetchResult) -> dict[str, Any]:
    return {
        "ok": True,
        "status": result.status,
        "final_url": result.final_url,
        "content_type": result.content_type,
        "error": None,
    }


def _failed(error: FetchError) -> dict[str, Any]:
    status = error.status if isinstance(error, HTTPStatusError) else None
    headers = error.headers if isinstance(error, HTTPStatusError) else {}
    return {
        "ok": False,
        "status": status,
        "final_url": error.url,
        "content_type": headers.get("Content-Type"),
        "error": str(error),
    }


def check_link(url: str, policy: FetchPolicy) -> dict[str, Any]:
    """Check one URL: HEAD (no retries), then GET reading at most PROBE_BYTES if HEAD was
    refused or failed. Returns ok, status, final_url, content_type and error."""
    try:
        with fetch(url, replace(policy, retries=0), method="HEAD") as result:
            return _passed(result)
    except FINAL_FAILURES as error:
        return _failed(error)
    except FetchError as error:
        log.debug("HEAD %s failed (%s); trying GET", url, error)
    try:
        with fetch(url, policy, method="GET") as result:
            result.read(PROBE_BYTES)
            return _passed(result)
    except FetchError as error:
        return _failed(error)


def _linked_resources(session: Session, dataset_id: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Resource.id, Resource.url)
        .join(Dataset, Dataset.id == Resource.package_id)
        .where(
            Resource.package_id == dataset_id,
            Dataset.state != "deleted",
            Resource.state == "active",
            Resource.url != "",
            or_(Resource.url_type.is_(None), Resource.url_type != "upload"),
        )
        .order_by(Resource.position)
    )
    return [(rid, url) for rid, url in rows if url and url.strip()]


def _store(session: Session, dataset_id: str, results: dict[str, dict[str, Any]]) -> None:
    resource_ids = set(
        session.scalars(select(Resource.id).where(Resource.package_id == dataset_id))
    )
    stored = {
        row.resource_id: row
        for row in session.scalars(
            select(LinkCheck)
            .join(Resource, Resource.id == LinkCheck.resource_id)
            .where(Resource.package_id == dataset_id)
        )
    }
    for resource_id, result in results.items():
        if resource_id not in resource_ids:
            continue  # deleted while it was being checked
        row = stored.pop(resource_id, None)
        if row is None:
            row = LinkCheck(resource_id=resource_id)
            session.add(row)
        row.url = result["url"][:2000]
        row.ok = result["ok"]
        row.status = result["status"]
        row.final_url = (result["final_url"] or "")[:2000] or None
        row.content_type = (result["content_type"] or "")[:200] or None
        row.error = (result["error"] or "")[:1000] or None
        row.checked_at = result["checked_at"]
    # Resources no longer linked (deleted, now an upload, URL removed) keep no result.
    for row in stored.values():
        session.delete(row)


@task(name=TASK_NAME, retries=0)
def check_dataset_links(
    dataset_id: str, policy: FetchPolicy | None = None
) -> dict[str, dict[str, Any]]:
    """Check the links of a dataset's resources and store the results; return them by resource
    id. Runs in an app context (the queue provides one); `policy` is for direct calls only."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    policy = policy or linkcheck_policy(app)
    session: Session = app.extensions["portal.db"].factory()
    try:
        targets = _linked_resources(session, dataset_id)
        session.rollback()  # hold no transaction while waiting on the network
        results: dict[str, dict[str, Any]] = {}
        for resource_id, url in targets:
            result = check_link(url, policy)
            results[resource_id] = {**result, "url": url, "checked_at": utcnow()}
        begin_write(session)
        _store(session, dataset_id, results)
        session.commit()
    finally:
        session.close()
    broken = sum(not r["ok"] for r in results.values())
    log.info("Checked %d links of dataset %s: %d broken", len(results), dataset_id, broken)
    if results:
        rescore(app, dataset_id)
    return results


def rescore(app: Flask, dataset_id: str) -> None:
    """Recompute a dataset's quality score from its new link results (its accessibility
    indicators), through the quality_rescore action."""
    with app.extensions["portal.db"].factory() as session, suppress(NotFound):  # purged since
        call(
            "quality_rescore",
            Context(session=session, app=app, ignore_auth=True),
            {"id": dataset_id},
        )


def schedule_link_check(app: Flask, dataset_id: str) -> Any:
    """Queue the link check of a dataset; returns the queue's result handle."""
    return app.extensions["portal.queue"].enqueue(TASK_NAME, dataset_id)
