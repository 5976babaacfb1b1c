"""marshmallow *output* schemas of the privacy finding actions, for the OpenAPI document. Keep
in step with portal.privacy.actions.finding_dict and portal.privacy.scan."""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mf

from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp


class DetectorHitSchema(ResultSchema):
    detector = Str(metadata={"example": "resident_id"})
    label = Str()
    severity = Str(metadata={"description": "block (withholds the file) or warn"})
    count = mf.Integer(required=True, metadata={"description": "Rows with a hit."})
    share = mf.Float(required=True, metadata={"description": "count / rows scanned"})
    samples = mf.List(
        Str(), metadata={"description": "Masked samples (420102********1234), never raw."}
    )


class ColumnHitsSchema(ResultSchema):
    index = mf.Integer(required=True)
    header = Str()
    findings = mf.List(mf.Nested(DetectorHitSchema), required=True)


class PrivacyFindingSchema(ResultSchema):
    id = Str()
    resource_id = Str()
    resource_name = NullStr()
    package_id = Str()
    package_name = Str()
    owner_org = NullStr()
    state = Str(metadata={"description": "pending, open (file withheld), overridden or "
                          "resolved (masked)"})
    rows_scanned = mf.Integer(required=True)
    complete = mf.Boolean(required=True, metadata={"description": "Whether every row was read."})
    columns = mf.List(mf.Nested(ColumnHitsSchema), required=True)
    overridden_by = NullStr()
    override_reason = NullStr()
    masking = mf.Dict(
        allow_none=True,
        metadata={"description": "How privacy_mask resolved it: columns (header -> keep, "
                  "hash or drop), by (user id), storage_key (the masked file)."},
    )
    created = Timestamp(required=True)
    modified = Timestamp(required=True)


class PrivacyFindingListSchema(ResultSchema):
    count = mf.Integer(required=True)
    results = mf.List(mf.Nested(PrivacyFindingSchema), required=True)


class PrivacyStatusSchema(ResultSchema):
    """The `privacy` of resource_show, when a finding applies to its current file."""

    state = Str(
        metadata={
            "description": "pending (not screened yet) or open: withheld from the "
            "public; overridden: served"
        }
    )
    withheld = mf.Boolean(
        required=True, metadata={"description": "Whether the file is withheld from the caller."}
    )
    columns = mf.List(mf.Nested(ColumnHitsSchema), required=True)


class ExportProfileSchema(ResultSchema):
    id = Str()
    name = Str()
    fullname = NullStr()
    email = NullStr()
    about = NullStr()
    sysadmin = mf.Boolean(required=True)
    state = Str()
    created = Timestamp(required=True)


class ExportOrganizationSchema(ResultSchema):
    name = Str()
    role = Str()


class ExportTokenSchema(ResultSchema):
    id = Str()
    name = Str()
    created = Timestamp(required=True)
    last_access = Timestamp(allow_none=True)


class ExportRequestSchema(ResultSchema):
    id = Str()
    title = Str()
    description = Str()
    state = Str()
    created = Timestamp(required=True)


class ExportActivitySchema(ResultSchema):
    id = Str()
    timestamp = Timestamp(required=True)
    activity_type = Str()
    object_id = Str()


class UserDataExportSchema(ResultSchema):
    """user_data_export: what the portal holds about the caller (no token secrets)."""

    profile = mf.Nested(ExportProfileSchema, required=True)
    organizations = mf.List(mf.Nested(ExportOrganizationSchema), required=True)
    datasets = mf.List(Str(), required=True, metadata={"description": "Ids they created."})
    api_tokens = mf.List(mf.Nested(ExportTokenSchema), required=True)
    data_requests = mf.List(mf.Nested(ExportRequestSchema), required=True)
    supported_requests = mf.List(Str(), required=True)
    activity = mf.List(mf.Nested(ExportActivitySchema), required=True)


RESULTS: dict[str, Any] = {
    "user_data_export": UserDataExportSchema,
    "privacy_finding_list": PrivacyFindingListSchema,
    "privacy_finding_show": PrivacyFindingSchema,
    "privacy_finding_override": PrivacyFindingSchema,
    "privacy_mask": PrivacyFindingSchema,
}
