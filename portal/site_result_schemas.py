"""marshmallow *output* schemas of the site actions (portal.site_actions), for the OpenAPI
document; see portal.result_schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal.result_schemas import ResultSchema, Str


class BackendsSchema(ResultSchema):
    database = Str(metadata={"example": "postgresql"})
    storage = Str(metadata={"example": "s3"})
    queue = Str(metadata={"example": "redis"})


class StatusSchema(ResultSchema):
    site_title = Str()
    site_description = Str()
    site_url = Str()
    ckan_version = Str(metadata={"example": "2.10.0"})
    portal_version = Str()
    locale_default = Str()
    extensions = fields.List(fields.String(), required=True)
    backends = fields.Nested(BackendsSchema, required=True)


RESULTS: dict[str, Any] = {
    "config_option_show": {"type": "string", "description": "The option's value."},
    "site_read": {"type": "boolean", "enum": [True]},
    "status_show": StatusSchema,
}
