"""The public statistics page (/stats) and each chart's figures as CSV (/stats/<chart>.csv).

Every chart is one declaration below (its title, its kind, where its figures come from); the
page draws them with the portal's own ECharts and always shows the same figures as a table,
so the page reads without JavaScript and for screen readers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, render_template
from flask_babel import lazy_gettext as _l

from portal.actions import call
from portal.request_context import action_context
from portal.web import lookups
from portal.web.blueprint import bp
from portal.web.datatable import echarts_available
from portal.web.i18n import localized

MONTHS = 12
TOP_TERMS = 20


@dataclass(frozen=True)
class Chart:
    name: str
    title: Any  # a lazy translation
    kind: str  # bar, pie or line
    columns: tuple[Any, ...]  # the table's headers: a label, then one per series
    rows: Callable[[dict[str, Any]], list[list[Any]]]  # from the page's figures
    source: str = "catalog"  # the figures (SOURCES) it is drawn from


def _facet(field: str) -> Callable[[dict[str, Any]], list[list[Any]]]:
    def rows(figures: dict[str, Any]) -> list[list[Any]]:
        items = figures["catalog"]["facets"].get(field, [])
        return [[_label(field, i), i["count"]] for i in items]

    return rows


def _label(field: str, item: dict[str, Any]) -> str:
    """Departments and themes from the figures themselves (display_name, title_en): listing
    them all per request costs more than the cached figures; other values from the lookups."""
    if field in ("organization", "groups"):
        return localized({"title": item["display_name"], "title_en": item.get("title_en")})
    return lookups.value_label(field, item["name"]) or item["display_name"]


def _growth(figures: dict[str, Any]) -> list[list[Any]]:
    return [[m["month"], m["new"], m["total"]] for m in figures["growth"]]


def _usage(figures: dict[str, Any]) -> list[list[Any]]:
    return [[m["month"], m["downloads"], m["views"], m["searches"]] for m in figures["usage"]]


def _api_calls(figures: dict[str, Any]) -> list[list[Any]]:
    return [[m["month"], m["calls"]] for m in figures["api"]]


def _terms(figures: dict[str, Any]) -> list[list[Any]]:
    return [[t["term"], t["count"], t["results"]] for t in figures["terms"]]


COUNT = _l("Datasets")
CHARTS = (
    Chart("departments", _l("Datasets per department"), "bar", (_l("Department"), COUNT),
          _facet("organization")),
    Chart("themes", _l("Datasets per theme"), "bar", (_l("Theme"), COUNT), _facet("groups")),
    Chart("growth", _l("Datasets published per month"), "line",
          (_l("Month"), _l("New datasets"), _l("Datasets in all")), _growth, "growth"),
    Chart("usage", _l("Downloads, page views and searches per month"), "line",
          (_l("Month"), _l("Downloads"), _l("Page views"), _l("Searches")), _usage, "usage"),
    Chart("api-calls", _l("Action API calls per month"), "line", (_l("Month"), _l("API calls")),
          _api_calls, "api"),
    Chart("formats", _l("Datasets by file format"), "pie", (_l("Format"), COUNT),
          _facet("res_format")),
    Chart("opening", _l("Opening types"), "pie", (_l("Opening type"), COUNT),
          _facet("open_type")),
    Chart("quality", _l("Metadata quality bands"), "bar", (_l("Band"), COUNT),
          _facet("quality")),
    Chart("licences", _l("Licences"), "pie", (_l("Licence"), COUNT), _facet("license_id")),
    Chart("search-terms", _l("Top search terms"), "table",
          (_l("Search term"), _l("Searches"), _l("Datasets found")), _terms, "terms"),
)  # fmt: skip
BY_NAME = {chart.name: chart for chart in CHARTS}


# Each source is one stats_* action: a CSV file computes only its own chart's.
SOURCES: dict[str, tuple[str, dict[str, Any]]] = {
    "catalog": ("stats_catalog", {}),
    "growth": ("stats_growth", {"months": MONTHS}),
    "usage": ("stats_usage", {"months": MONTHS}),
    "terms": ("stats_search_terms", {"days": 30, "limit": TOP_TERMS}),
    "api": ("stats_api_calls", {"months": MONTHS}),
}


def figures(sources: tuple[str, ...] = tuple(SOURCES)) -> dict[str, Any]:
    context = action_context()
    return {key: call(SOURCES[key][0], context, dict(SOURCES[key][1])) for key in sources}


@bp.get("/stats")
def stats_page() -> str:
    found = figures()
    charts = [
        {"chart": chart, "columns": [str(c) for c in chart.columns], "rows": chart.rows(found)}
        for chart in CHARTS
    ]
    latest = found["usage"][-1] if found["usage"] else {}
    return render_template(
        "stats.html",
        charts=charts,
        datasets=found["catalog"]["datasets"],
        departments=len(found["catalog"]["facets"].get("organization", [])),
        latest=latest,
        echarts=echarts_available(),
    )


@bp.get("/stats/<name>.csv")
def stats_csv(name: str) -> Response:
    chart = BY_NAME.get(name)
    if chart is None:
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in chart.columns])
    writer.writerows(chart.rows(figures((chart.source,))))
    # UTF-8 with a BOM, so Excel opens the Chinese labels.
    return Response(
        "\ufeff" + out.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="stats-{name}.csv"'},
    )
