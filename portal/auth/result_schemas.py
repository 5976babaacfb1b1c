"""marshmallow *output* schemas of the user and token actions, for the OpenAPI document.

Keep the keys in step with portal.auth.actions (user_dict); see portal.result_schemas.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp, many, names_or


class UserSchema(ResultSchema):
    id = Str()
    name = Str()
    fullname = NullStr()
    display_name = Str()
    about = NullStr()
    sysadmin = fields.Boolean(required=True)
    state = Str()
    created = Timestamp(required=True, allow_none=True)
    email = fields.String(
        allow_none=True, metadata={"description": "Only for the user themself and sysadmins."}
    )
    password_hash = fields.String(
        allow_none=True,
        metadata={"description": "user_show with include_password_hash, for sysadmins."},
    )


class ApiTokenSchema(ResultSchema):
    id = Str()
    name = Str()
    user_id = Str()
    created_at = Timestamp(required=True, allow_none=True)
    last_access = Timestamp(required=True, allow_none=True)


class NewApiTokenSchema(ResultSchema):
    token = Str(metadata={"description": "The secret: shown once, never again."})
    id = Str(metadata={"description": "The token's id (`jti` for api_token_revoke)."})


RESULTS: dict[str, Any] = {
    "api_token_create": NewApiTokenSchema,
    "api_token_list": many(ApiTokenSchema),
    "api_token_revoke": None,
    "user_create": UserSchema,
    "user_delete": None,
    "user_list": names_or(UserSchema, "User"),
    "user_show": UserSchema,
    "user_update": UserSchema,
}
