"""The DataStore actions, as CKAN 2.11 names them: datastore_create, datastore_upsert,
datastore_delete, datastore_info, datastore_search and datastore_search_sql.

Permissions follow the dataset: reading a table needs resource_show to succeed (an
unreadable resource is Not Found, as everywhere), writing needs edit rights on the dataset.
Tables loaded from a file (method "file") are written only with force=true, as in CKAN.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from marshmallow import fields as mf
from marshmallow import validate as v
from sqlalchemy import column, delete, select, table, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.access.guard import require_data
from portal.actions import Context, action, call, validate
from portal.auth.permissions import can_edit_dataset, require, require_login
from portal.catalog.models import Dataset, Resource
from portal.database import utcnow
from portal.datastore import query as dq
from portal.datastore.engine import (
    FULL_TEXT,
    ID,
    InvalidName,
    TableInfo,
    check_field,
    open_datastore,
    quote,
)
from portal.datastore.hooks import source_fingerprint
from portal.datastore.loader import full_text
from portal.datastore.models import DONE, DatastoreStatus, mark_active
from portal.datastore.types import (
    ConversionError,
    canonical,
    column_reader,
    from_db,
    to_db,
    to_python,
    widen,
)
from portal.errors import NotFound, ValidationError
from portal.fields import REQUIRED, LenientSchema
from portal.privacy.screening import screen_records

MAX_RECORDS = 100_000


class DatastoreCreateSchema(LenientSchema):
    resource_id = mf.String(load_default=None)
    resource = mf.Dict(load_default=None)
    fields = mf.List(mf.Dict(), load_default=None)
    records = mf.List(mf.Dict(), load_default=None, validate=v.Length(max=MAX_RECORDS))
    primary_key = mf.Raw(load_default=None)
    indexes = mf.Raw(load_default=None)
    force = mf.Boolean(load_default=False)


class DatastoreUpsertSchema(LenientSchema):
    resource_id = mf.String(required=True, error_messages=REQUIRED)
    records = mf.List(mf.Dict(), load_default=list, validate=v.Length(max=MAX_RECORDS))
    method = mf.String(load_default="upsert", validate=v.OneOf(["upsert", "insert", "update"]))
    force = mf.Boolean(load_default=False)


class DatastoreDeleteSchema(LenientSchema):
    resource_id = mf.String(required=True, error_messages=REQUIRED)
    filters = mf.Raw(load_default=None)
    force = mf.Boolean(load_default=False)


class DatastoreInfoSchema(LenientSchema):
    id = mf.String(load_default=None)
    resource_id = mf.String(load_default=None)


class DatastoreSearchSchema(LenientSchema):
    resource_id = mf.String(required=True, error_messages=REQUIRED)
    filters = mf.Raw(load_default=None)
    q = mf.Raw(load_default=None)
    distinct = mf.Boolean(load_default=False)
    plain = mf.Boolean(load_default=True)
    language = mf.String(load_default=None)
    fields = mf.Raw(load_default=None)
    sort = mf.Raw(load_default=None)
    limit = mf.Integer(load_default=dq.DEFAULT_LIMIT, validate=v.Range(min=0, max=dq.MAX_LIMIT))
    offset = mf.Integer(load_default=0, validate=v.Range(min=0))
    include_total = mf.Boolean(load_default=True)
    total_estimation_threshold = mf.Integer(load_default=None, allow_none=True)
    records_format = mf.String(
        load_default="objects", validate=v.OneOf(["objects", "lists", "csv", "tsv"])
    )


# ---- permissions and lookups ----------------------------------------------------------


def readable_resource(context: Context, resource_id: Any) -> dict[str, Any]:
    """The resource dict, through resource_show: Not Found when the caller may not read it."""
    if not isinstance(resource_id, str) or not resource_id:
        raise ValidationError({"resource_id": ["Missing value"]})
    resource = call("resource_show", context, {"id": resource_id})
    # The table holds the file's rows: withheld with it (portal.privacy.screening).
    require(
        not resource.get("privacy", {}).get("withheld"),
        "This table appears to contain personal information and is withheld until its "
        "department has dealt with it.",
    )
    require_data(context, resource)  # conditionally open (portal.access.guard)
    return resource


def editable_resource(context: Context, resource_id: Any) -> dict[str, Any]:
    require_login(context)
    resource = readable_resource(context, resource_id)
    dataset = context.session.get(Dataset, resource["package_id"])
    require(
        dataset is not None and can_edit_dataset(context, dataset),
        f"Not authorized to change the DataStore table of resource {resource_id}",
    )
    return resource


def table_info(context: Context, resource_id: str) -> TableInfo:
    db = open_datastore(context.app)
    with db.begin() as conn:
        info = db.info(conn, resource_id)
    if info is None:
        raise NotFound(f'Resource "{resource_id}" has no DataStore table.')
    return info


def _check_writable(context: Context, resource_id: str, force: bool) -> DatastoreStatus | None:
    status = context.session.get(DatastoreStatus, resource_id)
    if status is not None and status.method == "file" and not force:
        raise ValidationError({"read-only": [
            "Cannot edit read-only resource (its table is loaded from its file). "
            "Either pass force=True or upload the data through datastore_create."
        ]})  # fmt: skip
    return status


# ---- fields and records -----------------------------------------------------------------


def declared_fields(value: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    result = []
    for position, item in enumerate(value or []):
        try:
            name = check_field(item.get("id"))
            kind = canonical(item.get("type") or "text")
        except (InvalidName, ValueError) as exc:
            raise ValidationError({"fields": {position: {"id": [str(exc)]}}}) from None
        entry: dict[str, Any] = {"id": name, "type": kind}
        if isinstance(item.get("info"), dict):
            entry["info"] = item["info"]
        result.append(entry)
    if len({f["id"] for f in result}) != len(result):
        raise ValidationError({"fields": ["Field names must be unique."]})
    return result


def guessed_fields(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fields for records sent without fields: typed from the values, as CKAN guesses."""
    kinds: dict[str, str | None] = {}
    for record in records:
        for key, value in record.items():
            kinds[key] = widen(kinds.get(key), value)
    return declared_fields([{"id": k, "type": t or "text"} for k, t in kinds.items()])


