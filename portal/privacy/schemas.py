"""Input schemas of the privacy finding actions."""

from __future__ import annotations

from marshmallow import ValidationError as FieldError
from marshmallow import fields
from marshmallow import validate as v

from portal.fields import REQUIRED, LenientSchema

REASON_MIN = 10
REASON_MAX = 5_000


def _reasoned(value: str) -> str:
    if len(value.strip()) < REASON_MIN:
        raise FieldError(f"Give the reason in at least {REASON_MIN} characters.")
    return value


class ResourceIdSchema(LenientSchema):
    id = fields.String(
        required=True, error_messages=REQUIRED, metadata={"description": "The resource's id."}
    )


class OverrideSchema(ResourceIdSchema):
    reason = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=[v.Length(max=REASON_MAX), _reasoned],
        metadata={"description": "Why the file may be published as it is (10 characters+)."},
    )


class ListSchema(LenientSchema):
    limit = fields.Integer(load_default=100, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class MaskSchema(ResourceIdSchema):
    columns = fields.Dict(
        keys=fields.String(validate=v.Length(min=1, max=500)),
        values=fields.String(),
        required=True,
        error_messages=REQUIRED,
        validate=v.Length(min=1, max=1000),
        metadata={
            "description": "Column header (or 0-based index) -> keep (first 6 and last 4 "
            "kept), hash (keyed HMAC) or drop.",
            "example": {"身份证号": "keep", "手机号码": "hash"},
        },
    )
