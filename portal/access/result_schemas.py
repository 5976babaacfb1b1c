"""marshmallow *output* schemas of the conditional opening actions, for the OpenAPI document
(RESULTS below; see portal.result_schemas). Keep in step with portal.access.actions."""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mf

from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp


class ResourceAccessSchema(ResultSchema):
    """The "access" of a conditionally open dataset's resource (portal.access.guard)."""

    conditional = mf.Boolean(required=True)
    granted = mf.Boolean(
        required=True,
        metadata={"description": "Whether the caller may use the file, preview and rows: a "
                  "department member, sysadmin or holder of a valid grant."},
    )


class AccessGrantSchema(ResultSchema):
    id = Str()
    request_id = Str()
    user_id = Str()
    user_name = NullStr()
    dataset_id = Str()
    dataset_name = NullStr()
    dataset_title = NullStr()
    organization_id = NullStr(metadata={"description": "The dataset's department."})
    state = Str(metadata={"description": "active, expired or revoked"})
    created = Timestamp(required=True)
    expires_at = Timestamp(required=True)
    revoked_at = Timestamp(required=True, allow_none=True)
    revoke_reason = NullStr()


class AccessRequestSchema(ResultSchema):
    id = Str()
    dataset_id = Str()
    dataset_name = NullStr()
    dataset_title = NullStr()
    organization_id = NullStr(metadata={"description": "The dataset's department."})
    user_id = Str(metadata={"description": "The applicant."})
    user_name = NullStr()
    purpose = Str()
    scenario = Str(metadata={"description": "The use scenario."})
    organization = Str(metadata={"description": "The applicant's organisation."})
    days = mf.Integer(required=True, metadata={"description": "The period asked, in days."})
    commitment = mf.Boolean(required=True)
    state = Str(metadata={"description": "pending, approved, rejected, expired or revoked"})
    overdue = mf.Boolean(
        required=True, metadata={"description": "Pending past the review deadline (due)."}
    )
    reason = NullStr(metadata={"description": "The reviewer's reason (required to reject)."})
    reviewer_name = NullStr()
    created = Timestamp(required=True)
    due = Timestamp(required=True)
    decided = Timestamp(required=True, allow_none=True)
    grant = mf.Nested(AccessGrantSchema, required=True, allow_none=True)


class AccessRequestListSchema(ResultSchema):
    count = mf.Integer(required=True, metadata={"description": "Matching applications."})
    results = mf.List(mf.Nested(AccessRequestSchema), required=True)


class AccessGrantListSchema(ResultSchema):
    count = mf.Integer(required=True, metadata={"description": "Matching grants."})
    results = mf.List(mf.Nested(AccessGrantSchema), required=True)


RESULTS: dict[str, Any] = {
    "access_request_create": AccessRequestSchema,
    "access_request_show": AccessRequestSchema,
    "access_request_list": AccessRequestListSchema,
    "access_request_approve": AccessRequestSchema,
    "access_request_reject": AccessRequestSchema,
    "access_grant_revoke": AccessRequestSchema,
    "access_grant_list": AccessGrantListSchema,
}
