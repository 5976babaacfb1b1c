"""Input schemas of the feedback and follow actions. Text goes through TextSchema like every
other domain's: NFC-normalised, control characters and lone surrogates refused."""

from __future__ import annotations

from marshmallow import ValidationError as FieldError
from marshmallow import fields
from marshmallow import validate as v

from portal.feedback.models import KINDS, STATES
from portal.fields import REQUIRED, LenientSchema

TEXT_MAX = 5000
REASON_MAX = 500
MODERATIONS = ("hide", "restore")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise FieldError("Missing value")
    return value


def _text() -> fields.String:
    return fields.String(
        required=True, validate=[v.Length(max=TEXT_MAX), _not_blank], error_messages=REQUIRED
    )


class IdSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


class CreateSchema(LenientSchema):
    package_id = fields.String(
        required=True, error_messages=REQUIRED, metadata={"description": "Dataset id or name."}
    )
    kind = fields.String(load_default="comment", validate=v.OneOf(KINDS))
    text = _text()
    resource_id = fields.String(
        load_default=None, allow_none=True, metadata={"description": "The resource concerned."}
    )


class ListSchema(LenientSchema):
    package_id = fields.String(load_default=None, metadata={"description": "Dataset id or name."})
    organization_id = fields.String(
        load_default=None, metadata={"description": "Only feedback on this department's datasets."}
    )
    state = fields.String(load_default=None, validate=v.OneOf(STATES))
    kind = fields.String(load_default=None, validate=v.OneOf(KINDS))
    reported = fields.Boolean(
        load_default=False, metadata={"description": "Only reported items (sysadmins)."}
    )
    include_hidden = fields.Boolean(
        load_default=False, metadata={"description": "Hidden items too (sysadmins)."}
    )
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class ReplySchema(IdSchema):
    text = _text()


class CloseSchema(IdSchema):
    text = fields.String(
        load_default=None,
        allow_none=True,
        validate=v.Length(max=TEXT_MAX),
        metadata={"description": "An optional last reply."},
    )


class ReportSchema(IdSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=v.Length(max=REASON_MAX))


class ModerateSchema(IdSchema):
    moderation = fields.String(
        required=True, error_messages=REQUIRED, validate=v.OneOf(MODERATIONS)
    )
    reply_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Hide or restore this reply of the item, not the item."},
    )


class StatsSchema(LenientSchema):
    organization_id = fields.String(load_default=None)


class FollowSchema(IdSchema):
    pass


class FolloweeSchema(LenientSchema):
    id = fields.String(
        load_default=None, metadata={"description": "The user (id or name); the caller if none."}
    )


class ActivitySchema(LenientSchema):
    limit = fields.Integer(load_default=31, validate=v.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000))
