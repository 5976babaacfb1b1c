"""The run of one harvest job: gather, fetch, import, withdraw, shared by every source type.

A job runs in three stages over the records a source type yields, in batches:

- gather: the source type lists the remote records (`SourceType.gather()`, a generator that
  streams pages so memory stays constant); an error here (HTTP failure, timeout, truncated or
  malformed body) fails the job's gather: what was imported stays, nothing is withdrawn;
- fetch: the full remote record, when the gather only listed it (`SourceType.fetch()`);
- import: map it and write it (harvesters.importing), one transaction per batch.

After a complete, successful gather, records the source no longer lists are withdrawn
(`package_delete`) once they have been missing for `delete_after_days` (config), unless the
source's `withdraw` policy is `keep`. Fields named in `protected_fields` keep the value a
department gave them in the portal: a current value that differs from what the harvest last
wrote is not overwritten.

The job's heartbeat, abort and reaper are in harvesters.jobs.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from harvesters.errors import Aborted, HarvestError
from harvesters.importing import Importer, WriteFailed
from harvesters.jobs import HEARTBEAT_SECONDS, Heartbeat, claim_job, end_job
from harvesters.models import HarvestJob, HarvestJobError, HarvestRecord, HarvestSource
from harvesters.pages import PageMemory
from harvesters.registry import PageMemo, RemoteRecord, source_types
from portal.actions import Context, batch, call, savepoint
from portal.auth.models import User
from portal.catalog.licenses import match_license
from portal.catalog.models import Dataset, Group, Organization
from portal.database import begin_write, utcnow
from portal.errors import ActionError
from portal.net.errors import FetchError
from portal.net.fetch import fetch
from portal.net.policy import FetchPolicy
from portal.net.response import FetchResult

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

ALLOWED_HOSTS_SETTING = "PORTAL_HARVEST_ALLOWED_HOSTS"
BATCH_SIZE = int(os.environ.get("PORTAL_HARVEST_BATCH", "100"))
MAX_ERRORS_PER_JOB = 10_000


def harvest_policy(app: Flask, config: dict[str, Any] | None = None) -> FetchPolicy:
    """The fetch policy of harvests: PORTAL_HARVEST_ALLOWED_HOSTS, and the source's own
    (bounded) `timeout` and `retries`."""
    config = config or {}
    settings = app.extensions["portal.settings"]
    overrides: dict[str, Any] = {
        "read_timeout": float(
            config.get("timeout") or os.environ.get("PORTAL_HARVEST_TIMEOUT", 30)
        ),
        "max_bytes": int(os.environ.get("PORTAL_HARVEST_MAX_MB", "200")) * 1024 * 1024,
    }
    overrides["connect_timeout"] = min(10.0, overrides["read_timeout"])
    if config.get("retries") is not None:
        overrides["retries"] = int(config["retries"])
    return FetchPolicy.from_env(ALLOWED_HOSTS_SETTING, site_url=settings.site_url, **overrides)



@dataclass
class HarvestRun(PageMemory, Importer):
    """One job being run: the source, its config, the session and the action context."""

    app: Flask
    session: Session
    job: HarvestJob
    source: HarvestSource
    policy: FetchPolicy
    progress: Callable[[HarvestJob, int | None], None] | None = None
    context: Context = field(init=False)
    config: dict[str, Any] = field(init=False)
    _groups: dict[str, str] | None = None
    _orgs: dict[str, str] | None = None
    _errors_written: int = 0
    _pages: list[PageMemo] = field(default_factory=list)
    _unindexed: list[str] = field(default_factory=list)
    _indexed_at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.config = dict(self.source.config or {})
        user = None
        if self.source.creator_user_id:
            user = self.session.get(User, self.source.creator_user_id)
        self.context = Context(
            session=self.session, app=self.app, user=user, ignore_auth=True, defer_index=True
        )

    # -- helpers for source types ----------------------------------------------------------

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        """GET `url` under the harvest policy (SSRF guard, timeouts, retries, size limit)."""
        return fetch(url, self.policy, headers=headers)

    def fetch_bytes(self, url: str, headers: dict[str, str] | None = None) -> tuple[bytes, str]:
        """The body of `url` and its Content-Type."""
        with self.fetch(url, headers) as result:
            return result.read(), result.content_type or ""

    def last_success(self) -> datetime | None:
        """When the last job that listed the whole source successfully started."""
        return self.session.scalar(
            select(func.max(HarvestJob.started)).where(
                HarvestJob.source_id == self.source.id,
                HarvestJob.status == "finished",
                HarvestJob.gather_finished.is_not(None),
                HarvestJob.id != self.job.id,
            )
        )

    def license_id(self, *candidates: Any) -> str | None:
        """A local licence id for a remote licence id, URL or title (None if unknown)."""
        return match_license(self.context, *candidates)

    def local_groups(self, names: Iterable[str]) -> list[dict[str, str]]:
        """Group refs for the given group names (or titles) that exist, active, in the
        portal; the others are left out."""
        if self._groups is None:
            rows = self.session.execute(
                select(Group.name, Group.title, Group.title_en).where(Group.state == "active")
            ).all()
            self._groups = {}
            for name, title, title_en in rows:
                for key in (title_en, title, name):
                    if key:
                        self._groups[key] = name
        found = (self._groups.get(n) for n in names if isinstance(n, str))
        return [{"name": n} for n in dict.fromkeys(n for n in found if n)]

    def local_org(self, ident: str | None) -> str | None:
        """The id of an active local department with this id or name."""
        if not ident:
            return None
        if self._orgs is None:
            rows = self.session.execute(
                select(Organization.id, Organization.name).where(Organization.state == "active")
            ).all()
            self._orgs = {r.name: r.id for r in rows} | {r.id: r.id for r in rows}
        return self._orgs.get(ident)

    # -- running ----------------------------------------------------------------------------

    def execute(self) -> None:
        source_type = source_types()[self.source.source_type](self)
        gather_error: str | None = None
        aborted = False
        batch: list[RemoteRecord] = []
        try:
            for record in source_type.gather():
                batch.append(record)
                if len(batch) >= BATCH_SIZE:
                    self._write_batch(source_type, batch)
                    batch = []
            if batch:
                self._write_batch(source_type, batch)
                batch = []
        except Aborted:
            aborted = True
        except WriteFailed as exc:
            self._error(None, "import", str(exc.__cause__ or exc))
            self._finish(
                "failed",
                f"Writing the records failed: {exc.__cause__ or exc}. Records imported before "
                "are kept; nothing was withdrawn.",
            )
            return
        except (HarvestError, FetchError) as exc:
            gather_error = str(exc) or exc.__class__.__name__
        except Exception as exc:  # a bug or an unexpected failure: the gather is not complete
            log.exception("Harvest job %s: gather failed", self.job.id)
            gather_error = f"Unexpected error: {exc.__class__.__name__}: {exc}"
        if batch and not aborted and gather_error is not None:
            # Records listed before the gather failed are still imported.
            try:
                self._write_batch(source_type, batch)
            except Aborted:
                aborted = True
            except WriteFailed as exc:
                gather_error += f"; writing the records listed before failed too: {exc.__cause__}"
        if aborted:
            self._finish("aborted", "Aborted on request; nothing was withdrawn.")
            return
        if gather_error is not None:
            self._error(None, "gather", gather_error)
            self._finish(
                "failed",
                f"The source could not be listed completely: {gather_error}. "
                "Records imported before the failure are kept; nothing was withdrawn.",
            )
            return
        self.session.rollback()
        begin_write(self.session)
        self.job.gather_finished = utcnow()
        self.session.commit()
        try:
            message = self._withdraw()
        except Aborted:
            self._finish("aborted", "Aborted on request during the withdrawal.")
            return
        self._store_pages()
        self._finish("finished", message)

    def _check_abort(self) -> None:
        self.session.rollback()
        requested = self.session.scalar(
            select(HarvestJob.abort_requested).where(HarvestJob.id == self.job.id)
        )
        if requested:
            raise Aborted

    def _report(self, total: int | None = None) -> None:
        if self.progress is not None:
            self.progress(self.job, total)

    def _error(
        self,
        remote_id: str | None,
        stage: str,
        message: str,
        fields: dict[str, Any] | None = None,
        *,
        commit: bool = True,
    ) -> None:
        if self._errors_written >= MAX_ERRORS_PER_JOB:
            return
        self._errors_written += 1
        if commit:
            self.session.rollback()
            begin_write(self.session)
        self.session.add(
            HarvestJobError(
                job_id=self.job.id,
                remote_id=(remote_id or "")[:1000] or None,
                stage=stage,
                message=message[:10_000],
                fields=fields,
            )
        )
        if commit:
            self.session.commit()

    # -- one batch --------------------------------------------------------------------------


    def _withdraw(self) -> str | None:
        """Withdraw records the complete gather did not list (after the grace period)."""
        job = self.job
        policy = self.config.get("withdraw", "delete")
        days = float(self.config.get("delete_after_days") or 0)
        now = utcnow()
        cutoff = now - timedelta(days=days)
        self.session.rollback()
        if job.gathered == 0:
            held = self.session.scalar(
                select(func.count()).where(
                    HarvestRecord.source_id == self.source.id,
                    HarvestRecord.status != "withdrawn",
                )
            )
            if held:
                return (
                    "The source listed no datasets: nothing was withdrawn (an empty listing is "
                    "more likely an error than a catalog emptied on purpose)."
                )
        query = (
            select(HarvestRecord)
            .where(
                HarvestRecord.source_id == self.source.id,
                HarvestRecord.status != "withdrawn",
                or_(
                    HarvestRecord.last_seen_job_id.is_(None),
                    HarvestRecord.last_seen_job_id != job.id,
                ),
            )
            .order_by(HarvestRecord.id)
        )
        waiting = 0
        last = ""
        while True:
            self._check_abort()
            records = list(
                self.session.scalars(query.where(HarvestRecord.id > last).limit(BATCH_SIZE))
            )
            if not records:
                break
            last = records[-1].id
            changed: list[str] = []
            with batch(self.context):
                job = self.session.get(HarvestJob, self.job.id)
                assert job is not None
                self.job = job
                for rec in records:
                    rec.missing_since = rec.missing_since or now
                    if policy == "keep" or rec.missing_since > cutoff:
                        if rec.status != "missing":
                            rec.status = "missing"
                        waiting += 1
                        continue
                    dataset = self.session.get(Dataset, rec.dataset_id) if rec.dataset_id else None
                    if dataset is not None and dataset.state != "deleted":
                        try:
                            with savepoint(self.context):
                                call("package_delete", self.context, {"id": dataset.id})
                        except ActionError as exc:
                            job.errored += 1
                            self._error(rec.remote_id, "withdraw", exc.message, commit=False)
                            continue
                        changed.append(dataset.id)
                        job.deleted += 1
                    rec.status = "withdrawn"
                    rec.last_job_id = job.id
                    rec.modified = now
            self._index(changed)
        if waiting and policy != "keep":
            return f"{waiting} records no longer listed will be withdrawn after {days:g} days."
        if waiting:
            return f"{waiting} records are no longer listed (kept: withdraw policy is keep)."
        return None

    def _finish(self, status: str, message: str | None) -> None:
        self._index([], force=True)
        self.session.rollback()
        end_job(self.session, self.job.id, status, message)
        self.session.refresh(self.job)
        self._report()


# --- entry point --------------------------------------------------------------------------------


def run_job(
    app: Flask,
    job_id: str,
    progress: Callable[[HarvestJob, int | None], None] | None = None,
    policy: FetchPolicy | None = None,
) -> HarvestJob | None:
    """Run a new job to its end (finished, failed or aborted). Returns the job, or None when
    it was not new (already running elsewhere, aborted or ended)."""
    db = app.extensions["portal.db"]
    session: Session = db.factory()
    heartbeat: Heartbeat | None = None
    try:
        if not claim_job(session, job_id):
            log.info("Harvest job %s is not new: not run", job_id)
            return None
        job = session.get(HarvestJob, job_id)
        assert job is not None
        source = session.get(HarvestSource, job.source_id)
        assert source is not None
        heartbeat = Heartbeat(app, job_id, HEARTBEAT_SECONDS)
        heartbeat.start()
        run = HarvestRun(
            app, session, job, source, policy or harvest_policy(app, source.config), progress
        )
        try:
            run.execute()
        except Exception as exc:
            log.exception("Harvest job %s failed", job_id)
            session.rollback()
            end_job(
                session, job_id, "failed", f"Unexpected error: {exc.__class__.__name__}: {exc}"
            )
        heartbeat.stop()
        heartbeat = None
        from portal.search.index import retry_pending

        retry_pending(app)
        session.rollback()
        session.refresh(job)
        return job
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        session.close()


__all__ = ["Aborted", "HarvestRun", "WriteFailed", "harvest_policy", "run_job"]
