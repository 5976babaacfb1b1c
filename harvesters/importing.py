"""Importing one batch of records: fetch and map them outside any transaction, then write the
batch in one transaction, each record in a savepoint so one bad record costs only itself.

A record is mapped to a dataset dict, hashed (`content_hash`) and, unless the hash is the one
last written, created or updated through the same `package_create` / `package_update` actions
as the API. The dataset and its `harvest_record` (unique on source and remote id) commit
together, so an aborted or killed job can never leave a dataset the next job would not find.
Records unchanged since the last write cost one bulk UPDATE per batch, no action.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from harvesters.errors import Aborted, HarvestError
from harvesters.models import HarvestJob, HarvestRecord, HarvestSource
from harvesters.records import (
    HARVEST_EXTRAS,
    REMOTE_KEYS,
    clean_tags,
    comparable,
    content_hash,
    describe_errors,
    error_fields,
    match_resources,
    name_candidates,
    short_digest,
)
from harvesters.registry import RemoteRecord, SourceType
from portal.actions import Context, batch, call, savepoint
from portal.catalog.models import Dataset
from portal.catalog.saving import show_dict
from portal.database import utcnow
from portal.errors import ActionError, ValidationError
from portal.net.errors import FetchError

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

# Search updates are applied every this many changed datasets or seconds, and at the end.
INDEX_EVERY = 1000
INDEX_EVERY_SECONDS = 10.0


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



class Importer:
    """The batch-writing part of a HarvestRun (mixed in: it uses the run's session, context,
    job and error log)."""

    app: Flask
    session: Session
    job: HarvestJob
    source: HarvestSource
    config: dict[str, Any]
    context: Context
    _unindexed: list[str]
    _indexed_at: float

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
        with batch(self.context):
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
        dataset = self.session.get(Dataset, rec.dataset_id) if rec and rec.dataset_id else None
        try:
            with savepoint(self.context):
                kind, result = self._save(item, rec, dataset, job, now, taken, protected)
        except (OperationalError, InterfaceError):
            raise  # the database itself failed: not this record's fault
        except Exception as exc:
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

    def _save(
        self,
        item: _Item,
        rec: HarvestRecord | None,
        dataset: Dataset | None,
        job: HarvestJob,
        now: datetime,
        taken: set[str],
        protected: list[str],
    ) -> tuple[str, dict[str, Any]]:
        """Create or update the record's dataset and its harvest_record; ("added" or
        "updated", the action's result)."""
        rid = item.record.remote_id
        assert rid is not None and item.data is not None
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
        return kind, result

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
            data["resources"] = match_resources(data["resources"], current["resources"])
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

    def _taken_names(self, items: list[_Item]) -> set[str]:
        """Which candidate names of a batch's new records are taken (one query)."""
        wanted = [
            name
            for item in items
            if item.data is not None and not item.unchanged and item.record.remote_id
            for name in name_candidates(item.data, self.source.id, item.record.remote_id)
        ]
        if not wanted:
            return set()
        return set(self.session.scalars(select(Dataset.name).where(Dataset.name.in_(wanted))))

    def _free_name(self, data: dict[str, Any], rid: str, taken: set[str]) -> str:
        for candidate in name_candidates(data, self.source.id, rid):
            if candidate not in taken:
                return candidate
        return f"harvest-{short_digest(self.source.id, rid, length=32)}"

    # -- withdraw ---------------------------------------------------------------------------
