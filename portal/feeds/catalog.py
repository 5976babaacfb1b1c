"""What every catalog-level feed shares: the catalog's own description, the query parameters
(`page`, `rows`, `modified_since`, `q`, `fq`) and reading public datasets page by page through
the package_search action, as an anonymous visitor whoever asks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class CatalogQuery:
    page: int = 1
    rows: int = DEFAULT_ROWS
    q: str = ""
    fq: str = ""
    modified_since: str | None = None

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
    return CatalogQuery(page, rows, q, fq, parse_since(since) if since else None)


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


def latest_modified(context: Context) -> str | None:
    """When the catalog last changed: the newest metadata_modified of a public dataset."""
    found = search_page(context, CatalogQuery(rows=1), fl="metadata_modified")
    results = found["results"]
    return results[0].get("metadata_modified") if results else None


def iter_datasets(
    context: Context, query: CatalogQuery | None = None, rows: int = STREAM_ROWS
) -> Iterator[dict[str, Any]]:
    """Every public dataset matching `query`, fetched `rows` at a time. Offset paging can see
    a dataset twice when the catalog changes meanwhile: repeats are skipped by id."""
    base = query or CatalogQuery()
    seen: set[str] = set()
    start = 0
    while True:
        page = CatalogQuery(1, rows, base.q, base.fq, base.modified_since)
        found = search_page(context, page, start=start)
        for dataset in found["results"]:
            if dataset["id"] not in seen:
                seen.add(dataset["id"])
                dataset.pop("highlight", None)
                yield dataset
        start += rows
        if start >= found["count"] or not found["results"] or start > MAX_START:
            return
