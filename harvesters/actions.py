"""Harvest actions, named and shaped as in ckanext-harvest.

Sources: `harvest_source_create/show/list/update/delete`. Anyone may read a source (as in
CKAN), but only its department's editors and admins, and sysadmins, see secrets in its config
(`api_key`) and manage it. Jobs: `harvest_job_create/show/list/abort` and
`harvest_job_report` (counts and paged errors), for the source's department and sysadmins.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from flask import has_request_context, request
from marshmallow import ValidationError as FieldError
from marshmallow import fields, pre_load
from marshmallow import validate as v
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from harvesters.jobs import request_abort
from harvesters.models import (
    COUNTS,
    FREQUENCIES,
    JOB_STATUSES,
    SOURCE_TYPES,
    STAGES,
    UNFINISHED,
    HarvestJob,
    HarvestJobError,
    HarvestRecord,
    HarvestSource,
)
from harvesters.registry import source_types
from portal.actions import Context, action, call, validate
from portal.auth.permissions import has_role, require, require_login
from portal.catalog.dictize import iso
from portal.catalog.models import Dataset
from portal.catalog.queries import find_organization
from portal.database import utcnow
from portal.errors import NotFound, ValidationError
from portal.fields import REQUIRED, LenientSchema, Name, StrictSchema, Text
from portal.privacy.screening import withheld_resources

SECRET_CONFIG = ("api_key",)
# Config keys every source type reads, with their checks.
COMMON_CONFIG: dict[str, Any] = {
    "protected_fields": list,
    "delete_after_days": (int, float),
    "withdraw": str,
    "timeout": (int, float),
    "retries": int,
}
WITHDRAW_POLICIES = ("delete", "keep")


def check_config(source_type: str | None, config: Any) -> dict[str, Any]:
    """A source's config as a dict, checked against the keys its type reads."""
    if config in (None, ""):
        return {}
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError as exc:
            raise FieldError(f"Not valid JSON: {exc}") from None
    if not isinstance(config, dict):
        raise FieldError("Must be a JSON object.")
    types = source_types()
    known = dict(COMMON_CONFIG)
    if source_type in types:
        known.update(types[source_type].config_keys)
    errors = []
    for key, value in config.items():
        expected = known.get(key)
        if expected is None:
            errors.append(f"Unknown option {key!r} (known: {', '.join(sorted(known))}).")
        elif isinstance(value, bool) and expected is not bool:
            errors.append(f"{key}: wrong type.")
        elif not isinstance(value, expected):
            errors.append(f"{key}: wrong type.")
    if (
        isinstance(config.get("delete_after_days"), (int, float))
        and config["delete_after_days"] < 0
    ):
        errors.append("delete_after_days: must be 0 or more.")
    if "withdraw" in config and config["withdraw"] not in WITHDRAW_POLICIES:
        errors.append(f"withdraw: one of {', '.join(WITHDRAW_POLICIES)}.")
    timeout = config.get("timeout")
    if isinstance(timeout, (int, float)) and not 1 <= timeout <= 120:
        errors.append("timeout: between 1 and 120 seconds.")
    retries = config.get("retries")
    if isinstance(retries, int) and not 0 <= retries <= 5:
        errors.append("retries: between 0 and 5.")
    page_size = config.get("page_size")
    if isinstance(page_size, int) and not 1 <= page_size <= 1000:
        errors.append("page_size: between 1 and 1000.")
    protected = config.get("protected_fields")
    if isinstance(protected, list) and not all(isinstance(p, str) for p in protected):
        errors.append("protected_fields: a list of field names.")
    if errors:
        raise FieldError(errors)
    return config


# --- schemas ------------------------------------------------------------------------------------


