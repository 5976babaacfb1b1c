"""Input schemas of the reuse actions. Text goes through TextSchema like every other domain's:
NFC-normalised, control characters and lone surrogates refused."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError as FieldError
from marshmallow import fields
from marshmallow import validate as v

from portal.catalog.links import link_problem, link_scheme
from portal.fields import REQUIRED, LenientSchema, Upload
from portal.reuses.models import TYPES

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
URL_MAX = 1000
REASON_MAX = 2000
DATASETS_MAX = 100
MODERATIONS = ("hide", "restore")
URL_SCHEMES = ("http", "https")
CONTROL_PROBLEM = "A URL may not contain control characters or line breaks."
_SPLIT = re.compile(r"[\s,，;；]+")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise FieldError("Missing value")
    return value


def _text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=[v.Length(max=max_length), _not_blank], error_messages=REQUIRED, **kwargs
    )


def _web_url(value: str) -> str:
    """The reuse's address ends up in an href: http or https with a host, nothing else."""
    problem = link_problem(value)
    if problem != CONTROL_PROBLEM and link_scheme(value) not in URL_SCHEMES:
        problem = "Only http and https URLs are allowed."
    if problem:
        raise FieldError(problem)
    return value


class DatasetNames(fields.List):
    """Dataset names or ids: a list, or one string separated by commas or spaces (a form)."""

    default_error_messages = {"invalid": "Give dataset names or ids."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.String(), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = _SPLIT.split(value) if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise self.make_error("invalid")
        names = list(dict.fromkeys(i.strip() for i in items if i.strip()))
        if len(names) > DATASETS_MAX:
            raise FieldError(f"At most {DATASETS_MAX} datasets.")
        return names


class ReuseIdSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


def _title(required: bool) -> fields.String:
    return _text(TITLE_MAX, required=required)


def _description(required: bool) -> fields.String:
    return _text(DESCRIPTION_MAX, required=required, metadata={"description": "Markdown."})


def _type(required: bool) -> fields.String:
    return fields.String(required=required, error_messages=REQUIRED, validate=v.OneOf(TYPES))


def _url(required: bool) -> fields.String:
    return fields.String(
        required=required,
        error_messages=REQUIRED,
        validate=[v.Length(max=URL_MAX), _not_blank, _web_url],
        metadata={"description": "Where the reuse is (http or https)."},
    )


def _datasets(required: bool) -> DatasetNames:
    return DatasetNames(
        required=required,
        error_messages=REQUIRED,
        metadata={"description": "Names or ids of the datasets used (ones the caller can read)."},
    )


def _image() -> Upload:
    return Upload(allow_none=True, metadata={"description": "A PNG, JPEG or WebP image."})


class ReuseCreateSchema(LenientSchema):
    title = _title(True)
    description = _description(True)
    type = _type(True)
    url = _url(True)
    datasets = _datasets(True)
    image_upload = _image()


class ReuseUpdateSchema(LenientSchema):
    """Only the keys sent change."""

    id = fields.String(required=True, error_messages=REQUIRED)
    title = _title(False)
    description = _description(False)
    type = _type(False)
    url = _url(False)
    datasets = _datasets(False)
    image_upload = _image()
    clear_image = fields.Boolean(metadata={"description": "Remove the image."})


class ReuseFilterSchema(LenientSchema):
    dataset_id = fields.String(
        load_default=None, metadata={"description": "Only reuses of this dataset (id or name)."}
    )
    type = fields.String(load_default=None, validate=v.OneOf(TYPES))
    featured = fields.Boolean(load_default=None, allow_none=True)
    include_hidden = fields.Boolean(
        load_default=False,
        metadata={"description": "Hidden reuses too: all for sysadmins, one's own for others."},
    )
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class ReuseReportSchema(ReuseIdSchema):
    reason = _text(REASON_MAX, required=True, metadata={"description": "Why it is reported."})


class ReuseModerateSchema(ReuseIdSchema):
    decision = fields.String(required=True, error_messages=REQUIRED, validate=v.OneOf(MODERATIONS))


class ReuseQueueSchema(LenientSchema):
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class ReuseReferencesSchema(LenientSchema):
    dataset_ids = fields.List(
        fields.String(),
        required=True,
        error_messages=REQUIRED,
        validate=v.Length(max=1000),
        metadata={"description": "Dataset ids (at most 1000)."},
    )
