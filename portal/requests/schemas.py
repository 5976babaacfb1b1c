"""Input schemas of the data request actions. Text goes through TextSchema like every other
domain's: NFC-normalised, control characters and lone surrogates refused."""

from __future__ import annotations

from marshmallow import ValidationError as FieldError
from marshmallow import fields
from marshmallow import validate as v

from portal.fields import REQUIRED, LenientSchema
from portal.requests.models import ANSWERS, STATES

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
ANSWER_MAX = 10_000
REASON_MAX = 2000
SORTS = ("newest", "most_supported")
MODERATIONS = ("hide", "restore")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise FieldError("Missing value")
    return value


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(
        validate=[v.Length(max=max_length), _not_blank], error_messages=REQUIRED, **kwargs
    )


class CreateSchema(LenientSchema):
    title = _text(TITLE_MAX, required=True)
    description = _text(DESCRIPTION_MAX, required=True)
    organization_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The department asked (id or name); optional."},
    )


class IdSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


class AnswerSchema(IdSchema):
    state = fields.String(required=True, error_messages=REQUIRED, validate=v.OneOf(ANSWERS))
    answer = fields.String(
        load_default=None,
        allow_none=True,
        validate=v.Length(max=ANSWER_MAX),
        metadata={"description": "The department's answer; required when refusing."},
    )
    dataset_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The published dataset (id or name); required when published."},
    )


class ListSchema(LenientSchema):
    state = fields.String(load_default=None, validate=v.OneOf(STATES))
    organization_id = fields.String(
        load_default=None, metadata={"description": "Only requests to this department."}
    )
    sort = fields.String(load_default="newest", validate=v.OneOf(SORTS))
    include_hidden = fields.Boolean(
        load_default=False,
        metadata={"description": "Hidden requests too: all for sysadmins, one's own for others."},
    )
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class ReportSchema(IdSchema):
    reason = _text(REASON_MAX, required=True, metadata={"description": "Why it is reported."})


class ModerateSchema(IdSchema):
    decision = fields.String(required=True, error_messages=REQUIRED, validate=v.OneOf(MODERATIONS))


class QueueSchema(LenientSchema):
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))
