"""marshmallow *output* schemas: the shapes actions return inside CKAN's `result`.

They document the API (portal.api.openapi) and are not used to serialise anything: the actions
build their dicts in portal.catalog.dictize, the organization and group actions (org_dict,
group_dict), portal.auth.actions (user_dict), portal.search.actions and portal.site_actions.
Keep the keys here in step with those functions; `required` marks keys that are always present.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, fields, validate

TIMESTAMP = "Naive UTC time in ISO 8601 without a zone, as CKAN prints it."


def Timestamp(**kwargs: Any) -> fields.String:  # noqa: N802 - reads like a field class
    return fields.String(
        metadata={"description": TIMESTAMP, "example": "2024-05-01T08:30:00.123456"}, **kwargs
    )


def Str(**kwargs: Any) -> fields.String:  # noqa: N802
    """A key that is always present (required) and may be null (allow_none)."""
    kwargs.setdefault("required", True)
    return fields.String(**kwargs)


def NullStr(**kwargs: Any) -> fields.String:  # noqa: N802
    return Str(allow_none=True, **kwargs)


class ResultSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # documents no additionalProperties: clients should ignore new keys


class TagSchema(ResultSchema):
    id = Str()
    name = Str()
    display_name = Str()
    state = Str(metadata={"example": "active"})
    vocabulary_id = NullStr()


class TagCountSchema(ResultSchema):
    """tag_list with all_fields: a tag and how many public datasets use it."""

    id = Str()
    name = Str()
    display_name = Str()
    vocabulary_id = NullStr()
    count = fields.Integer(required=True)


class ExtraSchema(ResultSchema):
    key = Str()
    value = Str()


class ResourceSchema(ResultSchema):
    class Meta:
        # Resource extras (unknown keys sent on create/update) are merged into the top level.
        unknown = INCLUDE

    id = Str()
    package_id = Str()
    url = Str(
        metadata={"description": "The link, or the portal's download URL for an uploaded file."}
    )
    url_type = NullStr(metadata={"description": '"upload" for files stored by the portal.'})
    name = NullStr()
    description = NullStr()
    format = NullStr()
    mimetype = NullStr()
    size = fields.Integer(required=True, allow_none=True)
    hash = NullStr(metadata={"description": '"sha256:<hex>" for uploaded files.'})
    position = fields.Integer(required=True)
    state = Str()
    created = Timestamp(required=True, allow_none=True)
    last_modified = Timestamp(required=True, allow_none=True)
    metadata_modified = Timestamp(required=True, allow_none=True)


class OrganizationSummarySchema(ResultSchema):
    """The `organization` of a dataset (organization_summary)."""

    id = Str()
    name = Str()
    title = NullStr()
    title_en = NullStr()
    type = Str(validate=validate.OneOf(["organization"]))
    description = Str()
    image_url = Str()
    code = NullStr()
    created = Timestamp(required=True, allow_none=True)
    is_organization = fields.Boolean(required=True)
    approval_status = Str()
    state = Str()


class GroupSummarySchema(ResultSchema):
    """A theme as listed in a dataset's `groups` (group_summary)."""

    id = Str()
    name = Str()
    title = NullStr()
    title_en = NullStr()
    display_name = Str()
    description = Str()
    image_display_url = Str()


class PackageSchema(ResultSchema):
    id = Str()
    name = Str()
    title = NullStr()
    title_en = NullStr()
    notes = NullStr()
    url = NullStr()
    version = NullStr()
    author = NullStr()
    author_email = NullStr()
    maintainer = NullStr()
    maintainer_email = NullStr()
    license_id = NullStr()
    license_title = NullStr()
    license_url = NullStr()
    isopen = fields.Boolean(required=True)
    private = fields.Boolean(required=True)
    state = Str(validate=validate.OneOf(["active", "draft", "deleted"]))
    type = Str()
    owner_org = NullStr()
    organization = fields.Nested(OrganizationSummarySchema, required=True, allow_none=True)
    creator_user_id = NullStr()
    metadata_created = Timestamp(required=True, allow_none=True)
    metadata_modified = Timestamp(required=True, allow_none=True)
    tags = fields.List(fields.Nested(TagSchema), required=True)
    num_tags = fields.Integer(required=True)
    groups = fields.List(fields.Nested(GroupSummarySchema), required=True)
    extras = fields.List(fields.Nested(ExtraSchema), required=True)
    resources = fields.List(fields.Nested(ResourceSchema), required=True)
    num_resources = fields.Integer(required=True)
    relationships_as_object = fields.List(fields.Dict(), required=True)
    relationships_as_subject = fields.List(fields.Dict(), required=True)