class SourceSchema(StrictSchema):
    READ_ONLY = frozenset(
        {"created", "modified", "state", "creator_user_id", "organization", "status", "type"}
    )
    id = fields.String(validate=v.Length(max=36))
    name = Name(required=True)
    title = Text(500)
    notes = Text(10_000)
    url = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=[
            v.Length(max=2000),
            v.URL(schemes={"http", "https"}, require_tld=False, error="Not a valid URL."),
        ],
    )
    source_type = fields.String(
        required=True, error_messages=REQUIRED, validate=v.OneOf(SOURCE_TYPES)
    )
    owner_org = fields.String(required=True, error_messages=REQUIRED)
    frequency = fields.String(load_default="MANUAL", validate=v.OneOf(FREQUENCIES))
    config = fields.Raw(load_default=dict, allow_none=True)
    enabled = fields.Boolean(load_default=True)

    @pre_load
    def upper_frequency(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("frequency"), str):
            data = {**data, "frequency": data["frequency"].upper()}
        return data


class SourceUpdateSchema(SourceSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


class IdSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


class SourceDeleteSchema(IdSchema):
    clear = fields.Boolean(
        load_default=False,
        metadata={"description": "Also delete the datasets the source harvested (restorable)."},
    )


class SourceListSchema(LenientSchema):
    owner_org = fields.String(load_default=None)
    source_type = fields.String(load_default=None)
    limit = fields.Integer(load_default=100, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class JobCreateSchema(LenientSchema):
    source_id = fields.String(required=True, error_messages=REQUIRED)
    full = fields.Boolean(load_default=False)


class JobListSchema(LenientSchema):
    source_id = fields.String(required=True, error_messages=REQUIRED)
    status = fields.String(load_default=None, validate=v.OneOf(JOB_STATUSES))
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


class JobReportSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    stage = fields.String(load_default=None, validate=v.OneOf(STAGES))
    limit = fields.Integer(load_default=100, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))


# --- dicts --------------------------------------------------------------------------------------


def can_manage(context: Context, source: HarvestSource) -> bool:
    return has_role(context, source.owner_org, "editor")


def source_dict(context: Context, source: HarvestSource) -> dict[str, Any]:
    config = dict(source.config or {})
    if not can_manage(context, source):
        for key in SECRET_CONFIG:
            config.pop(key, None)
    last = context.session.scalars(
        select(HarvestJob)
        .where(HarvestJob.source_id == source.id)
        .order_by(HarvestJob.created.desc())
        .limit(1)
    ).first()
    datasets = context.session.scalar(
        select(func.count()).where(
            HarvestRecord.source_id == source.id,
            HarvestRecord.dataset_id.is_not(None),
            HarvestRecord.status != "withdrawn",
        )
    )
    return {
        "id": source.id,
        "name": source.name,
        "title": source.title,
        "notes": source.notes,
        "url": source.url,
        "source_type": source.source_type,
        "type": "harvest",
        "owner_org": source.owner_org,
        "frequency": source.frequency,
        "config": config,
        "enabled": source.enabled,
        "state": source.state,
        "creator_user_id": source.creator_user_id,
        "created": iso(source.created),
        "modified": iso(source.modified),
        "status": {
            "last_job": job_dict(last) if last else None,
            "total_datasets": datasets or 0,
        },
    }


def job_dict(job: HarvestJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "source_id": job.source_id,
        "status": job.status,
        "full": job.full,
        "abort_requested": job.abort_requested,
        "created": iso(job.created),
        "started": iso(job.started),
        "finished": iso(job.finished),
        "heartbeat": iso(job.heartbeat),
        "gather_finished": iso(job.gather_finished),
        "gathered": job.gathered,
        "stats": {key: getattr(job, key) for key in COUNTS},
        "message": job.message,
    }


def find_source(context: Context, ident: Any) -> HarvestSource:
    if not ident or not isinstance(ident, str):
        raise NotFound("Harvest source not found")
    source = context.session.scalars(
        select(HarvestSource).where(or_(HarvestSource.id == ident, HarvestSource.name == ident))
    ).first()
    if source is None or source.state == "deleted":
        raise NotFound(f"Harvest source not found: {ident}")
    return source


def find_job(context: Context, ident: Any) -> HarvestJob:
    job = context.session.get(HarvestJob, ident) if isinstance(ident, str) and ident else None
    if job is None:
        raise NotFound(f"Harvest job not found: {ident}")
    return job


def _org_id(context: Context, ident: str) -> str:
    try:
        return find_organization(context, ident).id
    except NotFound:
        raise ValidationError({"owner_org": ["Organization does not exist"]}) from None


def _load_source(data_dict: dict[str, Any], schema: type[SourceSchema]) -> dict[str, Any]:
    args = validate(schema(), data_dict)
    try:
        args["config"] = check_config(args["source_type"], args.get("config"))
    except FieldError as exc:
        raise ValidationError({"config": exc.messages}) from None
    return args


def _name_taken(context: Context, name: str, own_id: str | None) -> None:
    found = context.session.scalar(select(HarvestSource.id).where(HarvestSource.name == name))
    if found is not None and found != own_id:
        raise ValidationError({"name": ["That name is already in use."]})


def _url_taken(context: Context, url: str, own_id: str | None) -> None:
    found = context.session.scalar(
        select(HarvestSource.name).where(
            HarvestSource.url == url, HarvestSource.state == "active", HarvestSource.id != own_id
        )
    )
    if found is not None:
        raise ValidationError({"url": [f"Harvest source {found} already harvests this URL."]})


# Host names that always mean this machine, like the loopback addresses.
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, int] | None:
    """(host, port) of a URL, normalised: lower case, no trailing dot, the scheme's default
    port spelled out; None when it has no host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return None
    return host, port or DEFAULT_PORTS.get(parts.scheme.lower(), 80)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _own_origins(context: Context) -> list[tuple[str, int]]:
    """Where this portal answers: its site URL, the host the current request came to and, on
    this machine, the port `portal serve` listens on."""
    urls = [context.settings.site_url]
    if has_request_context():
        urls.append(request.host_url)
    found = [origin for origin in map(_origin, urls) if origin is not None]
    found.append(("127.0.0.1", context.settings.port))
    return found


def _same_place(a: tuple[str, int], b: tuple[str, int]) -> bool:
    if a[1] != b[1]:
        return False
    return a[0] == b[0] or (_is_loopback(a[0]) and _is_loopback(b[0]))


def _not_self(context: Context, url: str) -> None:
    """A portal harvesting its own catalog would import every dataset again as a copy of
    itself, and the copies again on the next run."""
    target = _origin(url)
    if target is not None and any(_same_place(target, own) for own in _own_origins(context)):
        message = "This URL points at this portal itself: a portal cannot harvest its own catalog."
        raise ValidationError({"url": [message]})


# --- source actions -----------------------------------------------------------------------------


@action(schema=SourceSchema)
def harvest_source_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Register a remote catalog for a department to harvest."""
    require_login(context)
    args = _load_source(data_dict, SourceSchema)
    org_id = _org_id(context, args["owner_org"])
    require(has_role(context, org_id, "editor"), "Not authorized to add a harvest source here")
    _name_taken(context, args["name"], None)
    _not_self(context, args["url"])
    _url_taken(context, args["url"], None)
    source = HarvestSource(
        name=args["name"],
        title=args.get("title") or args["name"],
        notes=args.get("notes"),
        url=args["url"],
        source_type=args["source_type"],
        owner_org=org_id,
        config=args["config"],
        frequency=args["frequency"],
        enabled=args["enabled"],
        creator_user_id=context.user_id,
    )
    context.session.add(source)
    context.session.flush()
    return source_dict(context, source)