def _names(value: Any, key: str) -> list[str]:
    if value in (None, "", []):
        return []
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else value
    if not isinstance(names, list):
        raise ValidationError({key: ["Give a field name or a list of them."]})
    return names


def _row(info: TableInfo, record: dict[str, Any], dialect: str, position: int) -> dict[str, Any]:
    types = info.types()
    row: dict[str, Any] = {}
    for key, value in record.items():
        if key not in types:
            raise ValidationError({"records": [f"Row {position + 1}: field {str(key)[:80]!r} "
                                               "is not in the table."]})  # fmt: skip
        try:
            row[key] = to_python(types[key], value)
        except ConversionError as exc:
            raise ValidationError({"records": [f"Row {position + 1}: {key}: {exc}"]}) from None
    return row


def _db_values(info: TableInfo, row: dict[str, Any], dialect: str) -> dict[str, Any]:
    types = info.types()
    values = {k: to_db(types[k], val, dialect) for k, val in row.items()}
    values[FULL_TEXT] = full_text([row.get(f["id"]) for f in info.fields if f["type"] == "text"])
    return values


def _table(info: TableInfo) -> Any:
    return table(info.resource_id, column(ID), column(FULL_TEXT),
                 *(column(f["id"]) for f in info.fields))  # fmt: skip


def _write_error(exc: Exception) -> ValidationError:
    detail = str(getattr(exc, "orig", exc)).splitlines()[0][:300]
    if isinstance(exc, IntegrityError):
        return ValidationError({"records": [f"Duplicate key: {detail}"]})
    return ValidationError({"records": [detail]})


def insert_records(conn: Any, info: TableInfo, records: list[dict[str, Any]], dialect: str) -> None:
    if not records:
        return
    rows = [_db_values(info, _row(info, r, dialect, i), dialect) for i, r in enumerate(records)]
    target = _table(info)
    for row in rows:
        conn.execute(target.insert().values(**row))


# ---- actions ----------------------------------------------------------------------------


