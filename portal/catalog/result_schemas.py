"""marshmallow *output* schemas of the catalog actions (datasets, resources, departments,
themes, tags, licences, activity, trash), for the OpenAPI document.

Keep the keys in step with portal.catalog.dictize and the organization and group actions
(org_dict, group_dict); see portal.result_schemas.
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, fields, validate

from portal.access.result_schemas import ResourceAccessSchema
from portal.privacy.result_schemas import PrivacyStatusSchema
from portal.result_schemas import NAMES, NullStr, ResultSchema, Str, Timestamp, many, names_or


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
    privacy = fields.Nested(
        PrivacyStatusSchema,
        metadata={"description": "resource_show only: the screening of its file for personal "
                  "information (portal.privacy)."},
    )
    access = fields.Nested(
        ResourceAccessSchema,
        metadata={"description": "Only on a conditionally open dataset's resources: whether "
                  "the caller may use its file, preview and DataStore rows (portal.access)."},
    )


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
    # package_show and package_search (as of the dataset's last index refresh) carry them.
    views_total = fields.Integer(metadata={"description": "Page views of all time."})
    views_recent = fields.Integer(
        metadata={"description": "Page views of the last 14 days, today included."}
    )
    downloads = fields.Integer(metadata={"description": "Downloads of all time."})


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


class ActivitySchema(ResultSchema):
    id = Str()
    timestamp = Timestamp(required=True)
    user_id = NullStr()
    object_id = Str()
    activity_type = Str(metadata={"example": "changed package"})
    data = fields.Dict(
        required=True, metadata={"description": '{"package": <the dataset as it was then>}'}
    )


class TagShowSchema(TagSchema):
    packages = fields.List(
        fields.Nested(PackageSchema), metadata={"description": "With include_datasets."}
    )


class ResourceSearchSchema(ResultSchema):
    count = fields.Integer(required=True)
    results = fields.List(fields.Nested(ResourceSchema), required=True)


MEMBER = {
    "type": "array",
    "description": "[id, type (package or user), capacity]",
    "items": {"type": "string"},
    "minItems": 3,
    "maxItems": 3,
}


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


class ResourceViewSchema(ResultSchema):
    id = Str()
    resource_id = Str()
    package_id = Str()
    title = Str()
    description = Str()
    view_type = Str(metadata={"example": "datatables_view"})
    config = fields.Dict(required=True)
    order = fields.Integer(required=True)


class ViewOrderSchema(ResultSchema):
    id = Str()
    order = fields.List(fields.String(), required=True)


class CollaboratorSchema(ResultSchema):
    package_id = Str()
    user_id = Str()
    capacity = Str(metadata={"example": "editor"})
    modified = Timestamp(required=True)


RESULTS: dict[str, Any] = {
    "package_collaborator_create": CollaboratorSchema,
    "package_collaborator_delete": None,
    "package_collaborator_list": many(CollaboratorSchema),
    "package_collaborator_list_for_user": many(CollaboratorSchema),
    "resource_view_create": ResourceViewSchema,
    "resource_view_delete": None,
    "resource_view_list": many(ResourceViewSchema),
    "resource_view_reorder": ViewOrderSchema,
    "resource_view_show": ResourceViewSchema,
    "resource_view_update": ResourceViewSchema,
    "current_package_list_with_resources": many(PackageSchema),
    "dataset_purge": None,
    "group_create": GroupSchema,
    "group_delete": None,
    "group_purge": None,
    "group_update": GroupSchema,
    "member_delete": None,
    "member_list": many(MEMBER),
    "organization_activity_list": many(ActivitySchema),
    "organization_delete": None,
    "organization_purge": None,
    "recently_changed_packages_activity_list": many(ActivitySchema),
    "resource_search": ResourceSearchSchema,
    "tag_show": TagShowSchema,
    "group_list": names_or(GroupSchema, "Theme"),
    "group_show": GroupSchema,
    "license_list": many(LicenseSchema),
    "member_create": GroupMemberSchema,
    "organization_create": OrganizationSchema,
    "organization_list": names_or(OrganizationSchema, "Department"),
    "organization_list_for_user": many(OrganizationSchema),
    "organization_member_create": MembershipSchema,
    "organization_member_delete": None,
    "organization_show": OrganizationSchema,
    "organization_update": OrganizationSchema,
    "package_activity_list": many(ActivitySchema),
    "package_create": PackageSchema,
    "package_delete": None,
    "package_list": NAMES,
    "package_patch": PackageSchema,
    "package_revise": {
        "type": "object",
        "description": "{\"package\": the revised dataset, as package_show gives it}, "
        "narrowed to the paths `include` names when it is given.",
    },
    "package_show": PackageSchema,
    "package_trash_list": TrashListSchema,
    "package_update": PackageSchema,
    "resource_create": ResourceSchema,
    "resource_delete": None,
    "resource_patch": ResourceSchema,
    "resource_preview_show": {
        "type": "object",
        "description": "The preview: status (ready, pending), kind (table, json, image, none), "
        "header, rows, text, encoding, truncated, reason (why there is none), detail; "
        "with reason withheld, privacy: state (pending: being screened; open: personal "
        "information found), detectors, message_zh, message_en.",
    },
    "resource_show": ResourceSchema,
    "resource_update": ResourceSchema,
    "scheming_dataset_schema_list": NAMES,
    "scheming_dataset_schema_show": {"type": "object", "description": "The metadata profile."},
    "tag_list": names_or(TagCountSchema, "Tag"),
}
