"""marshmallow *output* schemas of the application, key and API usage actions, for the OpenAPI
document (RESULTS below; see portal.result_schemas). Keep in step with portal.apps.actions
(app_dicts, key_dict) and portal.apps.reports."""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mf

from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp, many


class AppSchema(ResultSchema):
    id = Str()
    name = Str()
    description = NullStr()
    url = NullStr()
    user_id = Str(metadata={"description": "The developer who registered it."})
    user_name = NullStr()
    rate_limit = NullStr(metadata={"description": "Its own limit, if a sysadmin set one."})
    effective_rate_limit = Str(metadata={"example": "600/minute"})
    key_count = mf.Integer(required=True)
    created = Timestamp(required=True)
    modified = Timestamp(required=True)


class AppKeySchema(ResultSchema):
    id = Str()
    app_id = Str()
    name = Str()
    read_only = mf.Boolean(required=True)
    created_at = Timestamp(required=True)
    last_access = Timestamp(required=True, allow_none=True)
    expires_at = Timestamp(required=True, allow_none=True)
    expired = mf.Boolean(required=True)


class NewAppKeySchema(AppKeySchema):
    token = Str(metadata={"description": "The key itself: shown this once, stored hashed."})


class ApiCallsMonthSchema(ResultSchema):
    month = Str(metadata={"example": "2026-11"})
    calls = mf.Integer(required=True)


class ApiCallsActionSchema(ResultSchema):
    action = Str()
    calls = mf.Integer(required=True)


class ApiCallsKeySchema(ResultSchema):
    token_id = Str(metadata={"description": 'The key or token; "" for calls without one.'})
    key_name = NullStr(metadata={"description": "Null once the key is revoked."})
    app_id = NullStr()
    app_name = NullStr()
    calls = mf.Integer(required=True)
    last_day = NullStr(metadata={"example": "2026-11-30"})


class ApiUsageSchema(ResultSchema):
    months = mf.List(mf.Nested(ApiCallsMonthSchema), required=True)
    actions = mf.List(mf.Nested(ApiCallsActionSchema), required=True)
    keys = mf.List(mf.Nested(ApiCallsKeySchema), required=True)


RESULTS: dict[str, Any] = {
    "app_create": AppSchema,
    "app_show": AppSchema,
    "app_list": many(AppSchema),
    "app_update": AppSchema,
    "app_delete": None,
    "app_key_create": NewAppKeySchema,
    "app_key_list": many(AppKeySchema),
    "app_key_revoke": None,
    "stats_api_usage": ApiUsageSchema,
    "stats_api_calls": many(ApiCallsMonthSchema),
}