@action(schema=DatastoreCreateSchema)
def datastore_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create (or extend) a resource's DataStore table and insert records."""
    require_login(context)
    args = validate(DatastoreCreateSchema(), data_dict)
    if args["resource"] is not None:
        resource = _new_resource(context, args["resource"])
    elif args["resource_id"]:
        resource = editable_resource(context, args["resource_id"])
    else:
        raise ValidationError({"resource_id": ["Give resource_id or a resource to create."]})
    rid = resource["id"]
    status = _check_writable(context, rid, args["force"])
    records = args["records"] or []
    new_fields = declared_fields(args["fields"]) if args["fields"] else guessed_fields(records)
    primary_key = _names(args["primary_key"], "primary_key")
    indexes = _names(args["indexes"], "indexes")
    db = open_datastore(context.app)
    try:
        with db.begin() as conn:
            info = db.info(conn, rid)
            if info is None:
                info = TableInfo(rid, new_fields, primary_key)
                db.create_table(conn, rid, new_fields)
            else:
                info = _extend(db, conn, info, new_fields, primary_key)
                if not db.has_full_text_index(conn, rid):  # a table made before the index
                    db.index_full_text(conn, rid)
            known = {f["id"] for f in info.fields}
            for name in [*primary_key, *indexes]:
                if name not in known:
                    raise ValidationError({"primary_key" if name in primary_key else "indexes":
                                           [f"Field {name!r} not in the table."]})  # fmt: skip
            if primary_key:
                db.create_index(conn, rid, primary_key, unique=True)
            for name in indexes:
                db.create_index(conn, rid, [name])
            db.save_info(conn, info)
            insert_records(conn, info, records, db.dialect)
    except (IntegrityError, DBAPIError) as exc:
        raise _write_error(exc) from None
    _record_status(context, resource, status)
    screen_records(context, rid, records)  # personal information withholds the table
    return {"resource_id": rid, "fields": _fields_out(info), "primary_key": info.primary_key,
            "indexes": indexes, "method": "insert"}  # fmt: skip


def _new_resource(context: Context, resource: dict[str, Any]) -> dict[str, Any]:
    data = {**resource}
    placeholder = not data.get("url")
    if placeholder:
        data["url"] = "datastore"
    created = call("resource_create", context, data)
    if placeholder:
        dump = f"{context.settings.site_url}/datastore/dump/{created['id']}"
        created = call("resource_patch", context, {"id": created["id"], "url": dump})
    return editable_resource(context, created["id"])


def _extend(
    db: Any, conn: Any, info: TableInfo, new_fields: list[dict[str, Any]], primary_key: list[str]
) -> TableInfo:
    old = {f["id"]: f for f in info.fields}
    added = [f for f in new_fields if f["id"] not in old]
    for f in new_fields:
        if f["id"] in old and f["type"] != old[f["id"]]["type"]:
            raise ValidationError({"fields": [f"Field {f['id']!r} is already a "
                                              f"{old[f['id']]['type']}."]})  # fmt: skip
        if f["id"] in old and "info" in f:
            old[f["id"]]["info"] = f["info"]
    db.add_columns(conn, info.resource_id, added)
    return TableInfo(info.resource_id, [*info.fields, *added], primary_key or info.primary_key)


def _record_status(
    context: Context, resource: dict[str, Any], status: DatastoreStatus | None
) -> None:
    model = context.session.get(Resource, resource["id"])
    if status is None:
        status = DatastoreStatus(resource_id=resource["id"], package_id=resource["package_id"])
        context.session.add(status)
        status.method = "api"
    status.state, status.finished_at = DONE, utcnow()
    status.error = status.error_row = None
    if model is not None:
        mark_active(model, True)
    if model is not None and status.method == "api":
        status.fingerprint = source_fingerprint(model)


def _fields_out(info: TableInfo) -> list[dict[str, Any]]:
    return [{"id": ID, "type": "int"}, *info.fields]


