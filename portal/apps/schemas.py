"""Input schemas of the application and key actions (text cleaned by TextSchema, as everywhere)."""

from __future__ import annotations

from limits import parse
from marshmallow import ValidationError as FieldError
from marshmallow import fields
from marshmallow import validate as v

from portal.fields import REQUIRED, LenientSchema

NAME_MAX = 200
DESCRIPTION_MAX = 5_000
URL_MAX = 500
MAX_KEY_DAYS = 3650


def _not_blank(value: str) -> str:
    if not value.strip():
        raise FieldError("Missing value")
    return value


def rate_limit(value: str) -> str:
    """A flask-limiter limit such as "1200/minute" or "20 per second"."""
    try:
        parse(value)
    except ValueError:
        raise FieldError('Not a rate limit: write it like "1200/minute".') from None
    return value


def _name(**kwargs) -> fields.String:
    return fields.String(
        validate=[v.Length(max=NAME_MAX), _not_blank], error_messages=REQUIRED, **kwargs
    )


def _url(**kwargs) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=[
            v.Length(max=URL_MAX),
            v.URL(schemes={"http", "https"}, require_tld=False, error="Not a web address."),
        ],
        **kwargs,
    )


def _rate_limit(**kwargs) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=[v.Length(max=50), rate_limit],
        metadata={"description": "Overrides PORTAL_RATE_LIMIT_KEY for its keys (sysadmins)."},
        **kwargs,
    )


class AppCreateSchema(LenientSchema):
    name = _name(required=True)
    description = fields.String(
        load_default=None, allow_none=True, validate=v.Length(max=DESCRIPTION_MAX)
    )
    url = _url(load_default=None)
    rate_limit = _rate_limit(load_default=None)


class AppUpdateSchema(LenientSchema):
    """Only the fields given change."""

    id = fields.String(required=True, error_messages=REQUIRED)
    name = _name()
    description = fields.String(allow_none=True, validate=v.Length(max=DESCRIPTION_MAX))
    url = _url()
    rate_limit = _rate_limit()


class IdSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


class AppListSchema(LenientSchema):
    all = fields.Boolean(
        load_default=False,
        metadata={"description": "Sysadmins: every user's applications, not only their own."},
    )


class KeyCreateSchema(LenientSchema):
    app_id = fields.String(required=True, error_messages=REQUIRED)
    name = fields.String(
        load_default=None, allow_none=True, validate=v.Length(max=NAME_MAX),
        metadata={"description": "A label for the key; the application's name by default."},
    )  # fmt: skip
    read_only = fields.Boolean(
        load_default=False,
        metadata={"description": "Refused (403) for every action that changes data."},
    )
    expires_in_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=v.Range(min=1, max=MAX_KEY_DAYS),
        metadata={"description": "The key stops working after this many days; never if null."},
    )


class KeyListSchema(LenientSchema):
    app_id = fields.String(required=True, error_messages=REQUIRED)


class UsageSchema(LenientSchema):
    months = fields.Integer(
        load_default=12,
        validate=v.Range(min=1, max=120),
        metadata={"description": "The last N calendar months, this one included."},
    )
    app_id = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Only this application."}
    )
