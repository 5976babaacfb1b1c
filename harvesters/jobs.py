"""Harvest jobs as records: create, claim, end, abort, and the reaper of jobs whose worker died.

Jobs beat a heartbeat from a thread while they run; `reap_stuck_jobs` (a periodic task) fails
a running job whose heartbeat is older than `stale_after`, so a job whose worker died is never
left "running". `abort_requested` is read by the run between batches.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from harvesters.models import UNFINISHED, HarvestJob
from portal.database import begin_write, utcnow

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = float(os.environ.get("PORTAL_HARVEST_HEARTBEAT", "10"))
STALE_AFTER = timedelta(seconds=float(os.environ.get("PORTAL_HARVEST_STALE_AFTER", "120")))
# A job nobody started within this time (its queue message was lost) is failed too.
START_TIMEOUT = timedelta(hours=6)


def claim_job(session: Session, job_id: str) -> bool:
    """Atomically move a new job to running; False if it was not new (a duplicated queue
    message, a second worker, an abort)."""
    begin_write(session)
    now = utcnow()
    claimed = session.execute(
        update(HarvestJob)
        .where(HarvestJob.id == job_id, HarvestJob.status == "new")
        .values(status="running", started=now, heartbeat=now)
    ).rowcount
    session.commit()
    return claimed == 1


def end_job(
    session: Session, job_id: str, status: str, message: str | None, **values: Any
) -> bool:
    """Atomically end an unfinished job; False if it had ended already."""
    begin_write(session)
    result = session.execute(
        update(HarvestJob)
        .where(HarvestJob.id == job_id, HarvestJob.status.in_(UNFINISHED))
        .values(status=status, message=message, finished=utcnow(), active_source_id=None, **values)
    )
    session.commit()
    return result.rowcount == 1


def reap_stuck_jobs(
    app: Flask, stale_after: timedelta | None = None, start_timeout: timedelta | None = None
) -> list[str]:
    """Fail running jobs whose heartbeat stopped (their worker died) and new jobs nobody
    started in time. Returns the ids of the jobs failed."""
    stale_after = STALE_AFTER if stale_after is None else stale_after
    start_timeout = START_TIMEOUT if start_timeout is None else start_timeout
    now = utcnow()
    failed = []
    with app.extensions["portal.db"].factory() as session:
        running = session.execute(
            select(HarvestJob.id, HarvestJob.heartbeat).where(
                HarvestJob.status == "running",
                or_(HarvestJob.heartbeat.is_(None), HarvestJob.heartbeat < now - stale_after),
            )
        ).all()
        for job_id, beat in running:
            when = beat.isoformat(timespec="seconds") if beat else "its start"
            message = (
                f"The worker running this job stopped: no heartbeat since {when} UTC. "
                "The job was marked failed; records imported before are kept and nothing "
                "was withdrawn. Run the source again to finish it."
            )
            if end_job(session, job_id, "failed", message):
                failed.append(job_id)
        never_started = session.scalars(
            select(HarvestJob.id).where(
                HarvestJob.status == "new", HarvestJob.created < now - start_timeout
            )
        ).all()
        for job_id in never_started:
            message = "No worker started this job in time (is a worker running?)."
            if end_job(session, job_id, "failed", message):
                failed.append(job_id)
    for job_id in failed:
        log.warning("Harvest job %s marked failed: its worker stopped or never started", job_id)
    return failed


def request_abort(session: Session, job_id: str, stale_after: timedelta | None = None) -> None:
    """Abort a job inside the caller's transaction: a new job (or one whose worker is gone)
    ends at once; a running one is asked to stop and does so before its next batch."""
    stale_after = STALE_AFTER if stale_after is None else stale_after
    ended = {
        "status": "aborted",
        "message": "Aborted before it finished.",
        "finished": utcnow(),
        "active_source_id": None,
        "abort_requested": True,
    }
    stale = or_(HarvestJob.heartbeat.is_(None), HarvestJob.heartbeat < utcnow() - stale_after)
    session.execute(
        update(HarvestJob)
        .where(
            HarvestJob.id == job_id,
            or_(HarvestJob.status == "new", (HarvestJob.status == "running") & stale),
        )
        .values(**ended)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(HarvestJob)
        .where(HarvestJob.id == job_id, HarvestJob.status == "running")
        .values(abort_requested=True)
        .execution_options(synchronize_session=False)
    )


class Heartbeat(threading.Thread):
    """Updates the job's heartbeat every `interval` seconds until stopped."""

    def __init__(self, app: Flask, job_id: str, interval: float) -> None:
        super().__init__(name=f"harvest-heartbeat-{job_id[:8]}", daemon=True)
        self.app, self.job_id, self.interval = app, job_id, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        db = self.app.extensions["portal.db"]
        while not self.stopped.wait(self.interval):
            try:
                with db.factory() as session:
                    begin_write(session)
                    session.execute(
                        update(HarvestJob)
                        .where(HarvestJob.id == self.job_id, HarvestJob.status == "running")
                        .values(heartbeat=utcnow())
                    )
                    session.commit()
            except SQLAlchemyError as exc:  # the next beat tries again
                log.warning("Harvest heartbeat failed: %s", exc)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)

