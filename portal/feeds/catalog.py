"""What every catalog-level feed shares: the catalog's own description, the query parameters
(`after` or `page`, `rows`, `modified_since`, `q`, `fq`) and reading public datasets page by
page through the package_search action, as an anonymous visitor whoever asks.

Pages are in one stable order, by creation time then id, which no edit changes; a page's next
link carries a cursor (`after`: the key of its last dataset), and the next page holds the
datasets after that key. So a harvester following next links sees every dataset exactly once
while the catalog changes: an edited dataset keeps its place, a new one comes at the end, and
a deleted one only leaves its own gap (offset pages, `page=N`, shifted every dataset after it).
`page=N` still works, as an offset into the same order.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from portal.actions import Context, call
from portal.feeds.dcat import CatalogInfo
from portal.feeds.values import email, site_url_of

DEFAULT_ROWS = 100
MAX_ROWS = 1000
STREAM_ROWS = 500
MAX_START = 10_000_000
SORT = "metadata_modified desc"
# The paging order: creation time, then id (in Python: engines sort the time alone).
PAGING_SORT = "metadata_created asc"

DEFAULT_INFO = {
    "title": {"zh": "开放数据门户", "en": "Open Data Portal"},
    "description": {
        "zh": "政府部门开放的公共数据目录。",
        "en": "The catalog of public data opened by government departments.",
    },
    "publisher": {"zh": "开放数据门户", "en": "Open Data Portal"},
}


class FeedParameterError(ValueError):
    """A bad query parameter: the view answers 400 with this message."""


def catalog_info(app: Flask) -> CatalogInfo:
    """The catalog's title, description and publisher (each {"zh": ..., "en": ...}) and
    contact e-mail: `Settings.extra["catalog"]` over the defaults."""
    settings = app.extensions["portal.settings"]
    own = (settings.extra or {}).get("catalog") or {}
    merged = {key: {**value, **(own.get(key) or {})} for key, value in DEFAULT_INFO.items()}
    return CatalogInfo(site_url=site_url_of(app), email=email(own.get("email")), **merged)


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a page ends: the (metadata_created, id) of its last dataset, and the number of
    the page that follows (shown in the links, not used to find datasets)."""

    created: datetime
    id: str
    page: int = 2

    @property
    def key(self) -> tuple[datetime, str]:
        return self.created, self.id

    def encode(self) -> str:
        text = f"{self.created.isoformat()}|{self.id}|{self.page}"
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token.strip() + "=" * (-len(token.strip()) % 4)
            created, ident, page = (
                base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8").split("|")
            )
            cursor = cls(datetime.fromisoformat(created), ident, int(page))
        except (ValueError, UnicodeError, binascii.Error):
            raise FeedParameterError(
                "after is not a paging cursor: follow the feed's hydra:next link"
            ) from None
        if cursor.created.tzinfo is not None or not ident or len(ident) > 100 or cursor.page < 2:
            raise FeedParameterError(
                "after is not a paging cursor: follow the feed's hydra:next link"
            )
        return cursor


def paging_key(dataset: dict[str, Any]) -> tuple[datetime, str]:
    created = dataset.get("metadata_created")
    return (datetime.fromisoformat(created) if created else datetime.min), dataset["id"]


@dataclass(frozen=True)
class CatalogQuery:
    page: int = 1
    rows: int = DEFAULT_ROWS
    q: str = ""
    fq: str = ""
    modified_since: str | None = None
    after: Cursor | None = None
    # Whether the request asked for a page number (offset paging) rather than a cursor.
    numbered: bool = False

    @property
    def start(self) -> int:
        return (self.page - 1) * self.rows

    def filters(self) -> list[str]:
        found = [self.fq] if self.fq.strip() else []
        if self.modified_since:
            found.append(f"metadata_modified:[{self.modified_since} TO *]")
        return found

    def link_args(self) -> dict[str, str]:
        """The parameters to repeat in the paging links (the page number aside)."""
        args = {"q": self.q, "fq": self.fq, "modified_since": self.modified_since or ""}
        if self.rows != DEFAULT_ROWS:
            args["rows"] = str(self.rows)
        return {k: v for k, v in args.items() if v}


def parse_query(args: Any) -> CatalogQuery:
    """Read and check the catalog parameters of a request (a MultiDict or a dict)."""
    page = _integer(args, "page", 1, 1, None)
    rows = _integer(args, "rows", DEFAULT_ROWS, 1, MAX_ROWS)
    if (page - 1) * rows > MAX_START:
        raise FeedParameterError(f"page is too large: at most {MAX_START // rows + 1}")
    q, fq = (args.get(key) or "" for key in ("q", "fq"))
    if len(q) > 2000 or len(fq) > 2000:
        raise FeedParameterError("q and fq are limited to 2000 characters")
    since = args.get("modified_since")
    token = args.get("after") or ""
    if len(token) > 500:
        raise FeedParameterError("after is not a paging cursor: follow the feed's hydra:next link")
    after = Cursor.decode(token) if token else None
    numbered = args.get("page") not in (None, "")
    if after is not None and numbered:
        raise FeedParameterError("Use either after or page, not both")
    if after is not None:
        page = after.page
    return CatalogQuery(page, rows, q, fq, parse_since(since) if since else None, after, numbered)


