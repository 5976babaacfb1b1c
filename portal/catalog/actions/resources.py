"""Resource actions: a link to data elsewhere, or a file uploaded into portal storage."""

from __future__ import annotations

import mimetypes
import posixpath
import re
import unicodedata
from typing import Any
from urllib.parse import unquote

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, select

from portal.access.guard import access_status
from portal.actions import Context, action, call, validate
from portal.auth.permissions import (
    can_edit_dataset,
    require,
    require_login,
    require_readable,
)
from portal.catalog.actions.datasets import IdSchema
from portal.catalog.dictize import resource_dictize
from portal.catalog.models import Dataset, Resource
from portal.catalog.previews import preview_job
from portal.catalog.queries import dataset_loads
from portal.catalog.saving import saved
from portal.catalog.schemas import ResourceCreateSchema, ResourceUpdateSchema
from portal.database import utcnow
from portal.errors import NotFound, ValidationError
from portal.fields import LenientSchema
from portal.files.sniff import RefusedContent, check_upload
from portal.privacy.screening import privacy_status, queue_screening
from portal.storage import FileTooLarge, resource_key

FIELDS = ("name", "description", "format", "mimetype", "size", "hash", "last_modified")
# What the portal measured of an uploaded file: only a new upload changes them.
FILE_FACTS = ("size", "hash", "last_modified")


def apply_resource_fields(resource: Resource, item: dict[str, Any], keep_upload: bool) -> None:
    """Copy validated fields onto a resource. An uploaded file stays attached unless a new URL
    replaces it."""
    url = item.get("url") or ""
    # The client sent back our download URL (or the filename, or no URL): keep the file.
    keeps_file = keep_upload and resource.url_type == "upload" and _points_at_upload(resource, url)
    # An upload replaced by a link: the facts measured of the old file no longer describe it,
    # even when a client echoes them back (resource_patch with only a new url).
    drops_file = resource.url_type == "upload" and not keeps_file
    for key in FIELDS:
        if keeps_file and key in FILE_FACTS:
            continue
        value = item.get(key)
        if drops_file and key in FILE_FACTS and value == getattr(resource, key):
            value = None
        setattr(resource, key, value)
    # datastore_active is the DataStore's to say (portal.datastore.models.mark_active).
    active = (resource.extras or {}).get("datastore_active")
    resource.extras = item.get("extras") or {}
    if active is not None:
        resource.extras = {**resource.extras, "datastore_active": active}
    if not keeps_file:
        resource.url = url
        resource.url_type = None
    resource.metadata_modified = utcnow()


def _points_at_upload(resource: Resource, url: str) -> bool:
    return (
        url == ""
        or url == resource.url
        or unquote(url).endswith(f"/download/{resource.url}")  # our download URL, sent back
    )


