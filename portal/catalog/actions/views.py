"""CKAN's resource views: resource_view_create, _show, _list, _update, _delete, _reorder.

A view is how a resource is looked at (a DataStore table, a chart, an image, a web page). Who
may edit the dataset manages its views; who may read it reads them.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import select

from portal.actions import Context, action, validate
from portal.auth.permissions import can_edit_dataset, require, require_login, require_readable
from portal.catalog.actions.datasets import IdSchema
from portal.catalog.actions.resources import _find
from portal.catalog.models import Dataset, ResourceView
from portal.errors import NotFound, ValidationError
from portal.fields import LenientSchema, Text

# The view types this portal draws, by CKAN's plugin names so clients' payloads carry over.
VIEW_TYPES = ("datatables_view", "chart_view", "image_view", "text_view", "webpage_view")
UNKNOWN_TYPE = f"Unknown view type; use one of: {', '.join(VIEW_TYPES)}."
MAX_VIEWS = 50
MAX_CONFIG_BYTES = 20_000


REQUIRED = {"required": "Missing value"}


class ViewSchema(LenientSchema):
    resource_id = fields.String(required=True, error_messages=REQUIRED)
    title = fields.String(required=True, validate=v.Length(1, 200), error_messages=REQUIRED)
    description = Text(10_000)
    view_type = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=v.OneOf(VIEW_TYPES, error=UNKNOWN_TYPE),
    )
    config = fields.Dict(keys=fields.String(), load_default=dict)


class ViewUpdateSchema(ViewSchema):
    id = fields.String(required=True, error_messages={"required": "Missing value"})
    resource_id = fields.String()


class ReorderSchema(LenientSchema):
    id = fields.String(required=True, error_messages={"required": "Missing value"})
    order = fields.List(fields.String(), required=True, error_messages=REQUIRED)


def view_dict(view: ResourceView, package_id: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "resource_id": view.resource_id,
        "package_id": package_id,
        "title": view.title,
        "description": view.description or "",
        "view_type": view.view_type,
        "config": view.config or {},
        "order": view.order,
    }


def _views(context: Context, resource_id: str) -> list[ResourceView]:
    query = select(ResourceView).where(ResourceView.resource_id == resource_id)
    return list(context.session.scalars(query.order_by(ResourceView.order, ResourceView.id)))


def _require_editor(context: Context, dataset: Dataset) -> None:
    require_login(context)
    require(can_edit_dataset(context, dataset), f"Not authorized to edit dataset {dataset.name}")


def _editable_resource(context: Context, resource_id: str) -> Dataset:
    require_login(context)
    _resource, dataset = _find(context, resource_id)
    require_readable(context, dataset, "Resource")
    _require_editor(context, dataset)
    return dataset


def _view(context: Context, view_id: str) -> tuple[ResourceView, Dataset]:
    view = context.session.get(ResourceView, view_id) if view_id else None
    if view is None:
        raise NotFound("Resource view not found")
    try:
        _resource, dataset = _find(context, view.resource_id)
    except NotFound:
        raise NotFound("Resource view not found") from None
    require_readable(context, dataset, "Resource view")
    return view, dataset


def _check_config(config: dict[str, Any]) -> None:
    if len(json.dumps(config, ensure_ascii=False).encode()) > MAX_CONFIG_BYTES:
        raise ValidationError({"config": [f"At most {MAX_CONFIG_BYTES // 1000} KB of settings."]})


@action(schema=ViewSchema)
def resource_view_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Add a view to a resource (editors of its dataset)."""
    args = validate(ViewSchema(), data_dict)
    dataset = _editable_resource(context, args["resource_id"])
    _check_config(args["config"])
    existing = _views(context, args["resource_id"])
    if len(existing) >= MAX_VIEWS:
        raise ValidationError({"resource_id": [f"A resource has at most {MAX_VIEWS} views."]})
    view = ResourceView(
        resource_id=args["resource_id"],
        title=args["title"],
        description=args.get("description"),
        view_type=args["view_type"],
        config=args["config"],
        order=max((x.order for x in existing), default=-1) + 1,
    )
    context.session.add(view)
    context.session.flush()
    return view_dict(view, dataset.id)


@action(side_effect_free=True, schema=IdSchema)
def resource_view_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Return one resource view."""
    args = validate(IdSchema(), data_dict)
    view, dataset = _view(context, args["id"])
    return view_dict(view, dataset.id)


@action(side_effect_free=True, schema=IdSchema)
def resource_view_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The views of a resource (`id`: the resource's id), in their order."""
    args = validate(IdSchema(), data_dict)
    _resource, dataset = _find(context, args["id"])
    require_readable(context, dataset, "Resource")
    return [view_dict(view, dataset.id) for view in _views(context, args["id"])]


@action(schema=ViewUpdateSchema)
def resource_view_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Replace a view's title, description, type and settings."""
    args = validate(ViewUpdateSchema(), data_dict)
    view, dataset = _view(context, args["id"])
    _require_editor(context, dataset)
    _check_config(args["config"])
    view.title = args["title"]
    view.description = args.get("description")
    view.view_type = args["view_type"]
    view.config = args["config"]
    context.session.flush()
    return view_dict(view, dataset.id)


@action(schema=IdSchema)
def resource_view_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Remove a view."""
    args = validate(IdSchema(), data_dict)
    view, dataset = _view(context, args["id"])
    _require_editor(context, dataset)
    context.session.delete(view)
    return None


@action(schema=ReorderSchema)
def resource_view_reorder(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Put a resource's views (`id`: the resource) in the given `order` of view ids; views left
    out follow in their current order."""
    args = validate(ReorderSchema(), data_dict)
    _editable_resource(context, args["id"])
    views = {view.id: view for view in _views(context, args["id"])}
    unknown = [vid for vid in args["order"] if vid not in views]
    if unknown or len(set(args["order"])) != len(args["order"]):
        raise ValidationError({"order": ["Give each view of this resource at most once."]})
    ordered = [views[vid] for vid in args["order"]]
    ordered += [view for vid, view in views.items() if vid not in set(args["order"])]
    for position, view in enumerate(ordered):
        view.order = position
    context.session.flush()
    return {"id": args["id"], "order": [view.id for view in ordered]}