def _integer(args: Any, name: str, default: int, low: int, high: int | None) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise FeedParameterError(f"{name} must be a whole number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise FeedParameterError(f"{name} must be {bounds}, not {value}")
    return value


def parse_since(text: str) -> str:
    """An ISO date or date-time -> the UTC instant the search syntax expects. A value without
    an offset is read as UTC; an offset (+08:00) is converted."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise FeedParameterError(
            f"modified_since must be an ISO date or date-time such as 2024-01-31 or "
            f"2024-01-31T08:00:00+08:00, not {text!r}"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def anonymous(context: Context) -> Context:
    """Feeds list public datasets only, whoever asks (a sysadmin's feed is everyone's)."""
    return Context(session=context.session, app=context.app, user=None)


def search_page(context: Context, query: CatalogQuery, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "q": query.q,
        "fq_list": query.filters(),
        "sort": SORT,
        "rows": query.rows,
        "start": query.start,
        "facet": False,
        "include_private": False,
        "include_drafts": False,
        **extra,
    }
    return call("package_search", anonymous(context), data)


@dataclass
class CatalogPage:
    datasets: list[dict[str, Any]]
    total: int  # datasets matching the query, all pages together
    next: Cursor | None  # where the next page starts; None on the last page


def catalog_page(context: Context, query: CatalogQuery) -> CatalogPage:
    """One page of the catalog in the paging order: after `query.after` (keyset), or at the
    offset of `query.page` when the request asked for a page number."""
    if query.numbered:
        found = search_page(context, query, sort=PAGING_SORT)
        datasets = sorted(found["results"], key=paging_key)
        more = query.start + len(datasets) < found["count"]
        return CatalogPage(datasets, found["count"], _cursor_after(datasets, query.page, more))
    datasets, more, total = _datasets_after(context, query)
    if total is None:
        total = search_page(context, replace(query, rows=0, after=None), sort=PAGING_SORT)["count"]
    return CatalogPage(datasets, total, _cursor_after(datasets, query.page, more))


def _cursor_after(datasets: list[dict[str, Any]], page: int, more: bool) -> Cursor | None:
    if not more or not datasets:
        return None
    created, ident = paging_key(datasets[-1])
    return Cursor(created, ident, page + 1)


def _datasets_after(
    context: Context, query: CatalogQuery
) -> tuple[list[dict[str, Any]], bool, int | None]:
    """The `query.rows` datasets after the cursor, whether more follow and, on the first
    page, how many match in all.

    Engines filter dates to the second (or millisecond) and sort datasets created within one
    such step in no fixed order, while the cursor is exact to the microsecond and the id. So
    the search starts at the cursor's whole second, the results are ordered by the exact key
    here, and results in the last second a window reached are only trusted once the next
    window shows that second is complete."""
    filters = query.filters()
    if query.after is not None:
        since = query.after.created.replace(microsecond=0)
        filters.append(f"metadata_created:[{since.strftime('%Y-%m-%dT%H:%M:%SZ')} TO *]")
    collected: dict[str, dict[str, Any]] = {}
    start, window, total = 0, min(query.rows + 20, MAX_ROWS), None
    while True:
        found = search_page(
            context, query, sort=PAGING_SORT, fq_list=filters, start=start, rows=window
        )
        if query.after is None and start == 0:
            total = found["count"]  # no cursor filter: the whole collection
        batch = found["results"]
        collected.update((d["id"], d) for d in batch)
        start += len(batch)
        complete = not batch or start >= found["count"] or start > MAX_START
        ahead = sorted(
            (
                d
                for d in collected.values()
                if query.after is None or paging_key(d) > query.after.key
            ),
            key=paging_key,
        )
        if not complete:
            edge = paging_key(batch[-1])[0].replace(microsecond=0)
            ahead = [d for d in ahead if paging_key(d)[0].replace(microsecond=0) < edge]
        if complete or len(ahead) > query.rows:
            return ahead[: query.rows], len(ahead) > query.rows, total
        window = min(window * 2, MAX_ROWS)


def latest_modified(context: Context) -> str | None:
    """When the catalog last changed: the newest metadata_modified of a public dataset."""
    found = search_page(context, CatalogQuery(rows=1), fl="metadata_modified")
    results = found["results"]
    return results[0].get("metadata_modified") if results else None


def iter_datasets(
    context: Context, query: CatalogQuery | None = None, rows: int = STREAM_ROWS
) -> Iterator[dict[str, Any]]:
    """Every public dataset matching `query`, fetched `rows` at a time in the paging order,
    each page after the last one's key: the catalog may change meanwhile, no dataset is
    repeated or skipped for it."""
    page = replace(query or CatalogQuery(), page=1, rows=rows, after=None, numbered=False)
    while True:
        datasets, more, _total = _datasets_after(context, page)
        for dataset in datasets:
            dataset.pop("highlight", None)
            yield dataset
        after = _cursor_after(datasets, page.page, more)
        if after is None:
            return
        page = replace(page, page=after.page, after=after)
