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


class FacetCountSchema(ResultSchema):
    name = Str(metadata={"example": "transport"})
    display_name = Str(metadata={"example": "省交通运输厅"})
    title_en = Str(
        required=False,
        metadata={"description": "Departments and themes: the English title, when set."},
    )
    count = fields.Integer(required=True)


class CatalogStatsSchema(ResultSchema):
    datasets = fields.Integer(required=True, metadata={"description": "Public datasets."})
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetCountSchema)),
        required=True,
        metadata={
            "description": "Per organization, groups, res_format, license_id, open_type and "
            "quality: the public datasets of each value, largest first."
        },
    )


class GrowthMonthSchema(ResultSchema):
    month = Str(metadata={"example": "2026-11"})
    new = fields.Integer(required=True, metadata={"description": "Datasets first published."})
    total = fields.Integer(required=True, metadata={"description": "Public datasets by then."})


class UsageMonthSchema(ResultSchema):
    month = Str(metadata={"example": "2026-11"})
    downloads = fields.Integer(required=True)
    views = fields.Integer(required=True, metadata={"description": "Dataset page views."})
    searches = fields.Integer(required=True)


class RollupRowSchema(ResultSchema):
    period = Str(metadata={"description": "YYYY-MM, or YYYY-MM-DD by day.", "example": "2026-11"})
    name = Str(metadata={"example": "transport"})
    display_name = Str(metadata={"example": "省交通运输厅"})
    views = fields.Integer(required=True, metadata={"description": "Dataset page views."})
    downloads = fields.Integer(required=True)
    searches = fields.Integer(
        required=True, metadata={"description": "Searches whose terms touch it."}
    )


class DepartmentDaySchema(ResultSchema):
    day = Str(metadata={"example": "2026-11-03"})
    views = fields.Integer(required=True)
    downloads = fields.Integer(required=True)


class DepartmentTopSchema(ResultSchema):
    name = Str(metadata={"example": "bus-routes"})
    title = Str(metadata={"example": "全省公交线路"})
    views = fields.Integer(required=True, metadata={"description": "In the last 30 days."})


class DepartmentStatsSchema(ResultSchema):
    name = Str(metadata={"example": "transport"})
    datasets = fields.Integer(required=True, metadata={"description": "Public datasets."})
    resources = fields.Integer(required=True, metadata={"description": "Their resources."})
    views = fields.Integer(required=True, metadata={"description": "Views, last 30 days."})
    downloads = fields.Integer(
        required=True, metadata={"description": "Downloads, last 30 days."}
    )
    by_day = fields.List(fields.Nested(DepartmentDaySchema), required=True)
    top = fields.List(
        fields.Nested(DepartmentTopSchema),
        required=True,
        metadata={"description": "The five most viewed public datasets of the 30 days."},
    )


class ThemeLabelSchema(ResultSchema):
    name = Str(metadata={"example": "transport-mobility"})
    display_name = Str(metadata={"example": "交通出行"})


class GapTermSchema(ResultSchema):
    term = Str(metadata={"example": "交通拥堵"})
    count = fields.Integer(required=True, metadata={"description": "Searches in the window."})
    themes = fields.List(Str(), required=True, metadata={"description": "Themes it touches."})


class DepartmentSearchesSchema(ResultSchema):
    themes = fields.List(fields.Nested(ThemeLabelSchema), required=True)
    keywords = fields.List(
        Str(), required=True, metadata={"description": "The themes' words terms are matched on."}
    )
    terms = fields.List(fields.Nested(GapTermSchema), required=True)


RESULTS: dict[str, Any] = {
    "stats_usage_rollup": many(RollupRowSchema),
    "stats_department": DepartmentStatsSchema,
    "stats_department_searches": DepartmentSearchesSchema,
    "stats_catalog": CatalogStatsSchema,
    "stats_growth": many(GrowthMonthSchema),
    "stats_usage": many(UsageMonthSchema),
    "package_download_stats": DownloadStatsResultSchema,
    "package_view_stats": ViewStatsResultSchema,
    "stats_search_terms": many(SearchTermSchema),
    "package_popular": many(PopularPackageSchema),
}