@action(side_effect_free=True, schema=IdSchema)
def harvest_source_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A harvest source with the status of its last job."""
    args = validate(IdSchema(), data_dict)
    return source_dict(context, find_source(context, args["id"]))


@action(side_effect_free=True, schema=SourceListSchema)
def harvest_source_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Harvest sources, optionally of one department or type, by name."""
    args = validate(SourceListSchema(), data_dict)
    query = select(HarvestSource).where(HarvestSource.state == "active")
    if args["owner_org"]:
        query = query.where(HarvestSource.owner_org == _org_id(context, args["owner_org"]))
    if args["source_type"]:
        query = query.where(HarvestSource.source_type == args["source_type"])
    query = query.order_by(HarvestSource.name).offset(args["offset"]).limit(args["limit"])
    return [source_dict(context, s) for s in context.session.scalars(query)]


@action(schema=SourceUpdateSchema)
def harvest_source_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change a harvest source (every field is replaced, as in ckanext-harvest)."""
    require_login(context)
    if not isinstance(data_dict, dict):
        raise ValidationError({"message": ["Expected a JSON object."]})
    source = find_source(context, data_dict.get("id"))
    require(can_manage(context, source), f"Not authorized to edit harvest source {source.name}")
    data = {
        "name": source.name,
        "url": source.url,
        "source_type": source.source_type,
        "owner_org": source.owner_org,
        **data_dict,
        "id": source.id,
    }
    args = _load_source(data, SourceUpdateSchema)
    org_id = _org_id(context, args["owner_org"])
    require(has_role(context, org_id, "editor"), "Not authorized to move the source there")
    _name_taken(context, args["name"], source.id)
    _not_self(context, args["url"])
    _url_taken(context, args["url"], source.id)
    for key in ("name", "url", "source_type", "frequency", "config", "enabled"):
        setattr(source, key, args[key])
    source.title = args.get("title") or args["name"]
    source.notes = args.get("notes")
    source.owner_org = org_id
    source.modified = utcnow()
    context.session.flush()
    return source_dict(context, source)


@action(schema=SourceDeleteSchema)
def harvest_source_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Stop harvesting a source: it is marked deleted, its unfinished jobs are aborted. The
    datasets it harvested stay in the portal, unless `clear` is true (as in ckanext-harvest):
    then they are deleted too, and can be restored like any deleted dataset."""
    require_login(context)
    args = validate(SourceDeleteSchema(), data_dict)
    source = find_source(context, args["id"])
    require(can_manage(context, source), f"Not authorized to delete harvest source {source.name}")
    if args["clear"]:
        harvested = select(HarvestRecord.dataset_id).where(
            HarvestRecord.source_id == source.id, HarvestRecord.dataset_id.is_not(None)
        )
        for dataset_id in context.session.scalars(harvested).all():
            dataset = context.session.get(Dataset, dataset_id)
            if dataset is not None and dataset.state != "deleted":
                call("package_delete", context, {"id": dataset_id})
    source.state = "deleted"
    source.enabled = False
    source.name = f"{source.name[:60]}-deleted-{source.id[:8]}"[:100]
    source.modified = utcnow()
    unfinished = select(HarvestJob.id).where(
        HarvestJob.source_id == source.id, HarvestJob.status.in_(UNFINISHED)
    )
    for job_id in context.session.scalars(unfinished).all():
        request_abort(context.session, job_id)
    return None