def safe_filename(name: str) -> str:
    """A storage-safe filename that keeps Chinese characters but no path or control parts."""
    name = unicodedata.normalize("NFC", posixpath.basename(name.replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f/\\?%*:|\"<>#]", "_", name).strip(" .")
    return name[:200] or "file"


@action(side_effect_free=True, schema=IdSchema)
def resource_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Return one resource."""
    args = validate(IdSchema(), data_dict)
    resource, dataset = _find(context, args["id"])
    require_readable(context, dataset, "Resource")
    result = resource_dictize(resource, context.settings.site_url)
    # Only a file with a finding says so: a clean resource reads as in package_show.
    privacy = privacy_status(context, resource, dataset)
    if privacy is not None:
        result["privacy"] = privacy
    access = access_status(context, dataset)  # conditionally open (portal.access.guard)
    if access is not None:
        result["access"] = access
    return result


@action(schema=ResourceCreateSchema)
def resource_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Add a resource: a URL, or a file sent as the multipart field `upload`."""
    require_login(context)
    payload = validate(ResourceCreateSchema(), data_dict)
    dataset = _editable(context, payload["package_id"], "package_id")
    resource = Resource(package_id=dataset.id, position=len(dataset.active_resources))
    context.session.add(resource)
    apply_resource_fields(resource, payload, keep_upload=False)
    dataset.resources.append(resource)
    context.session.flush()
    if payload.get("upload") is not None:
        _store_upload(context, resource, payload["upload"])
    elif not resource.url:
        raise ValidationError({"url": ["Give a URL or upload a file."]})
    saved(context, dataset, "changed package")
    return resource_dictize(resource, context.settings.site_url)


@action(schema=ResourceUpdateSchema)
def resource_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Replace a resource's metadata, and its file when a new `upload` is sent."""
    require_login(context)
    payload = validate(ResourceUpdateSchema(), data_dict)
    resource, dataset = _find(context, payload["id"])
    require(can_edit_dataset(context, dataset), f"Not authorized to edit resource {payload['id']}")
    old_key = resource.storage_key
    apply_resource_fields(resource, payload, keep_upload=True)
    if payload.get("upload") is not None:
        _store_upload(context, resource, payload["upload"])
    elif not resource.url:
        raise ValidationError({"url": ["Give a URL or upload a file."]})
    elif old_key and resource.url_type != "upload":
        _drop_file(context, resource, old_key)
    saved(context, dataset, "changed package")
    return resource_dictize(resource, context.settings.site_url)


def _drop_file(context: Context, resource: Resource, key: str) -> None:
    """The resource now links elsewhere: its uploaded file goes once the change is committed."""
    resource.storage_key = None
    storage = context.storage
    context.after_commit.append(lambda: storage.delete(key))
    queue_screening(context, resource)  # resolves the withheld file's finding, if any


@action(schema=ResourceUpdateSchema)
def resource_patch(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change only the given keys of a resource."""
    require_login(context)
    current = call("resource_show", context, {"id": data_dict.get("id")})
    return call("resource_update", context, {**current, **data_dict})


@action(schema=IdSchema)
def resource_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Remove a resource from its dataset."""
    require_login(context)
    args = validate(IdSchema(), data_dict)
    resource, dataset = _find(context, args["id"])
    require(can_edit_dataset(context, dataset), f"Not authorized to delete resource {args['id']}")
    resource.state = "deleted"
    for position, other in enumerate(dataset.active_resources):
        other.position = position
    saved(context, dataset, "changed package")
    return None


def _find(context: Context, resource_id: str) -> tuple[Resource, Dataset]:
    resource = context.session.get(Resource, resource_id) if resource_id else None
    if resource is None or resource.state != "active":
        raise NotFound("Resource not found")
    dataset = context.session.scalars(
        select(Dataset).where(Dataset.id == resource.package_id).options(*dataset_loads())
    ).one()
    if dataset.state == "deleted" and not can_edit_dataset(context, dataset):
        raise NotFound("Resource not found")
    return resource, dataset


def _editable(context: Context, ident: str, field: str) -> Dataset:
    dataset = context.session.scalars(
        select(Dataset)
        .where((Dataset.id == ident) | (Dataset.name == ident))
        .options(*dataset_loads())
    ).first()
    if dataset is None:
        raise ValidationError({field: ["Dataset not found"]})
    require(can_edit_dataset(context, dataset), f"Not authorized to edit dataset {ident}")
    return dataset


def _store_upload(context: Context, resource: Resource, upload: Any) -> None:
    filename = safe_filename(upload.filename or "file")
    key = resource_key(resource.id, filename)
    try:
        # Before anything is stored: an executable or a page under a data format is refused.
        stream = check_upload(upload.stream, filename, resource.format)
    except RefusedContent as exc:
        raise ValidationError({"upload": [str(exc)]}) from None
    try:
        stored = context.storage.put(key, stream, context.settings.max_upload_bytes)
    except FileTooLarge as exc:
        raise ValidationError({"upload": [str(exc)]}) from None
    old_key = resource.storage_key
    resource.storage_key = key
    resource.url = filename
    resource.url_type = "upload"
    if not resource.name:  # as CKAN: an upload sent without a name is called by its file's
        resource.name = filename[:1000]
    resource.size = stored.size
    resource.hash = f"sha256:{stored.sha256}"
    resource.last_modified = utcnow()
    guessed = mimetypes.guess_type(filename)[0]
    resource.mimetype = resource.mimetype or upload.mimetype or guessed
    if not resource.format and "." in filename:
        resource.format = filename.rsplit(".", 1)[1].upper()[:100]
    storage = context.storage
    context.on_rollback.append(lambda: storage.delete(key))
    if old_key:
        context.after_commit.append(lambda: storage.delete(old_key))
    _queue_preview(context, resource)
    queue_screening(context, resource)


def _queue_preview(context: Context, resource: Resource) -> None:
    """The preview is built once, in the background, after the file is committed."""
    job = preview_job(context.app, resource)
    if job is not None:
        context.after_commit.append(job)


SEARCHABLE = ("name", "description", "format", "url", "hash", "mimetype", "id")


class ResourceSearchSchema(LenientSchema):
    query = fields.Raw(required=True, error_messages={"required": "Missing value"})
    order_by = fields.String(load_default=None, validate=v.OneOf(SEARCHABLE))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))
    limit = fields.Integer(load_default=100, validate=v.Range(min=0, max=1000))


def _search_terms(query: Any) -> list[tuple[str, str]]:
    """CKAN's `query`: "field:term" or a list of them; every term must match (ILIKE)."""
    items = [query] if isinstance(query, str) else query
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValidationError({"query": ["Give field:term or a list of them."]})
    terms = []
    for item in items:
        field, sep, term = item.partition(":")
        if not sep or field not in SEARCHABLE:
            raise ValidationError(
                {"query": [f"Field not searchable: {field}; use {', '.join(SEARCHABLE)}."]}
            )
        terms.append((field, term))
    return terms


@action(side_effect_free=True, schema=ResourceSearchSchema)
def resource_search(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Resources of public datasets whose fields contain every `query` term
    (e.g. `format:csv`, `name:公交`), as {count, results}."""
    args = validate(ResourceSearchSchema(), data_dict)
    query = (
        select(Resource)
        .join(Dataset, Dataset.id == Resource.package_id)
        .where(Resource.state == "active", Dataset.state == "active")
        .where(Dataset.private.is_(False))
    )
    for field, term in _search_terms(args["query"]):
        query = query.where(getattr(Resource, field).icontains(term, autoescape=True))
    count = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = getattr(Resource, args["order_by"]) if args["order_by"] else Resource.id
    rows = context.session.scalars(
        query.order_by(order, Resource.id).offset(args["offset"]).limit(args["limit"])
    )
    site_url = context.settings.site_url
    return {"count": count, "results": [resource_dictize(r, site_url) for r in rows]}
