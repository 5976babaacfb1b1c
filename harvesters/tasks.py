"""Harvest work on the job queue: run a job, start due sources every minute, reap dead jobs
(and run again the ones whose worker died).

A job is created first (a row, unique per unfinished source: see harvesters.models), then
`harvest.run_job` is queued with its id; the task claims the job atomically (new -> running),
so a duplicated queue message or a second worker cannot run it twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import func, select

from harvesters.jobs import STALE_AFTER, reap_stuck_jobs
from harvesters.models import HarvestJob, HarvestSource
from harvesters.run import run_job
from portal.actions import Context, call
from portal.auth.models import User
from portal.database import utcnow
from portal.errors import ValidationError
from portal.jobs.queue import task

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

RUN_TASK = "harvest.run_job"
PERIODS = {
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
    "MONTHLY": timedelta(days=30),
}


@task(name=RUN_TASK, retries=0)
def run_harvest_job(job_id: str) -> dict[str, object] | None:
    """Run one harvest job to its end; the job row holds the outcome."""
    job = run_job(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
    if job is None:
        return None
    return {"id": job.id, "status": job.status, "message": job.message}


def enqueue_job(app: Flask, job_id: str) -> None:
    app.extensions["portal.queue"].enqueue(RUN_TASK, job_id)


def due_sources(app: Flask, now: datetime | None = None) -> list[str]:
    """Ids of enabled sources whose frequency says a job is due (none since a period)."""
    now = now or utcnow()
    with app.extensions["portal.db"].factory() as session:
        last = (
            select(HarvestJob.source_id, func.max(HarvestJob.created).label("last"))
            .group_by(HarvestJob.source_id)
            .subquery()
        )
        rows = session.execute(
            select(HarvestSource.id, HarvestSource.frequency, last.c.last)
            .outerjoin(last, last.c.source_id == HarvestSource.id)
            .where(
                HarvestSource.state == "active",
                HarvestSource.enabled.is_(True),
                HarvestSource.frequency.in_(list(PERIODS)),
            )
        ).all()
    return [
        source_id
        for source_id, frequency, last_created in rows
        if last_created is None or last_created + PERIODS[frequency] <= now
    ]


def schedule_due_jobs(app: Flask, now: datetime | None = None) -> list[str]:
    """Create and queue (harvest_job_create, as the site) a job for every due source; returns
    the new jobs' ids."""
    created = []
    for source_id in due_sources(app, now):
        job = _create(app, source_id, full=False, user_id=None)
        if job is not None:
            created.append(job["id"])
    return created


def _create(
    app: Flask, source_id: str, full: bool, user_id: str | None
) -> dict[str, Any] | None:
    """A job through harvest_job_create (queued after its commit), on behalf of `user_id` (the
    site when None); None when its rules refuse one (a job is still unfinished, the source
    is disabled or gone): the next due time will tell."""
    with app.extensions["portal.db"].factory() as session:
        user = session.get(User, user_id) if user_id else None
        context = Context(session=session, app=app, user=user, ignore_auth=True)
        try:
            return call("harvest_job_create", context, {"source_id": source_id, "full": full})
        except ValidationError as exc:
            log.info("No harvest job for source %s: %s", source_id, exc.message)
            return None


@task(name="harvest.schedule", retries=0, schedule={"minute": "*"})
def schedule_harvests() -> list[str]:
    """Every minute: start a job for each source whose frequency makes one due."""
    return schedule_due_jobs(current_app._get_current_object())  # type: ignore[attr-defined]


# What reap_stuck_jobs writes on a job whose worker died while running it.
DIED = "The worker running this job stopped"


def rerun_orphaned(app: Flask, job_ids: list[str]) -> list[str]:
    """Start again the jobs among `job_ids` whose worker died while running them (a new job
    of the same kind: records imported before are kept and unchanged ones skipped, so the rerun
    resumes the work). Once only: when the source's previous job died too, a person looks."""
    again: list[tuple[str, str, bool, str | None]] = []
    with app.extensions["portal.db"].factory() as session:
        for job_id in job_ids:
            job = session.get(HarvestJob, job_id)
            if job is None or not (job.message or "").startswith(DIED):
                continue
            previous = session.scalars(
                select(HarvestJob)
                .where(HarvestJob.source_id == job.source_id, HarvestJob.created < job.created)
                .order_by(HarvestJob.created.desc())
                .limit(1)
            ).first()
            if previous is not None and (previous.message or "").startswith(DIED):
                log.warning("Harvest job %s died like the one before it: not run again", job_id)
                continue
            again.append((job_id, job.source_id, job.full, job.created_by))
    rerun = []
    for job_id, source_id, full, user_id in again:
        new = _create(app, source_id, full=full, user_id=user_id)
        if new is None:
            continue  # someone started it again already, or the source is off
        log.warning("Harvest job %s died with its worker: rerun as %s", job_id, new["id"])
        rerun.append(new["id"])
    return rerun


# Queued at every worker start too, to run once the jobs a dead worker left are stale.
@task(
    name="harvest.reap",
    retries=0,
    schedule={"minute": "*"},
    at_start=STALE_AFTER.total_seconds() + 1,
)
def reap_harvest_jobs() -> list[str]:
    """Every minute, and soon after a worker starts: fail jobs whose worker stopped beating
    (killed, crashed, restarted) and run the ones it was running again."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    failed = reap_stuck_jobs(app)
    rerun_orphaned(app, failed)
    return failed