# --- job actions --------------------------------------------------------------------------------


def _readable_source(context: Context, source: HarvestSource) -> None:
    require(
        has_role(context, source.owner_org, "member"),
        f"Not authorized to see the jobs of harvest source {source.name}",
    )


def open_job(context: Context, source_id: Any, full: bool = False) -> HarvestJob:
    """A new job for a source, under the rules of harvest_job_create: the caller may harvest
    it, it is enabled, and it has no unfinished job (the unique `active_source_id` makes that
    atomic across processes). Not queued: harvest_job_create queues it after the commit;
    `portal harvest run` runs it in its own process."""
    try:
        source = find_source(context, source_id)
    except NotFound:
        raise ValidationError({"source_id": ["Harvest source not found"]}) from None
    require(can_manage(context, source), f"Not authorized to harvest source {source.name}")
    if not source.enabled:
        raise ValidationError({"source_id": ["The harvest source is disabled."]})
    job = HarvestJob(
        source_id=source.id, active_source_id=source.id, full=full, created_by=context.user_id
    )
    try:
        with context.session.begin_nested():
            context.session.add(job)
    except IntegrityError:
        raise ValidationError(
            {"source_id": ["There already is an unfinished job for this harvest source."]}
        ) from None
    return job


@action(schema=JobCreateSchema)
def harvest_job_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Queue a harvest of a source now (`full` re-imports everything, not only changes)."""
    require_login(context)
    args = validate(JobCreateSchema(), data_dict)
    job = open_job(context, args["source_id"], args["full"])
    app, job_id = context.app, job.id

    def enqueue() -> None:
        from harvesters.tasks import enqueue_job

        enqueue_job(app, job_id)

    context.after_commit.append(enqueue)
    return job_dict(job)


@action(side_effect_free=True, schema=IdSchema)
def harvest_job_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A harvest job: status, timings and counts."""
    args = validate(IdSchema(), data_dict)
    job = find_job(context, args["id"])
    _readable_source(context, job.source)
    return job_dict(job)