@action(schema=DatastoreUpsertSchema)
def datastore_upsert(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Insert, update or upsert records of a table by its primary key."""
    args = validate(DatastoreUpsertSchema(), data_dict)
    rid = editable_resource(context, args["resource_id"])["id"]
    _check_writable(context, rid, args["force"])
    info = table_info(context, rid)
    method = args["method"]
    if method != "insert" and not info.primary_key:
        raise ValidationError({"table": [f"Table {rid} does not have a unique key defined."]})
    db = open_datastore(context.app)
    try:
        with db.begin() as conn:
            if method == "insert":
                insert_records(conn, info, args["records"], db.dialect)
            else:
                for position, record in enumerate(args["records"]):
                    _upsert_one(conn, info, record, position, method, db.dialect)
    except (IntegrityError, DBAPIError) as exc:
        raise _write_error(exc) from None
    screen_records(context, rid, args["records"])  # personal information withholds the table
    return {"resource_id": rid, "method": method, "records": args["records"]}


def _upsert_one(conn: Any, info: TableInfo, record: dict[str, Any], position: int,
                method: str, dialect: str) -> None:  # fmt: skip
    row = _row(info, record, dialect, position)
    missing = [k for k in info.primary_key if k not in row]
    if missing:
        raise ValidationError({"key": [f"Row {position + 1}: fields {missing} are missing "
                                       "but needed as key."]})  # fmt: skip
    target = _table(info)
    types = info.types()
    where = [target.c[k] == to_db(types[k], row[k], dialect) for k in info.primary_key]
    names = [f["id"] for f in info.fields]
    found = conn.execute(select(target.c[ID], *(target.c[n] for n in names)).where(*where)).first()
    if found is None:
        if method == "update":
            key = ", ".join(str(row[k]) for k in info.primary_key)
            raise ValidationError({"key": [f'Row {position + 1}: key "{key}" not found.']})
        insert_records(conn, info, [record], dialect)
        return
    merged = {n: from_db_python(types[n], found[i + 1]) for i, n in enumerate(names)}
    merged.update(row)
    values = _db_values(info, merged, dialect)
    conn.execute(update(target).where(target.c[ID] == found[0]).values(**values))


def from_db_python(type_name: str, value: Any) -> Any:
    """A stored value back as the Python value to_python gives (to re-store it)."""
    if value is None:
        return None
    return to_python(type_name, from_db(type_name, value)) if type_name != "text" else value


@action(schema=DatastoreDeleteSchema)
def datastore_delete(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Delete the rows matching `filters`, or the whole table without filters."""
    args = validate(DatastoreDeleteSchema(), data_dict)
    rid = editable_resource(context, args["resource_id"])["id"]
    status = _check_writable(context, rid, args["force"])
    info = table_info(context, rid)
    db = open_datastore(context.app)
    if args["filters"] in (None, {}, ""):
        with db.begin() as conn:
            db.drop(conn, rid)
        if status is not None:
            context.session.delete(status)
        model = context.session.get(Resource, rid)
        if model is not None:
            mark_active(model, False)
        return {"resource_id": rid}
    filters = dq.parse_filters(info, args["filters"], db.dialect)
    target = _table(info)
    clauses = [target.c[n].is_(None) if vals == [None] else target.c[n].in_(vals)
               for n, vals in filters.items()]  # fmt: skip
    with db.begin() as conn:
        conn.execute(delete(target).where(*clauses))
    return {"resource_id": rid, "filters": args["filters"]}


@action(side_effect_free=True, schema=DatastoreInfoSchema)
def datastore_info(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A table's fields, row count and loading status."""
    args = validate(DatastoreInfoSchema(), data_dict)
    rid = readable_resource(context, args["id"] or args["resource_id"])["id"]
    status = context.session.get(DatastoreStatus, rid)
    db = open_datastore(context.app)
    with db.begin() as conn:
        info = db.info(conn, rid)
        count = db.count(conn, rid) if info is not None else 0
    if info is None and status is None:
        raise NotFound(f'Resource "{rid}" has no DataStore table.')
    fields_out = [
        {**f, "schema": {"native_type": f["type"]}} for f in (info.fields if info else [])
    ]
    return {
        "meta": {"id": rid, "count": count, "table_type": "BASE TABLE", "aliases": [],
                 "primary_key": info.primary_key if info else []},
        "fields": fields_out,
        "status": status_dict(status),
    }  # fmt: skip


def status_dict(status: DatastoreStatus | None) -> dict[str, Any] | None:
    if status is None:
        return None
    return {
        "state": status.state, "method": status.method, "rows": status.rows,
        "error": status.error, "error_row": status.error_row,
        "queued_at": _iso(status.queued_at), "started_at": _iso(status.started_at),
        "finished_at": _iso(status.finished_at),
    }  # fmt: skip


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def build_search(context: Context, args: dict[str, Any]) -> dq.Search:
    """The checked search of a readable table (datastore_search and the dumps)."""
    rid = readable_resource(context, args.get("resource_id"))["id"]
    info = table_info(context, rid)
    db = open_datastore(context.app)
    dialect = db.dialect
    with db.begin() as conn:
        indexed = db.has_full_text_index(conn, rid)
    return dq.Search(
        info=info,
        columns=dq.parse_fields(info, args.get("fields")),
        filters=dq.parse_filters(info, args.get("filters"), dialect),
        q=dq.parse_q(info, args.get("q")),
        distinct=bool(args.get("distinct")),
        sort=dq.parse_sort(info, args.get("sort")),
        full_text_index=dialect if indexed else None,
    )


def _walk_sort_index(
    db: Any, conn: Any, search: dq.Search, total: int | None, args: dict[str, Any]
) -> bool:
    """Whether SQLite should read the rows in the sort column's index order and filter them
    as they come, rather than take every filtered row from the filter's index and sort them:
    its planner always does the latter, which sorts a sixteenth of a million-row table to
    show one page of "this district, busiest first". Walking reads about
    wanted x rows / matching rows, sorting reads all the matching ones; the total says which
    is fewer (PostgreSQL's planner has the statistics to choose by itself)."""
    if db.dialect != "sqlite" or not (search.sort and search.filters and total):
        return False
    if search.q or search.distinct:
        return False
    name, first = search.info.resource_id, search.sort[0][0]
    if not any(columns[0] == first for columns, _unique in db.user_indexes(conn, name)):
        return False
    rows = conn.exec_driver_sql(f"SELECT max({quote(ID)}) FROM {quote(name)}").scalar() or 0
    wanted = args["limit"] + args["offset"]
    return total * total > wanted * rows


@action(side_effect_free=True, schema=DatastoreSearchSchema)
def datastore_search(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Rows of a table: filters, q (full text), distinct, fields, sort, limit and offset."""
    args = validate(DatastoreSearchSchema(), data_dict)
    search = build_search(context, args)
    db = open_datastore(context.app)
    readers = [column_reader(search.types[n]) for n in search.columns]
    with db.begin() as conn:
        total = conn.execute(dq.count_query(search)).scalar() if args["include_total"] else None
        search.walk_sort_index = _walk_sort_index(db, conn, search, total, args)
        rows = conn.execute(dq.rows_query(search).limit(args["limit"]).offset(args["offset"]))
        records = [[read(value) for read, value in zip(readers, row, strict=True)]
                   for row in rows]  # fmt: skip
    result: dict[str, Any] = {
        "include_total": args["include_total"],
        "limit": args["limit"],
        "records_format": args["records_format"],
        "resource_id": search.info.resource_id,
        "total_estimation_threshold": args["total_estimation_threshold"],
        "fields": [_field_out(search.info, n) for n in search.columns],
        "records": format_records(records, search.columns, args["records_format"]),
        "_links": _links(data_dict, args),
    }
    for key in ("filters", "q", "sort", "distinct"):
        if data_dict.get(key) not in (None, "", {}, []):
            result[key] = data_dict[key]
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    return result


def _field_out(info: TableInfo, name: str) -> dict[str, Any]:
    if name == ID:
        return {"id": ID, "type": "int"}
    return next(f for f in info.fields if f["id"] == name)


def format_records(records: list[list[Any]], names: list[str], fmt: str) -> Any:
    if fmt == "objects":
        return [dict(zip(names, r, strict=True)) for r in records]
    if fmt == "lists":
        return records
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    for record in records:
        writer.writerow(["" if v is None else v for v in record])
    return out.getvalue()


def _links(data_dict: dict[str, Any], args: dict[str, Any]) -> dict[str, str]:
    keep = {k: val for k, val in data_dict.items()
            if k != "offset" and isinstance(val, (str, int, float, bool))}  # fmt: skip
    start = "/api/3/action/datastore_search?" + urlencode(keep)
    nxt = urlencode({**keep, "offset": args["offset"] + args["limit"]})
    return {"start": start, "next": "/api/3/action/datastore_search?" + nxt}


# datastore_search_sql is in portal.datastore.sql (its guard is most of it).
from portal.datastore import sql as _sql  # noqa: E402, F401
