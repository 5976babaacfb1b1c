"""Input schemas of the catalog actions (CKAN's default package, resource and group schemas)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from marshmallow import ValidationError as FieldError
from marshmallow import fields, post_load, pre_load, validate, validates_schema

from portal.catalog.links import link_problem
from portal.fields import REQUIRED, Email, FullMatch, Name, StrictSchema, Text, Upload

DATASET_STATES = ("active", "draft")


def _link(value: str | None) -> None:
    # Pages put these in an href: no javascript:, data: or other-site tricks (catalog.links).
    problem = link_problem(value or "")
    if problem:
        raise FieldError(problem)


def Link(max_length: int, **kwargs: Any) -> fields.String:  # noqa: N802 - reads like a field
    kwargs.setdefault("allow_none", True)
    return fields.String(validate=[validate.Length(max=max_length), _link], **kwargs)


MAX_TAG_LENGTH = 100
MAX_TAGS = 100
_TAG_SEPARATORS = re.compile(r"[,\n\r\t]+")


def tag_names(names: Iterable[Any], limit: int | None = MAX_TAGS) -> list[str]:
    """Tag names as TagSchema accepts them, for importers (harvests) that take what a source
    gives: commas and newlines become spaces, each cut to MAX_TAG_LENGTH, empty ones and
    repeats dropped, at most `limit`."""
    found: dict[str, None] = {}
    for name in names:
        if isinstance(name, str):
            name = _TAG_SEPARATORS.sub(" ", name).strip()[:MAX_TAG_LENGTH].strip()
            if name:
                found.setdefault(name)
    return list(found)[:limit]


class TagSchema(StrictSchema):
    READ_ONLY = frozenset({"id", "display_name", "state", "vocabulary_id"})
    name = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=[
            validate.Length(min=1, max=MAX_TAG_LENGTH),
            FullMatch(r"^[^,\n\r\t]+$", error="Tags may not contain commas or newlines."),
        ],
    )


class GroupRefSchema(StrictSchema):
    READ_ONLY = frozenset(
        {"title", "title_en", "display_name", "description", "image_display_url", "image_url"}
    )
    id = fields.String(validate=validate.Length(max=100))
    name = fields.String(validate=validate.Length(max=100))


class ExtraSchema(StrictSchema):
    READ_ONLY = frozenset({"state"})
    key = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(1, 200))
    value = fields.Raw(load_default="")
    deleted = fields.Boolean(load_default=False)

    @post_load
    def stringify(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        value = data["value"]
        if not isinstance(value, str):
            import json

            value = json.dumps(value, ensure_ascii=False)
        if len(value) > 100_000:
            raise FieldError("Longer than 100000 characters.", "value")
        data["value"] = value
        return data


RESOURCE_READ_ONLY = frozenset(
    {
        "package_id",
        "created",
        "metadata_modified",
        "position",
        "state",
        "datastore_active",
        "cache_url",
        "cache_last_updated",
        "tracking_summary",
        "download_url",
        "privacy",  # resource_show's screening status (portal.privacy.screening)
        "access",  # conditional opening's verdict for the caller (portal.access.guard)
    }
)


def _scalar_values(extras: dict[str, Any]) -> None:
    # The same bounds as the unknown keys collected into extras below.
    if not all(_is_scalar(value) for value in extras.values()):
        raise FieldError("Values must be numbers, booleans or text under 10000 characters.")


class ResourceSchema(StrictSchema):
    """A resource inside a package_create / package_update payload."""

    READ_ONLY = RESOURCE_READ_ONLY
    id = fields.String(validate=validate.Length(max=36))
    url = Link(2000, load_default="")
    url_type = fields.String(allow_none=True, validate=validate.OneOf(["upload", "", None]))
    name = Text(1000)
    description = Text(100_000)
    format = Text(100)
    mimetype = Text(200)
    size = fields.Integer(allow_none=True, strict=False, validate=validate.Range(min=0))
    hash = Text(200)
    last_modified = fields.DateTime(allow_none=True)
    extras = fields.Dict(
        keys=fields.String(validate=validate.Length(max=100)),
        load_default=dict,
        validate=_scalar_values,
    )

    @pre_load
    def collect_extras(self, data: Any, **_kwargs: Any) -> Any:
        # CKAN keeps unknown resource keys as resource extras; so do we, within bounds.
        if not isinstance(data, dict):
            return data
        known = set(self.fields) | self.READ_ONLY | {"upload", "package_id"}
        extras = dict(data.get("extras") or {}) if isinstance(data.get("extras"), dict) else {}
        clean = {}
        for key, value in data.items():
            if key in known:
                clean[key] = value
            elif isinstance(key, str) and len(key) <= 100 and _is_scalar(value):
                extras[key] = value
            else:
                clean[key] = value  # let RAISE report it
        if extras:
            clean["extras"] = extras
        return clean


class ResourceCreateSchema(ResourceSchema):
    READ_ONLY = RESOURCE_READ_ONLY - {"package_id"}
    package_id = fields.String(required=True, error_messages=REQUIRED)
    upload = Upload(load_default=None)


class ResourceUpdateSchema(ResourceCreateSchema):
    READ_ONLY = RESOURCE_READ_ONLY - {"package_id"}
    id = fields.String(required=True, error_messages=REQUIRED)
    package_id = fields.String()


def _is_scalar(value: Any) -> bool:
    return value is None or (isinstance(value, (str, int, float, bool)) and len(str(value)) < 10000)


PACKAGE_READ_ONLY = frozenset(
    {
        "metadata_created",
        "metadata_modified",
        "num_resources",
        "num_tags",
        "organization",
        "creator_user_id",
        "revision_id",
        "isopen",
        "license_title",
        "license_url",
        "relationships_as_object",
        "relationships_as_subject",
        "tracking_summary",
        "views_total",  # popularity figures (portal.stats.popularity)
        "views_recent",
        "downloads",
        "tag_string",
        "quality",
        "highlight",
    }
)


class PackageSchema(StrictSchema):
    READ_ONLY = PACKAGE_READ_ONLY

    id = fields.String(validate=validate.Length(min=1, max=36))
    name = Name(required=True)
    title = Text(1000)
    title_en = Text(1000)
    notes = Text(100_000)
    url = Link(2000)
    version = Text(100)
    author = Text(500)
    author_email = Email()
    maintainer = Text(500)
    maintainer_email = Email()
    license_id = Text(100)
    private = fields.Boolean(load_default=False)
    state = fields.String(validate=validate.OneOf(DATASET_STATES))
    type = fields.String(load_default="dataset", validate=validate.Length(1, 100))
    owner_org = fields.String(required=True, error_messages=REQUIRED)
    tags = fields.List(fields.Nested(TagSchema), load_default=list)
    groups = fields.List(fields.Nested(GroupRefSchema))
    extras = fields.List(fields.Nested(ExtraSchema), load_default=list)
    resources = fields.List(fields.Nested(ResourceSchema))

    @pre_load
    def accept_tag_string(self, data: Any, **_kwargs: Any) -> Any:
        # CKAN forms send tags as "a,b,c" in tag_string.
        if (
            isinstance(data, dict)
            and isinstance(data.get("tag_string"), str)
            and not data.get("tags")
        ):
            data = dict(data)
            names = [t.strip() for t in data["tag_string"].split(",") if t.strip()]
            data["tags"] = [{"name": n} for n in names]
        return data

    @validates_schema
    def check_lists(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if len(data.get("tags", [])) > MAX_TAGS:
            raise FieldError(f"At most {MAX_TAGS} tags.", "tags")
        if len(data.get("resources") or []) > 1000:
            raise FieldError("At most 1000 resources.", "resources")
        keys = [e["key"] for e in data.get("extras", []) if not e.get("deleted")]
        if len(keys) != len(set(keys)):
            raise FieldError("There is a duplicate key in extras.", "extras")


class GroupSchema(StrictSchema):
    READ_ONLY = frozenset(
        {
            "created",
            "is_organization",
            "package_count",
            "display_name",
            "image_display_url",
            "num_followers",
            "type",
            "approval_status",
            "users",
            "packages",
            "revision_id",
        }
    )
    id = fields.String(validate=validate.Length(min=1, max=36))
    name = Name(required=True)
    title = Text(500)
    title_en = Text(500)
    description = Text(100_000)
    image_url = Link(1000)
    state = fields.String(validate=validate.OneOf(["active"]))


class OrganizationSchema(GroupSchema):
    code = fields.String(allow_none=True, validate=validate.Length(max=50))
