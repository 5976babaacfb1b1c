"""marshmallow *output* schemas of the usage statistics actions, for the OpenAPI document
(RESULTS below; see portal.result_schemas)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal.result_schemas import ResultSchema, Str, many
from portal.search.result_schemas import SearchPackageSchema


class PopularPackageSchema(SearchPackageSchema):
    """A dataset as package_search returns it, with its download count."""

    downloads = fields.Integer(
        required=True, metadata={"description": "Downloads counted (in the `days` asked for)."}
    )


class DownloadSummarySchema(ResultSchema):
    """CKAN's tracking_summary."""

    total = fields.Integer(required=True, metadata={"description": "All downloads."})
    recent = fields.Integer(
        required=True, metadata={"description": "Downloads of the last 14 days, today included."}
    )


class DownloadDaySchema(ResultSchema):
    day = Str(metadata={"description": "A day (UTC).", "example": "2026-05-01"})
    count = fields.Integer(required=True)


class DownloadStatsResultSchema(DownloadSummarySchema):
    resources = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(DownloadSummarySchema),
        required=True,
        metadata={"description": "Per resource id of the dataset: its total and recent."},
    )
    by_day = fields.List(
        fields.Nested(DownloadDaySchema),
        required=True,
        metadata={"description": "The last 30 days, oldest first; 0 where none."},
    )


class ViewStatsResultSchema(ResultSchema):
    total = fields.Integer(required=True, metadata={"description": "All page views."})
    recent = fields.Integer(
        required=True, metadata={"description": "Page views of the last 14 days, today included."}
    )
    by_day = fields.List(
        fields.Nested(DownloadDaySchema),
        required=True,
        metadata={"description": "The last 30 days, oldest first; 0 where none."},
    )


class SearchTermSchema(ResultSchema):
    term = Str(metadata={"description": "The normalised query.", "example": "公交"})
    count = fields.Integer(
        required=True, metadata={"description": "Searches for it in the window."}
    )
    results = fields.Integer(
        required=True, metadata={"description": "Datasets its latest search found."}
    )


RESULTS: dict[str, Any] = {
    "package_download_stats": DownloadStatsResultSchema,
    "package_view_stats": ViewStatsResultSchema,
    "stats_search_terms": many(SearchTermSchema),
    "package_popular": many(PopularPackageSchema),
}
