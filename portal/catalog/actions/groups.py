"""Theme (group) actions and putting datasets into themes."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, select

from portal.actions import Context, action, validate
from portal.auth.permissions import can_edit_dataset, require, require_login, require_sysadmin
from portal.catalog.actions.datasets import public_datasets
from portal.catalog.actions.organizations import ListSchema, ShowSchema, sort_entities
from portal.catalog.dictize import group_summary, iso
from portal.catalog.models import Dataset, Group, dataset_group
from portal.catalog.queries import dataset_loads, find_dataset, find_group
from portal.catalog.saving import saved, show_dict
from portal.catalog.schemas import GroupSchema
from portal.errors import NotFound, ValidationError
from portal.fields import REQUIRED, LenientSchema


class MemberCreateSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    object = fields.String(required=True, error_messages=REQUIRED)
    object_type = fields.String(load_default="package", validate=v.OneOf(["package"]))
    capacity = fields.String(load_default="public")


def _counts(context: Context) -> dict[str, int]:
    rows = context.session.execute(
        select(dataset_group.c.group_id, func.count())
        .join(Dataset, Dataset.id == dataset_group.c.dataset_id)
        .where(Dataset.state == "active", Dataset.private.is_(False))
        .group_by(dataset_group.c.group_id)
    )
    return {group_id: count for group_id, count in rows}


def group_dict(group: Group, counts: dict[str, int]) -> dict[str, Any]:
    return {
        **group_summary(group),
        "type": "group",
        "is_organization": False,
        "state": group.state,
        "created": iso(group.created),
        "image_url": group.image_url or "",
        "package_count": counts.get(group.id, 0),
    }


@action(side_effect_free=True, schema=ListSchema)
def group_list(context: Context, data_dict: dict[str, Any]) -> list[Any]:
    """Themes: names, or full dicts with `all_fields`."""
    args = validate(ListSchema(), data_dict)
    query = select(Group).where(Group.state == "active")
    if args["q"]:
        text = args["q"]  # autoescape: % and _ are characters, not wildcards
        query = query.where(
            Group.name.icontains(text, autoescape=True)
            | Group.title.icontains(text, autoescape=True)
        )
    groups = list(context.session.scalars(query))
    counts = _counts(context)
    sort_entities(groups, args["sort"], counts)
    groups = groups[args["offset"] : args["offset"] + args["limit"]]
    if not args["all_fields"]:
        return [g.name for g in groups]
    return [group_dict(g, counts) for g in groups]


@action(side_effect_free=True, schema=ShowSchema)
def group_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A theme, optionally with its public datasets."""
    args = validate(ShowSchema(), data_dict)
    group = find_group(context, args["id"])
    data = group_dict(group, _counts(context))
    if args["include_datasets"]:
        query = (
            public_datasets()
            .join(dataset_group, dataset_group.c.dataset_id == Dataset.id)
            .where(dataset_group.c.group_id == group.id)
            .options(*dataset_loads())
            .order_by(Dataset.metadata_modified.desc())
            .limit(1000)
        )
        data["packages"] = [show_dict(context, d) for d in context.session.scalars(query)]
    return data


@action(schema=GroupSchema)
def group_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create a theme (sysadmins)."""
    require_sysadmin(context, "create groups")
    payload = validate(GroupSchema(), data_dict)
    if context.session.scalar(select(Group.id).where(Group.name == payload["name"])):
        raise ValidationError({"name": ["Group name already exists in database"]})
    if "id" in payload and context.session.get(Group, payload["id"]) is not None:
        raise ValidationError({"id": ["Group id already exists."]})
    group = Group(id=payload.get("id"), name=payload["name"])
    group.title = payload.get("title") or payload["name"]
    for key in ("title_en", "description", "image_url"):
        setattr(group, key, payload.get(key))
    context.session.add(group)
    context.session.flush()
    return group_dict(group, {})


@action(schema=MemberCreateSchema)
def member_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Put a dataset into a theme (anyone who may edit the dataset)."""
    require_login(context)
    args = validate(MemberCreateSchema(), data_dict)
    group = find_group(context, args["id"])
    try:
        dataset = find_dataset(context, args["object"])
    except NotFound:
        raise ValidationError({"object": ["Dataset not found"]}) from None
    require(can_edit_dataset(context, dataset), f"Not authorized to edit dataset {dataset.name}")
    if group not in dataset.groups:
        dataset.groups.append(group)
        saved(context, dataset, "changed package")
    return {
        "group_id": group.id,
        "table_id": dataset.id,
        "table_name": "package",
        "capacity": args["capacity"],
        "state": "active",
    }