@action(side_effect_free=True, schema=JobListSchema)
def harvest_job_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """A source's jobs, newest first."""
    args = validate(JobListSchema(), data_dict)
    source = find_source(context, args["source_id"])
    _readable_source(context, source)
    query = select(HarvestJob).where(HarvestJob.source_id == source.id)
    if args["status"]:
        query = query.where(HarvestJob.status == args["status"])
    query = query.order_by(HarvestJob.created.desc()).offset(args["offset"]).limit(args["limit"])
    return [job_dict(j) for j in context.session.scalars(query)]


@action(schema=IdSchema)
def harvest_job_abort(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Abort a job: a queued one at once, a running one at its next batch of records."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    job = find_job(context, args["id"])
    require(can_manage(context, job.source), "Not authorized to abort this harvest job")
    if job.status not in UNFINISHED:
        raise ValidationError({"id": [f"The job has already ended ({job.status})."]})
    request_abort(context.session, job.id)
    context.session.refresh(job)
    return job_dict(job)


@action(side_effect_free=True, schema=JobReportSchema)
def harvest_job_report(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A job's counts and its errors (paged), each with its stage, message and field errors."""
    args = validate(JobReportSchema(), data_dict)
    job = find_job(context, args["id"])
    _readable_source(context, job.source)
    query = select(HarvestJobError).where(HarvestJobError.job_id == job.id)
    if args["stage"]:
        query = query.where(HarvestJobError.stage == args["stage"])
    total = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = context.session.scalars(
        query.order_by(HarvestJobError.id).offset(args["offset"]).limit(args["limit"])
    )
    by_stage = dict(
        context.session.execute(
            select(HarvestJobError.stage, func.count())
            .where(HarvestJobError.job_id == job.id)
            .group_by(HarvestJobError.stage)
        ).all()
    )
    return {
        "job": job_dict(job),
        "stats": {key: getattr(job, key) for key in COUNTS},
        "error_count": total,
        "errors_by_stage": {stage: by_stage.get(stage, 0) for stage in STAGES},
        "errors": [
            {
                "remote_id": e.remote_id,
                "stage": e.stage,
                "message": e.message,
                "fields": e.fields,
                "created": iso(e.created),
            }
            for e in rows
        ],
        "limit": args["limit"],
        "offset": args["offset"],
        # Harvested resources held back for personal information (portal.privacy).
        "privacy_withheld": withheld_resources(
            context.session,
            select(HarvestRecord.dataset_id).where(
                HarvestRecord.source_id == job.source_id, HarvestRecord.last_seen_job_id == job.id
            ),
        ),
    }
