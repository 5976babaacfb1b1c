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


RESULTS: dict[str, Any] = {
    "privacy_finding_list": PrivacyFindingListSchema,
    "privacy_finding_show": PrivacyFindingSchema,
    "privacy_finding_override": PrivacyFindingSchema,
    "privacy_mask": PrivacyFindingSchema,
}
