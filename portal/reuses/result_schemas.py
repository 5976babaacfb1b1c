"""marshmallow *output* schemas of the reuse actions, for the OpenAPI document (RESULTS below;
see portal.result_schemas). Keep in step with portal.reuses.actions._reuse_dict."""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mf

from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp, many


class ReuseOrganizationSchema(ResultSchema):
    id = Str()
    name = Str()
    title = Str()
    title_en = NullStr()


class ReuseDatasetSchema(ResultSchema):
    id = Str()
    name = Str()
    title = Str()
    title_en = NullStr()
    url = Str(metadata={"description": "The dataset's page."})
    organization = mf.Nested(ReuseOrganizationSchema, required=True, allow_none=True)


class ReuseSchema(ResultSchema):
    id = Str()
    title = Str()
    description = Str(metadata={"description": "Markdown, as submitted."})
    type = Str(metadata={"description": "application, visualisation, article, api or other"})
    url = Str(metadata={"description": "Where the reuse is."})
    page_url = Str(metadata={"description": "The reuse's page on this portal."})
    image_url = NullStr()
    state = Str(metadata={"description": "published, or hidden by a moderator"})
    featured = mf.Boolean(required=True)
    user_id = NullStr(metadata={"description": "The submitter (null once the account is gone)."})
    user_name = NullStr()
    datasets = mf.List(
        mf.Nested(ReuseDatasetSchema),
        required=True,
        metadata={"description": "The datasets used that the caller may read."},
    )
    num_datasets = mf.Integer(required=True)
    created = Timestamp(required=True)
    modified = Timestamp(required=True)
    can_edit = mf.Boolean(required=True, metadata={"description": "Whether the caller may."})
    can_feature = mf.Boolean(required=True, metadata={"description": "Whether the caller may."})
    open_reports = mf.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Reports not yet dealt with; null unless a sysadmin asks."},
    )


class ReuseListSchema(ResultSchema):
    count = mf.Integer(required=True, metadata={"description": "Matching reuses, all pages."})
    results = mf.List(mf.Nested(ReuseSchema), required=True)


class ReuseReportEntrySchema(ResultSchema):
    user_name = Str()
    reason = Str()
    created = Timestamp(required=True)


class ReportedReuseSchema(ReuseSchema):
    reports = mf.List(mf.Nested(ReuseReportEntrySchema), required=True)


class ReuseReportListSchema(ResultSchema):
    count = mf.Integer(required=True, metadata={"description": "Reported reuses, all pages."})
    results = mf.List(mf.Nested(ReportedReuseSchema), required=True)


class ReuseReferenceSchema(ResultSchema):
    dataset_id = Str()
    reuse_id = Str()
    page_url = Str()


RESULTS: dict[str, Any] = {
    "reuse_create": ReuseSchema,
    "reuse_show": ReuseSchema,
    "reuse_list": ReuseListSchema,
    "reuse_update": ReuseSchema,
    "reuse_delete": None,
    "reuse_feature": ReuseSchema,
    "reuse_unfeature": ReuseSchema,
    "reuse_report": ReuseSchema,
    "reuse_moderate": ReuseSchema,
    "reuse_report_list": ReuseReportListSchema,
    "reuse_references": many(ReuseReferenceSchema),
}
