"""The resource page's DataStore sections, read through the DataStore actions: the table
(paged, sorted by a column header, filtered by a column's value and a full-text `q`), its load
status, the data dictionary, the API snippets and what the chart builder needs.

Everything is server-rendered from the query string (`page`, `sort`, `order`, `column`,
`value`, `q`), so the table works without JavaScript; the chart builder (static/chart.js)
fetches its rows from datastore_search itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from portal.actions import call
from portal.errors import DatastoreError, NotAuthorized, NotFound, ValidationError
from portal.request_context import action_context

ROWS_PER_PAGE = 25
MAX_OFFSET = 1_000_000  # deeper than this, the dumps and the API are the way
NUMERIC_TYPES = frozenset({"int", "bigint", "numeric", "float"})
ECHARTS = "vendor/echarts.min.js"
ID = "_id"
CHART_ROWS = 1000
TYPE_LABELS = {
    "text": _l("Text"),
    "int": _l("Integer"),
    "bigint": _l("Integer"),
    "numeric": _l("Number"),
    "float": _l("Number"),
    "bool": _l("Yes or no"),
    "date": _l("Date"),
    "timestamp": _l("Date and time"),
    "json": _l("JSON"),
}


@dataclass
class TableView:
    """One page of a DataStore table as the page shows it."""

    fields: list[dict[str, Any]]
    records: list[list[Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    sort: str = ""
    order: str = "asc"
    column: str = ""
    value: str = ""
    q: str = ""
    error: str | None = None
    chart_rows: int = CHART_ROWS

    @property
    def filters(self) -> dict[str, str]:
        return {self.column: self.value} if self.column else {}

    @property
    def default_x(self) -> str:
        """The chart's first category column: the first textual one."""
        texts = [f["id"] for f in self.fields if f["type"] == "text"]
        return texts[0] if texts else (self.fields[0]["id"] if self.fields else "")

    @property
    def dump_query(self) -> str:
        """The dump's query string for the rows shown (same filters, q and sort)."""
        args = {"format": "csv"}
        if self.filters:
            args["filters"] = json.dumps(self.filters, ensure_ascii=False)
        if self.q:
            args["q"] = self.q
        if self.sort:
            args["sort"] = _sort_clause(self.sort, self.order)
        return urlencode(args)

    @property
    def numeric_fields(self) -> list[dict[str, Any]]:
        return [f for f in self.fields if f["type"] in NUMERIC_TYPES]


def datastore_info(resource_id: str) -> dict[str, Any] | None:
    """datastore_info, or None when the resource has neither a table nor a load status."""
    try:
        return call("datastore_info", action_context(), {"id": resource_id})
    except (NotFound, NotAuthorized, DatastoreError):
        return None  # an unreachable DataStore: the page shows the file's own preview


def _requested_page() -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_OFFSET // ROWS_PER_PAGE)


def _sort_clause(name: str, order: str) -> str:
    # Always quoted: column names may hold spaces, commas or quotes.
    return '"' + name.replace('"', '""') + '" ' + order


def table_view(resource_id: str, info: dict[str, Any]) -> TableView:
    """The requested page of the table: the arguments that name no column are ignored, a
    value the column cannot hold is a message above an empty table, never an error page."""
    fields = [{"id": ID, "type": "int"}, *info["fields"]]
    names = {f["id"] for f in fields}
    args = request.args
    view = TableView(fields=[f for f in info["fields"]], q=args.get("q", "").strip()[:200])
    if args.get("sort") in names:
        view.sort = args["sort"]
        view.order = "desc" if args.get("order") == "desc" else "asc"
    if args.get("column") in names and args.get("value", "").strip():
        view.column, view.value = args["column"], args["value"].strip()[:200]
    search: dict[str, Any] = {"resource_id": resource_id, "records_format": "lists"}
    search["fields"] = [f["id"] for f in view.fields]
    search["sort"] = _sort_clause(view.sort, view.order) if view.sort else f"{ID} asc"
    if view.filters:
        search["filters"] = json.dumps(view.filters, ensure_ascii=False)
    if view.q:
        search["q"] = view.q
    try:
        view.page = _requested_page()
        found = _rows(search, view.page)
        view.total = found["total"]
        view.pages = max(1, min(-(-view.total // ROWS_PER_PAGE), MAX_OFFSET // ROWS_PER_PAGE))
        if view.page > view.pages:  # a page past the end: the last one
            view.page = view.pages
            found = _rows(search, view.page)
        view.records = found["records"]
    except ValidationError as exc:
        view.error = _first_message(exc)
    return view


def _rows(search: dict[str, Any], page: int) -> dict[str, Any]:
    offset = (page - 1) * ROWS_PER_PAGE
    return call("datastore_search", action_context(),
                {**search, "limit": ROWS_PER_PAGE, "offset": offset})  # fmt: skip


def _first_message(exc: ValidationError) -> str:
    for value in exc.errors.values():
        while isinstance(value, (list, dict)) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        if isinstance(value, str):
            return value
    return exc.message or ""


def type_label(type_name: str) -> str:
    return str(TYPE_LABELS.get(type_name, type_name))


def description(item: dict[str, Any]) -> str:
    """A column's description in the data dictionary (CKAN keeps it in info.notes)."""
    info = item.get("info") if isinstance(item.get("info"), dict) else {}
    return str(info.get("notes") or "")


def dictionary_fields(info: dict[str, Any], form: dict[str, str]) -> list[dict[str, Any]]:
    """The table's fields with the descriptions of the dictionary form (`notes-<n>` for the
    column named by `column-<n>`); the other `info` keys are kept. A column the form does not
    name (the file was reloaded with other columns meanwhile) keeps its description."""
    sent = {
        form[key]: form.get(f"notes-{key.removeprefix('column-')}")
        for key in form
        if key.startswith("column-")
    }
    result = []
    for item in info["fields"]:
        kept = dict(item.get("info") or {}) if isinstance(item.get("info"), dict) else {}
        notes = sent.get(item["id"])
        if notes is not None:
            kept["notes"] = notes.strip()[:2000]
        result.append({"id": item["id"], "type": item["type"], "info": kept})
    return result


def echarts_available() -> bool:
    """Whether `make install` put ECharts into the static files (it is not in git)."""
    static = current_app.blueprints["web"].static_folder or ""
    return (Path(static) / ECHARTS).is_file()


def snippets(site: str, resource_id: str) -> dict[str, str]:
    """Ready-to-run calls of datastore_search and datastore_search_sql for this table."""
    api = f"{site}/api/3/action"
    sql = f'SELECT * FROM "{resource_id}" LIMIT 5'
    return {
        "curl_search": (
            f'curl -G "{api}/datastore_search" \\\n'
            f'  --data-urlencode "resource_id={resource_id}" \\\n'
            '  --data-urlencode "limit=5"'
        ),
        "curl_sql": f"curl -G \"{api}/datastore_search_sql\" \\\n  --data-urlencode 'sql={sql}'",
        "python": (
            "from ckanapi import RemoteCKAN\n\n"
            f'portal = RemoteCKAN("{site}")\n'
            f'page = portal.action.datastore_search(resource_id="{resource_id}", limit=5)\n'
            'print(page["total"], page["records"])\n'
            f"rows = portal.action.datastore_search_sql(sql='{sql}')\n"
            'print(rows["records"])'
        ),
    }
