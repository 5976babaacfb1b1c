"""Input schemas of the access_request_* and access_grant_* actions (TextSchema: NFC text,
control characters refused)."""

from __future__ import annotations

from marshmallow import ValidationError as FieldError
from marshmallow import fields
from marshmallow import validate as v

from portal.access.models import STATES
from portal.fields import REQUIRED, LenientSchema

TEXT_MAX = 4000
ORGANIZATION_MAX = 200
MAX_DAYS = 3650
ROLES = ("applicant", "reviewer")
GRANT_STATES = ("active", "expired", "revoked")
#: access_request_list also filters on overdue: pending past the review deadline.
LIST_STATES = (*STATES, "overdue")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise FieldError("Missing value")
    return value


def _accepted(value: bool) -> bool:
    if value is not True:
        raise FieldError("Accept the data security commitment to apply.")
    return value


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(
        validate=[v.Length(max=max_length), _not_blank], error_messages=REQUIRED, **kwargs
    )


def _days(**kwargs) -> fields.Integer:
    return fields.Integer(validate=v.Range(min=1, max=MAX_DAYS), **kwargs)


class CreateSchema(LenientSchema):
    dataset_id = fields.String(
        required=True, error_messages=REQUIRED, metadata={"description": "Dataset id or name."}
    )
    purpose = _text(TEXT_MAX, required=True, metadata={"description": "What the data is for."})
    scenario = _text(
        TEXT_MAX, required=True, metadata={"description": "How and where it will be used."}
    )
    organization = _text(
        ORGANIZATION_MAX, required=True, metadata={"description": "The applicant's organisation."}
    )
    days = _days(
        required=True,
        error_messages=REQUIRED,
        metadata={"description": "The period of use requested, in days."},
    )
    commitment = fields.Boolean(
        required=True,
        error_messages=REQUIRED,
        validate=_accepted,
        metadata={"description": "The data security commitment: must be true."},
    )


class IdSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


class ApproveSchema(IdSchema):
    days = _days(
        load_default=None,
        allow_none=True,
        metadata={"description": "A shorter period than requested, in days; optional."},
    )
    reason = fields.String(load_default=None, allow_none=True, validate=v.Length(max=TEXT_MAX))


class RejectSchema(IdSchema):
    reason = _text(
        TEXT_MAX, required=True, metadata={"description": "Why; the applicant reads it."}
    )


class RevokeSchema(IdSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=v.Length(max=TEXT_MAX))


class _PageSchema(LenientSchema):
    dataset_id = fields.String(load_default=None, metadata={"description": "Dataset id or name."})
    role = fields.String(
        load_default=None,
        validate=v.OneOf(ROLES),
        metadata={"description": "applicant: the caller's own; reviewer: those the caller "
                  "reviews. Default: both."},
    )
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class ListSchema(_PageSchema):
    state = fields.String(load_default=None, validate=v.OneOf(LIST_STATES))


class GrantListSchema(_PageSchema):
    state = fields.String(load_default=None, validate=v.OneOf(GRANT_STATES))
