"""Output schemas of the harvest actions, for the OpenAPI document (RESULTS below; see
portal.result_schemas).

Keep them in step with `source_dict`, `job_dict` and `harvest_job_report` in
harvesters.actions; `required` marks keys that are always present.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal.result_schemas import NullStr, ResultSchema, Str, Timestamp, many


class HarvestStatsSchema(ResultSchema):
    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    deleted = fields.Integer(required=True)
    errored = fields.Integer(required=True)


class HarvestJobSchema(ResultSchema):
    id = Str()
    source_id = Str()
    status = Str(metadata={"enum": ["new", "running", "finished", "failed", "aborted"]})
    full = fields.Boolean(required=True)
    abort_requested = fields.Boolean(required=True)
    created = Timestamp(required=True)
    started = Timestamp(required=True, allow_none=True)
    finished = Timestamp(required=True, allow_none=True)
    heartbeat = Timestamp(required=True, allow_none=True)
    # When the source was listed completely; null if it was not.
    gather_finished = Timestamp(required=True, allow_none=True)
    gathered = fields.Integer(required=True)
    stats = fields.Nested(HarvestStatsSchema, required=True)
    message = NullStr()


class HarvestSourceStatusSchema(ResultSchema):
    last_job = fields.Nested(HarvestJobSchema, required=True, allow_none=True)
    total_datasets = fields.Integer(required=True)


class HarvestSourceSchema(ResultSchema):
    id = Str()
    name = Str()
    title = Str()
    notes = NullStr()
    url = Str()
    source_type = Str(metadata={"enum": ["ckan", "dcat", "datajson", "spreadsheet"]})
    type = Str(metadata={"enum": ["harvest"]})
    owner_org = Str()
    frequency = Str(metadata={"enum": ["MANUAL", "HOURLY", "DAILY", "WEEKLY", "MONTHLY"]})
    config = fields.Dict(required=True)
    enabled = fields.Boolean(required=True)
    state = Str()
    creator_user_id = NullStr()
    created = Timestamp(required=True)
    modified = Timestamp(required=True)
    status = fields.Nested(HarvestSourceStatusSchema, required=True)


class HarvestErrorSchema(ResultSchema):
    remote_id = NullStr()
    stage = Str(metadata={"enum": ["gather", "fetch", "import", "withdraw"]})
    message = Str()
    fields_ = fields.Dict(required=True, allow_none=True, data_key="fields")
    created = Timestamp(required=True)


class HarvestStageCountsSchema(ResultSchema):
    gather = fields.Integer(required=True)
    fetch = fields.Integer(required=True)
    import_ = fields.Integer(required=True, data_key="import")
    withdraw = fields.Integer(required=True)


class HarvestWithheldSchema(ResultSchema):
    state = Str(metadata={"description": "open (personal information found) or pending"})
    resource_id = Str()
    resource_name = NullStr()
    package_id = Str()
    package_name = Str()


class HarvestJobReportSchema(ResultSchema):
    job = fields.Nested(HarvestJobSchema, required=True)
    stats = fields.Nested(HarvestStatsSchema, required=True)
    error_count = fields.Integer(required=True)
    errors_by_stage = fields.Nested(HarvestStageCountsSchema, required=True)
    errors = fields.List(fields.Nested(HarvestErrorSchema), required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    privacy_withheld = fields.List(
        fields.Nested(HarvestWithheldSchema),
        required=True,
        metadata={"description": "Harvested resources withheld for personal information."},
    )


RESULTS: dict[str, Any] = {
    "harvest_job_abort": HarvestJobSchema,
    "harvest_job_create": HarvestJobSchema,
    "harvest_job_list": many(HarvestJobSchema),
    "harvest_job_report": HarvestJobReportSchema,
    "harvest_job_show": HarvestJobSchema,
    "harvest_source_create": HarvestSourceSchema,
    "harvest_source_delete": None,
    "harvest_source_list": many(HarvestSourceSchema),
    "harvest_source_show": HarvestSourceSchema,
    "harvest_source_update": HarvestSourceSchema,
}