class OrganizationUserSchema(ResultSchema):
    id = Str()
    name = Str()
    capacity = Str(validate=validate.OneOf(["admin", "editor", "member"]))


class OrganizationSchema(OrganizationSummarySchema):
    """A department (org_dict), with `users`, `packages` and `capacity` only where noted."""

    display_name = Str()
    image_display_url = Str()
    package_count = fields.Integer(required=True)
    users = fields.List(
        fields.Nested(OrganizationUserSchema),
        metadata={"description": "organization_show, for the department's own members."},
    )
    packages = fields.List(
        fields.Nested(PackageSchema),
        metadata={"description": "organization_show with include_datasets."},
    )
    capacity = fields.String(
        allow_none=True,
        metadata={"description": "organization_list_for_user: the user's role."},
    )


class GroupSchema(GroupSummarySchema):
    """A theme (group_dict)."""

    type = Str(validate=validate.OneOf(["group"]))
    is_organization = fields.Boolean(required=True)
    state = Str()
    created = Timestamp(required=True, allow_none=True)
    image_url = Str()
    package_count = fields.Integer(required=True)
    packages = fields.List(
        fields.Nested(PackageSchema), metadata={"description": "group_show with include_datasets."}
    )


class MembershipSchema(ResultSchema):
    """organization_member_create: a user's role in a department."""

    group_id = Str()
    user_id = Str()
    username = Str()
    role = Str(validate=validate.OneOf(["admin", "editor", "member"]))


class GroupMemberSchema(ResultSchema):
    """member_create: a dataset in a theme."""

    group_id = Str()
    table_id = Str()
    table_name = Str(validate=validate.OneOf(["package"]))
    capacity = Str()
    state = Str()


class LicenseSchema(ResultSchema):
    id = Str()
    title = Str()
    title_zh = NullStr()
    url = Str()
    is_okd_compliant = fields.Boolean(required=True)
    od_conformance = Str(validate=validate.OneOf(["approved", "not reviewed"]))
    status = Str()


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


class ApiTokenSchema(ResultSchema):
    id = Str()
    name = Str()
    user_id = Str()
    created_at = Timestamp(required=True, allow_none=True)
    last_access = Timestamp(required=True, allow_none=True)


class NewApiTokenSchema(ResultSchema):
    token = Str(metadata={"description": "The secret: shown once, never again."})
    id = Str(metadata={"description": "The token's id (`jti` for api_token_revoke)."})


class ActivitySchema(ResultSchema):
    id = Str()
    timestamp = Timestamp(required=True)
    user_id = NullStr()
    object_id = Str()
    activity_type = Str(metadata={"example": "changed package"})
    data = fields.Dict(
        required=True, metadata={"description": '{"package": <the dataset as it was then>}'}
    )


class FacetItemSchema(ResultSchema):
    name = Str()
    display_name = Str()
    count = fields.Integer(required=True)


class SearchFacetSchema(ResultSchema):
    title = Str()
    items = fields.List(fields.Nested(FacetItemSchema), required=True)


class SearchPackageSchema(PackageSchema):
    highlight = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "title / title_en / notes with matched words in <mark>."},
    )


class AutocompleteSchema(ResultSchema):
    name = Str(required=True)
    title = Str(required=True)
    match_field = Str()
    match_displayed = Str()


class SearchResultSchema(ResultSchema):
    count = fields.Integer(required=True, metadata={"description": "All matches, not just rows."})
    results = fields.List(
        fields.Nested(SearchPackageSchema),
        required=True,
        metadata={"description": "Full datasets; with `fl`, only the listed keys of each."},
    )
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
        metadata={"description": "Per facet field: value -> count."},
    )
    search_facets = fields.Dict(
        keys=fields.String(), values=fields.Nested(SearchFacetSchema), required=True
    )
    sort = Str(metadata={"example": "score desc, metadata_modified desc"})


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


class TrashOrganizationSchema(ResultSchema):
    id = Str()
    name = Str()
    title = NullStr()
    title_en = NullStr()


class TrashItemSchema(ResultSchema):
    """A deleted dataset in package_trash_list."""

    id = Str()
    name = Str()
    title = NullStr()
    title_en = NullStr()
    type = Str()
    private = fields.Boolean(required=True)
    owner_org = NullStr()
    organization = fields.Nested(TrashOrganizationSchema, required=True, allow_none=True)
    metadata_modified = Timestamp(required=True)


class TrashListSchema(ResultSchema):
    count = fields.Integer(required=True)
    results = fields.List(fields.Nested(TrashItemSchema), required=True)
