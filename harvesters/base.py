"""The harvest framework: gather, fetch, import, withdraw, shared by every source type.

A job runs in three stages over the records a source type yields, in batches:

- gather: the source type lists the remote records (`SourceType.gather()`, a generator that
  streams pages so memory stays constant); an error here (HTTP failure, timeout, truncated or
  malformed body) fails the job's gather: what was imported stays, nothing is withdrawn;
- fetch: the full remote record, when the gather only listed it (`SourceType.fetch()`);
- import: map it to a dataset dict (`SourceType.map()`), hash the canonical JSON of that dict
  and, unless the hash is the one last written, create or update the dataset through the
  same `package_create` / `package_update` actions as the API.

Each batch of records is written in one transaction (each record in a savepoint, so one bad
record costs only itself): the dataset and its `harvest_record` (unique on source and remote
id) commit together, so an aborted or killed job can never leave a dataset the next job would
not find. Records unchanged since the last write cost one bulk UPDATE per batch, no action.

After a complete, successful gather, records the source no longer lists are withdrawn
(`package_delete`) once they have been missing for `delete_after_days` (config), unless the
source's `withdraw` policy is `keep`. Fields named in `protected_fields` keep the value a
department gave them in the portal: a current value that differs from what the harvest last
wrote is not overwritten.

Jobs beat a heartbeat from a thread while they run; `reap_stuck_jobs` (a periodic task) fails
a running job whose heartbeat is older than `stale_after`, so a job whose worker died is never
left "running". `abort_requested` is read between batches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pypinyin import Style, lazy_pinyin
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from harvesters.errors import GatherError, HarvestError, ParseError
from harvesters.models import (
    UNFINISHED,
    HarvestJob,
    HarvestJobError,
    HarvestPage,
    HarvestRecord,
    HarvestSource,
)
from portal.actions import Context, call, run_hooks, transaction
from portal.auth.models import User
from portal.catalog.licenses import match_license
from portal.catalog.models import Dataset, Group, Organization
from portal.catalog.saving import show_dict
from portal.database import begin_write, utcnow
from portal.errors import ActionError, ValidationError
from portal.net.fetch import FetchError, FetchPolicy, FetchResult, fetch

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

ALLOWED_HOSTS_SETTING = "PORTAL_HARVEST_ALLOWED_HOSTS"
# Bumped when a mapping changes, so every record is written again on the next run.
MAPPING_VERSION = "1"
BATCH_SIZE = int(os.environ.get("PORTAL_HARVEST_BATCH", "100"))
HEARTBEAT_SECONDS = float(os.environ.get("PORTAL_HARVEST_HEARTBEAT", "10"))
STALE_AFTER = timedelta(seconds=float(os.environ.get("PORTAL_HARVEST_STALE_AFTER", "120")))
# A job nobody started within this time (its queue message was lost) is failed too.
START_TIMEOUT = timedelta(hours=6)
MAX_ERRORS_PER_JOB = 10_000
# Search updates are applied every this many changed datasets or seconds, and at the end.
INDEX_EVERY = 1000
INDEX_EVERY_SECONDS = 10.0
# Keys of a mapped dict that describe the remote record, not the dataset.
REMOTE_KEYS = ("remote_id", "remote_url", "publisher")
HARVEST_EXTRAS = ("harvest_source_id", "harvest_source_title", "harvest_remote_id", "harvest_url")


# --- small helpers ----------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(value: Any) -> str:
    """sha256 of the canonical JSON of a mapped dataset dict (and the mapping version)."""
    return hashlib.sha256((MAPPING_VERSION + canonical_json(value)).encode("utf-8")).hexdigest()


def slugify(text: str | None, max_length: int = 80) -> str:
    """An ASCII dataset name part: pinyin for Chinese, accents folded, '-' between words."""
    if not text:
        return ""
    if re.search(r"[\u3400-\u9fff]", text):
        text = " ".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def short_digest(*parts: str, length: int = 8) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def clean_tags(tags: Iterable[Any]) -> list[dict[str, str]]:
    """Tags as the dataset schema accepts them: no commas or newlines, 1-100 characters,
    no duplicates, at most 100."""
    names: dict[str, None] = {}
    for tag in tags or []:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if not isinstance(name, str):
            continue
        name = re.sub(r"[,\n\r\t]+", " ", name).strip()[:100].strip()
        if name:
            names.setdefault(name)
    return [{"name": n} for n in list(names)[:100]]


def error_fields(errors: Any) -> dict[str, Any]:
    return errors if isinstance(errors, dict) else {"message": errors}


def describe_errors(errors: dict[str, Any]) -> str:
    """A one-line summary of field-keyed errors: "title: Missing value; frequency: ..."."""
    parts = []
    for key, value in errors.items():
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            parts.append(f"{key}: {' '.join(value)}")
        else:
            parts.append(f"{key}: {canonical_json(value)[:300]}")
    return "; ".join(parts)[:2000]


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


# --- what a source type yields -----------------------------------------------------------------


@dataclass
class RemoteRecord:
    """One remote dataset as the gather lists it.

    `content` is the remote record (a dict) when the listing carries it, or None when the
    source only says the record is there (an incremental run's listing): such a record is
    fetched only when the portal does not hold a good copy yet. `errors` are field errors
    found while reading it (a spreadsheet row), reported without importing it.
    """

    remote_id: str | None
    content: Any = None
    remote_url: str | None = None
    label: str | None = None
    errors: dict[str, Any] | None = None


class SourceType:
    """A kind of remote catalog. Subclasses set `name` and implement `gather()` and `map()`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # Config keys this type reads (besides the common ones), with their expected types.
    config_keys: ClassVar[dict[str, type | tuple[type, ...]]] = {}

    def __init__(self, run: HarvestRun) -> None:
        self.run = run
        self.source = run.source
        self.config = run.config

    def gather(self) -> Iterator[RemoteRecord]:
        raise NotImplementedError

    def fetch(self, record: RemoteRecord) -> Any:
        """The full remote record of one that was only listed."""
        raise HarvestError("This source type cannot fetch a single record.")

    def map(self, record: RemoteRecord, content: Any) -> dict[str, Any]:
        """The dataset dict for a remote record (no name, owner_org optional)."""
        raise NotImplementedError

    def total(self) -> int | None:
        """How many records the source announced, once known (for progress bars)."""
        return None


SOURCE_TYPES: dict[str, type[SourceType]] = {}


def register(cls: type[SourceType]) -> type[SourceType]:
    SOURCE_TYPES[cls.name] = cls
    return cls


def source_types() -> dict[str, type[SourceType]]:
    import harvesters.sources  # noqa: F401  (registers every type)

    return SOURCE_TYPES


# --- jobs: create, claim, finish, reap, abort ---------------------------------------------------


class JobConflict(HarvestError):
    """The source already has a job that is new or running."""


def create_job(
    session: Session, source: HarvestSource, full: bool = False, user_id: str | None = None
) -> HarvestJob:
    """Insert a new job for `source` and commit; JobConflict if one is still unfinished (the
    unique `active_source_id` makes this atomic across processes)."""
    job = HarvestJob(source_id=source.id, active_source_id=source.id, full=full, created_by=user_id)
    begin_write(session)
    session.add(job)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise JobConflict(
            f"Harvest source {source.name} already has a job that is new or running."
        ) from None
    return job


def _end_job(
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
            if _end_job(session, job_id, "failed", message):
                failed.append(job_id)
        never_started = session.scalars(
            select(HarvestJob.id).where(
                HarvestJob.status == "new", HarvestJob.created < now - start_timeout
            )
        ).all()
        for job_id in never_started:
            message = "No worker started this job in time (is a worker running?)."
            if _end_job(session, job_id, "failed", message):
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


# --- the run ------------------------------------------------------------------------------------


class Aborted(Exception):
    pass


class WriteFailed(Exception):
    """Writing a batch failed for a reason that is not the record's (the database is down)."""


@dataclass(frozen=True)
class Known:
    """What the portal held for a remote id when the batch started."""

    content_hash: str | None
    dataset_id: str | None
    status: str

    @property
    def good(self) -> bool:
        return self.dataset_id is not None and self.status not in ("errored", "withdrawn")


@dataclass
class _Item:
    record: RemoteRecord
    known: Known | None
    data: dict[str, Any] | None = None
    digest: str | None = None
    error: tuple[str, str, dict[str, Any] | None] | None = None  # stage, message, fields
    unchanged: bool = False


@dataclass
class PageMemo:
    """A page read in this job, remembered for the next one (see HarvestPage)."""

    url: str
    digest: str
    remote_ids: list[str]
    next_url: str | None
    total: int | None


GOOD_STATUSES = ("added", "updated", "unchanged")


@dataclass
class HarvestRun:
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

    def context_digest(self) -> str:
        """What, besides a record's content, decides how it is mapped and written."""
        return content_hash(
            {"config": self.config, "org": self.source.owner_org, "type": self.source.source_type}
        )

    def unchanged_page(self, url: str, digest: str) -> PageMemo | None:
        """The page as the last successful job read it, if these are the same bytes, the
        config is the same and every record on it is held in good shape (not on --full)."""
        if self.job.full:
            return None
        try:
            row = self.session.scalars(
                select(HarvestPage).where(
                    HarvestPage.source_id == self.source.id,
                    HarvestPage.url == url,
                    HarvestPage.content_hash == digest,
                    HarvestPage.context_hash == self.context_digest(),
                )
            ).first()
            if row is None:
                return None
            ids = list(row.remote_ids)
            good = 0
            for start in range(0, len(ids), 500):
                good += (
                    self.session.scalar(
                        select(func.count()).where(
                            HarvestRecord.source_id == self.source.id,
                            HarvestRecord.remote_id.in_(ids[start : start + 500]),
                            HarvestRecord.dataset_id.is_not(None),
                            HarvestRecord.status.in_(GOOD_STATUSES),
                        )
                    )
                    or 0
                )
            if good != len(ids):
                return None
            return PageMemo(url, digest, ids, row.next_url, row.total)
        finally:
            self.session.rollback()

    def remember_page(self, page: PageMemo) -> None:
        """Keep a parsed page for the next job (stored if this job ends well)."""
        if len(set(page.remote_ids)) == len(page.remote_ids) and all(page.remote_ids):
            self._pages.append(page)

    def _store_pages(self) -> None:
        """Replace the source's remembered pages by this job's, keeping only pages whose
        records all ended in good shape."""
        self.session.rollback()
        good: set[str] = set()
        if self._pages:
            good = set(
                self.session.scalars(
                    select(HarvestRecord.remote_id).where(
                        HarvestRecord.source_id == self.source.id,
                        HarvestRecord.last_seen_job_id == self.job.id,
                        HarvestRecord.dataset_id.is_not(None),
                        HarvestRecord.status.in_(GOOD_STATUSES),
                    )
                )
            )
        self.session.rollback()
        begin_write(self.session)
        self.session.execute(delete(HarvestPage).where(HarvestPage.source_id == self.source.id))
        context = self.context_digest()
        for page in self._pages:
            if all(rid in good for rid in page.remote_ids):
                self.session.add(
                    HarvestPage(
                        source_id=self.source.id,
                        url=page.url[:2000],
                        content_hash=page.digest,
                        context_hash=context,
                        next_url=page.next_url,
                        total=page.total,
                        remote_ids=page.remote_ids,
                        job_id=self.job.id,
                    )
                )
        self.session.commit()

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

    def _write_batch(self, source_type: SourceType, records: list[RemoteRecord]) -> None:
        try:
            self._batch(source_type, records)
        except Aborted:
            raise
        except Exception as exc:
            log.exception("Harvest job %s: writing a batch failed", self.job.id)
            self.session.rollback()
            raise WriteFailed(str(exc)) from exc

    def _batch(self, source_type: SourceType, records: list[RemoteRecord]) -> None:
        self._check_abort()
        ids = sorted({r.remote_id for r in records if r.remote_id})
        known = {
            row.remote_id: Known(row.content_hash, row.dataset_id, row.status)
            for row in self.session.execute(
                select(
                    HarvestRecord.remote_id,
                    HarvestRecord.content_hash,
                    HarvestRecord.dataset_id,
                    HarvestRecord.status,
                ).where(HarvestRecord.source_id == self.source.id, HarvestRecord.remote_id.in_(ids))
            )
        }
        self.session.rollback()  # no transaction is held while fetching
        items = [self._prepare(source_type, r, known.get(r.remote_id or "")) for r in records]
        changed: list[str] = []
        with transaction(self.context):
            self._write(items, ids, changed)
        self._index(changed)
        self._report(source_type.total())

    def _index(self, changed: list[str], force: bool = False) -> None:
        """Push changed datasets to the search index every INDEX_EVERY datasets or seconds
        (an index commit per batch would cost more than the batch), and at the end."""
        from portal.search.index import apply_outbox

        self._unindexed.extend(changed)
        due = time.monotonic() - self._indexed_at >= INDEX_EVERY_SECONDS
        if self._unindexed and (force or due or len(self._unindexed) >= INDEX_EVERY):
            pending, self._unindexed = self._unindexed, []
            for start in range(0, len(pending), INDEX_EVERY):
                apply_outbox(self.app, pending[start : start + INDEX_EVERY])
            self._indexed_at = time.monotonic()

    def _prepare(self, source_type: SourceType, record: RemoteRecord, known: Known | None) -> _Item:
        """Fetch and map one record, outside any transaction."""
        item = _Item(record, known)
        rid = record.remote_id
        if record.errors:
            item.error = ("import", describe_errors(record.errors), record.errors)
            return item
        if not rid:
            item.error = ("gather", "The record has no identifier and cannot be tracked.", None)
            return item
        if len(rid) > 1000:
            item.error = ("gather", "The record's identifier is longer than 1000 characters.", None)
            return item
        content = record.content
        if content is None:
            if known is not None and known.good:
                item.unchanged = True  # listed only, and the portal holds a good copy
                return item
            try:
                content = source_type.fetch(record)
            except (HarvestError, FetchError) as exc:
                item.error = ("fetch", str(exc), None)
                return item
        try:
            data = source_type.map(record, content)
        except ValidationError as exc:
            item.error = ("import", describe_errors(exc.errors), error_fields(exc.errors))
            return item
        except (HarvestError, ValueError, TypeError, KeyError, AttributeError) as exc:
            item.error = ("import", f"Cannot read the record: {exc}", None)
            return item
        if record.remote_url is None and isinstance(data.get("remote_url"), str):
            record.remote_url = data["remote_url"]
        item.data = self._dataset_dict(record, data)
        item.digest = content_hash(item.data)
        if known is not None and known.good and known.content_hash == item.digest:
            item.unchanged = True
        return item

    def _dataset_dict(self, record: RemoteRecord, data: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in data.items() if k not in REMOTE_KEYS and v is not None}
        data["owner_org"] = data.get("owner_org") or self.source.owner_org
        if "tags" in data:
            data["tags"] = clean_tags(data["tags"])
        extras = {}
        for extra in data.get("extras") or []:
            if isinstance(extra, dict) and extra.get("key") and extra["key"] not in HARVEST_EXTRAS:
                value = extra.get("value")
                extras[str(extra["key"])[:200]] = "" if value is None else value
        extras.update(
            {
                "harvest_source_id": self.source.id,
                "harvest_source_title": self.source.title or self.source.name,
                "harvest_remote_id": record.remote_id,
                "harvest_url": record.remote_url or "",
            }
        )
        data["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
        return data

    def _write(self, items: list[_Item], ids: list[str], changed: list[str]) -> None:
        job = self.session.get(HarvestJob, self.job.id)
        assert job is not None
        self.job = job
        records = {
            r.remote_id: r
            for r in self.session.scalars(
                select(HarvestRecord).where(
                    HarvestRecord.source_id == self.source.id, HarvestRecord.remote_id.in_(ids)
                )
            )
        }
        seen_now: set[str] = set()
        taken = self._taken_names(items)
        unchanged_ids: list[str] = []
        now = utcnow()
        for item in items:
            rid = item.record.remote_id
            rec = records.get(rid) if rid else None
            if rid and (rid in seen_now or (rec is not None and rec.last_seen_job_id == job.id)):
                if item.record.content is None and item.error is None:
                    continue  # a listing of a record this run already imported
                job.gathered += 1
                job.errored += 1
                message = f"The source lists {rid} more than once; only its first entry counts."
                self._error(rid, "gather", message, commit=False)
                continue
            job.gathered += 1
            if rid:
                seen_now.add(rid)
            if item.error is not None:
                job.errored += 1
                self._record_error(item, rec, *item.error, now=now)
                continue
            assert rid is not None
            if item.unchanged and rec is not None:
                job.unchanged += 1
                unchanged_ids.append(rec.id)
                continue
            self._import(item, rec, job, changed, now, taken)
        if unchanged_ids:
            self.session.execute(
                update(HarvestRecord)
                .where(HarvestRecord.id.in_(unchanged_ids))
                .values(last_seen_job_id=job.id, missing_since=None, status="unchanged")
                .execution_options(synchronize_session=False)
            )

    def _record_error(
        self,
        item: _Item,
        rec: HarvestRecord | None,
        stage: str,
        message: str,
        fields: dict[str, Any] | None,
        *,
        now: datetime,
    ) -> None:
        """Report a record's error in the job, and keep it on the record (which counts as
        listed, so it is not withdrawn; its dataset, if any, stays as it was)."""
        rid = item.record.remote_id
        label = f"{item.record.label}: " if item.record.label else ""
        self._error(rid, stage, label + message, fields, commit=False)
        if not rid or len(rid) > 1000:
            return
        if rec is None:
            rec = self._new_record(rid, item.record.remote_url)
        rec.status = "errored"
        rec.errors = [{"stage": stage, "message": message, "fields": fields}]
        rec.last_job_id = rec.last_seen_job_id = self.job.id
        rec.missing_since = None
        rec.modified = now

    def _new_record(self, rid: str, remote_url: str | None) -> HarvestRecord:
        rec = HarvestRecord(source_id=self.source.id, remote_id=rid, remote_url=remote_url)
        self.session.add(rec)
        return rec

    def _import(
        self,
        item: _Item,
        rec: HarvestRecord | None,
        job: HarvestJob,
        changed: list[str],
        now: datetime,
        taken: set[str],
    ) -> None:
        rid = item.record.remote_id
        assert rid is not None and item.data is not None
        protected = [f for f in self.config.get("protected_fields") or [] if isinstance(f, str)]
        hooks = (len(self.context.after_commit), len(self.context.on_rollback))
        dataset = self.session.get(Dataset, rec.dataset_id) if rec and rec.dataset_id else None
        savepoint = self.session.begin_nested()
        try:
            if dataset is not None and rec is not None:
                data, written = self._update_dict(item.data, dataset, rec, protected)
                result = call("package_update", self.context, data)
                kind = "updated"
            else:
                data = dict(item.data)
                data["name"] = self._free_name(data, rid, taken)
                written = {f: comparable(data.get(f)) for f in protected}
                result = call("package_create", self.context, data)
                kind = "added"
            target = rec if rec is not None else self._new_record(rid, item.record.remote_url)
            target.dataset_id = result["id"]
            target.remote_url = item.record.remote_url
            target.content_hash = item.digest
            target.status = kind
            target.errors = []
            target.written = written
            target.last_job_id = target.last_seen_job_id = job.id
            target.missing_since = None
            target.modified = now
            savepoint.commit()
        except (OperationalError, InterfaceError):
            raise  # the database itself failed: not this record's fault
        except Exception as exc:
            savepoint.rollback()
            self._drop_hooks(*hooks)
            fields = None
            if isinstance(exc, ValidationError):
                fields = error_fields(exc.errors)
                message = describe_errors(exc.errors)
            elif isinstance(exc, IntegrityError):
                message = f"The database refused the record: {exc.orig}"
            elif isinstance(exc, ActionError):
                message = exc.message or exc.__class__.__name__
            else:
                log.exception("Harvest job %s: importing %s failed", job.id, rid)
                message = f"Unexpected error: {exc.__class__.__name__}: {exc}"
            job.errored += 1
            self._record_error(item, rec, "import", message, fields, now=now)
            return
        setattr(job, kind, getattr(job, kind) + 1)
        taken.add(result["name"])
        changed.append(result["id"])

    def _drop_hooks(self, after: int, rollback: int) -> None:
        """Forget the hooks a rolled-back record added (running its rollback hooks)."""
        undo = self.context.on_rollback[rollback:]
        del self.context.on_rollback[rollback:]
        del self.context.after_commit[after:]
        run_hooks(undo)

    def _update_dict(
        self,
        data: dict[str, Any],
        dataset: Dataset,
        rec: HarvestRecord,
        protected: list[str],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The update payload: resources keep their ids (matched by URL, then position), and
        protected fields edited in the portal keep the portal's value."""
        current = show_dict(self.context, dataset)
        data = dict(data)
        data["id"] = dataset.id
        if "resources" in data:
            data["resources"] = _match_resources(data["resources"], current["resources"])
        written = {}
        before = rec.written or {}
        for name in protected:
            remote_value = comparable(data.get(name))
            edited = name not in before or before[name] != comparable(current.get(name))
            if edited:
                data[name] = current.get(name)
                written[name] = before.get(name, remote_value)
            else:
                written[name] = remote_value
        if dataset.state == "deleted":
            data["state"] = "active"
        return data, written

    def _name_candidates(self, data: dict[str, Any], rid: str) -> list[str]:
        """Names for a new record's dataset, best first: the remote name or a slug of the title,
        then the same with a digest of the source and remote id (stable across reruns)."""
        base = data.get("name") if isinstance(data.get("name"), str) else None
        if not base or not re.fullmatch(r"[a-z0-9_-]{2,100}", base):
            base = slugify(data.get("title_en") or data.get("title") or rid, 80) or "dataset"
        base = base if len(base) >= 2 else f"dataset-{base}"
        return [base, f"{base[:90]}-{short_digest(self.source.id, rid)}"]

    def _taken_names(self, items: list[_Item]) -> set[str]:
        """Which candidate names of a batch's new records are taken (one query)."""
        wanted = [
            name
            for item in items
            if item.data is not None and not item.unchanged and item.record.remote_id
            for name in self._name_candidates(item.data, item.record.remote_id)
        ]
        if not wanted:
            return set()
        return set(self.session.scalars(select(Dataset.name).where(Dataset.name.in_(wanted))))

    def _free_name(self, data: dict[str, Any], rid: str, taken: set[str]) -> str:
        for candidate in self._name_candidates(data, rid):
            if candidate not in taken:
                return candidate
        return f"harvest-{short_digest(self.source.id, rid, length=32)}"

    # -- withdraw ---------------------------------------------------------------------------

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
            with transaction(self.context):
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
                        hooks = (len(self.context.after_commit), len(self.context.on_rollback))
                        savepoint = self.session.begin_nested()
                        try:
                            call("package_delete", self.context, {"id": dataset.id})
                            savepoint.commit()
                        except ActionError as exc:
                            savepoint.rollback()
                            self._drop_hooks(*hooks)
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
        _end_job(self.session, self.job.id, status, message)
        self.session.refresh(self.job)
        self._report()


def comparable(value: Any) -> Any:
    """A field's value as protected-field checks compare it: tags and groups as sorted names,
    resources as their URLs, empty text as None (package_show adds ids and display names)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if all("url" in v for v in value):
            return [v["url"] for v in value]
        return sorted(str(v.get("name")) for v in value)
    return None if value == "" else value


def _match_resources(
    new: list[dict[str, Any]], current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Give harvested resources the ids of the current ones with the same URL (else the same
    position), so an update keeps resource ids and their link checks."""
    by_url: dict[str, list[str]] = {}
    for res in current:
        by_url.setdefault(res.get("url") or "", []).append(res["id"])
    used: set[str] = set()
    matched = []
    for res in new:
        res = dict(res)
        res.pop("id", None)
        ids = [i for i in by_url.get(res.get("url") or "", []) if i not in used]
        if ids:
            res["id"] = ids[0]
            used.add(ids[0])
        matched.append(res)
    free = [r["id"] for r in current if r["id"] not in used]
    for res in matched:
        if "id" not in res and free:
            res["id"] = free.pop(0)
    return matched


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
        begin_write(session)
        now = utcnow()
        claimed = session.execute(
            update(HarvestJob)
            .where(HarvestJob.id == job_id, HarvestJob.status == "new")
            .values(status="running", started=now, heartbeat=now)
        ).rowcount
        session.commit()
        if claimed != 1:
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
            _end_job(
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


__all__ = [
    "Aborted",
    "GatherError",
    "HarvestError",
    "HarvestRun",
    "JobConflict",
    "ParseError",
    "RemoteRecord",
    "SourceType",
    "content_hash",
    "create_job",
    "reap_stuck_jobs",
    "register",
    "request_abort",
    "run_job",
    "source_types",
]
