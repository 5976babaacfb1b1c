"""marshmallow *output* schemas of the DataStore actions, for the OpenAPI document (RESULTS
below; see portal.result_schemas)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields as mf

from portal.result_schemas import ResultSchema, Str


class DatastoreFieldSchema(ResultSchema):
    id = Str()
    type = Str(metadata={"description": "text, int, bigint, numeric, float, bool, date, "
                                        "timestamp or json"})  # fmt: skip
    info = mf.Dict(metadata={"description": "The data dictionary entry (label, notes)."})


class DatastoreCreateResultSchema(ResultSchema):
    resource_id = Str()
    fields = mf.List(mf.Nested(DatastoreFieldSchema), required=True)
    primary_key = mf.List(mf.String(), required=True)
    indexes = mf.List(mf.String(), required=True)
    method = Str()


class DatastoreUpsertResultSchema(ResultSchema):
    resource_id = Str()
    method = Str()
    records = mf.List(mf.Dict(), required=True)


class DatastoreDeleteResultSchema(ResultSchema):
    resource_id = Str()
    filters = mf.Dict()


class DatastoreStatusSchema(ResultSchema):
    state = Str(metadata={"description": "pending, loading, done or error"})
    method = Str(metadata={"description": "file (loaded from the resource) or api"})
    rows = mf.Integer(allow_none=True)
    error = mf.String(allow_none=True)
    error_row = mf.Integer(allow_none=True)
    queued_at = mf.String(allow_none=True)
    started_at = mf.String(allow_none=True)
    finished_at = mf.String(allow_none=True)


class DatastoreInfoResultSchema(ResultSchema):
    meta = mf.Dict(required=True)
    fields = mf.List(mf.Dict(), required=True)
    status = mf.Nested(DatastoreStatusSchema, allow_none=True, required=True)


class DatastoreSearchResultSchema(ResultSchema):
    resource_id = Str()
    fields = mf.List(mf.Nested(DatastoreFieldSchema), required=True)
    records = mf.Raw(
        required=True,
        metadata={"description": "Objects, lists, or a CSV/TSV string, as records_format asks."},
    )
    limit = mf.Integer(required=True)
    records_format = Str()
    include_total = mf.Boolean(required=True)
    total = mf.Integer()
    total_was_estimated = mf.Boolean()
    total_estimation_threshold = mf.Integer(allow_none=True)
    _links = mf.Dict(required=True, data_key="_links")


class DatastoreSqlResultSchema(ResultSchema):
    sql = Str()
    records = mf.List(mf.Dict(), required=True)
    fields = mf.List(mf.Dict(), required=True)
    records_truncated = mf.Boolean(required=True)


RESULTS: dict[str, Any] = {
    "datastore_create": DatastoreCreateResultSchema,
    "datastore_upsert": DatastoreUpsertResultSchema,
    "datastore_delete": DatastoreDeleteResultSchema,
    "datastore_info": DatastoreInfoResultSchema,
    "datastore_search": DatastoreSearchResultSchema,
    "datastore_search_sql": DatastoreSqlResultSchema,
}
