"""marshmallow *output* schemas of the data request actions, for the OpenAPI document (RESULTS
below; see portal.result_schemas). Keep in step with portal.requests.actions._request_dict."""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mf

from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp


class DataRequestOrganizationSchema(ResultSchema):
    id = Str()
    name = Str()
    title = Str()
    title_en = NullStr()


class DataRequestSchema(ResultSchema):
    id = Str()
    title = Str()
    description = Str()
    user_id = NullStr(metadata={"description": "The requester (null once the account is gone)."})
    user_name = NullStr()
    organization_id = NullStr(metadata={"description": "The department asked, if any."})
    organization = mf.Nested(DataRequestOrganizationSchema, required=True, allow_none=True)
    state = Str(metadata={"description": "open, planned, published or refused"})
    hidden = mf.Boolean(
        required=True,
        metadata={"description": "Hidden by a moderator: only its requester and sysadmins see it."},
    )
    answer = NullStr(metadata={"description": "The department's answer (the reason if refused)."})
    dataset_id = NullStr(metadata={"description": "The published dataset, when published."})
    dataset_name = NullStr()
    dataset_url = NullStr()
    support_count = mf.Integer(required=True)
    supported = mf.Boolean(
        required=True, metadata={"description": "Whether the caller supports this request."}
    )
    created = Timestamp(required=True)
    answered = Timestamp(required=True, allow_none=True)  # the first answer's
    modified = Timestamp(required=True)
    response_time = mf.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Seconds from the request to its first answer; null if none."},
    )
    open_reports = mf.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Reports not yet dealt with; null unless a sysadmin asks."},
    )


class DataRequestListSchema(ResultSchema):
    count = mf.Integer(required=True, metadata={"description": "Matching requests, all pages."})
    results = mf.List(mf.Nested(DataRequestSchema), required=True)


class DataRequestReportEntrySchema(ResultSchema):
    user_name = Str()
    reason = Str()
    created = Timestamp(required=True)


class ReportedDataRequestSchema(DataRequestSchema):
    reports = mf.List(mf.Nested(DataRequestReportEntrySchema), required=True)


class DataRequestReportListSchema(ResultSchema):
    count = mf.Integer(required=True, metadata={"description": "Reported requests, all pages."})
    results = mf.List(mf.Nested(ReportedDataRequestSchema), required=True)


class DataRequestFiguresSchema(ResultSchema):
    count = mf.Integer(required=True)
    states = mf.Dict(
        keys=mf.String(), values=mf.Integer(), required=True,
        metadata={"description": "Requests per state: open, planned, published, refused."},
    )  # fmt: skip
    answered = mf.Integer(required=True, metadata={"description": "Requests with an answer."})
    median_response_days = mf.Float(required=True, allow_none=True)
    mean_response_days = mf.Float(required=True, allow_none=True)


class DepartmentRequestFiguresSchema(DataRequestFiguresSchema):
    organization = mf.Nested(DataRequestOrganizationSchema, required=True)


class DataRequestStatsSchema(ResultSchema):
    total = mf.Nested(DataRequestFiguresSchema, required=True)
    departments = mf.List(mf.Nested(DepartmentRequestFiguresSchema), required=True)


RESULTS: dict[str, Any] = {
    "datarequest_create": DataRequestSchema,
    "datarequest_show": DataRequestSchema,
    "datarequest_list": DataRequestListSchema,
    "datarequest_support": DataRequestSchema,
    "datarequest_unsupport": DataRequestSchema,
    "datarequest_answer": DataRequestSchema,
    "datarequest_delete": None,
    "datarequest_stats": DataRequestStatsSchema,
    "datarequest_report": DataRequestSchema,
    "datarequest_moderate": DataRequestSchema,
    "datarequest_report_list": DataRequestReportListSchema,
}
