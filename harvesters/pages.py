"""Pages remembered between jobs: a page whose bytes, config and records are those the last
successful job read and imported well is not parsed again (see HarvestPage)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from harvesters.models import HarvestJob, HarvestPage, HarvestRecord, HarvestSource
from harvesters.records import content_hash
from harvesters.registry import PageMemo
from portal.database import begin_write

GOOD_STATUSES = ("added", "updated", "unchanged")


class PageMemory:
    """The page memo part of a HarvestRun (mixed in: it reads the run's session and job)."""

    session: Session
    job: HarvestJob
    source: HarvestSource
    config: dict
    _pages: list[PageMemo]

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
