"""Theme (group) actions and putting datasets into themes."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, select

from portal.actions import Context, action, call, validate
from portal.auth.permissions import (
    can_edit_dataset,
    can_read_dataset,
    has_role,
    require,
    require_login,
    require_sysadmin,
)
from portal.catalog.actions.datasets import public_datasets
from portal.catalog.actions.organizations import ListSchema, ShowSchema, sort_entities
from portal.catalog.dictize import group_summary, iso
from portal.catalog.models import Dataset, Group, dataset_group
from portal.catalog.queries import dataset_loads, find_dataset, find_group, find_organization
from portal.catalog.saving import emit_change, saved, show_dict
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


class GroupRefSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


class MemberListSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    object_type = fields.String(load_default=None, validate=v.OneOf(["package", "user"]))
    capacity = fields.String(load_default=None, validate=v.Length(max=20))


class MemberDeleteSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    object = fields.String(required=True, error_messages=REQUIRED)
    object_type = fields.String(load_default="package", validate=v.OneOf(["package", "user"]))


def _reindex_members(context: Context, group_id: str) -> list[str]:
    """Its datasets show the theme (and are found by it): tell the index they changed."""
    query = select(dataset_group.c.dataset_id).where(dataset_group.c.group_id == group_id)
    dataset_ids = list(context.session.scalars(query))
    for dataset_id in dataset_ids:
        emit_change(context, dataset_id)
    return dataset_ids


@action(schema=GroupSchema)
def group_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Replace a theme's details (sysadmins); its datasets are reindexed when they change."""
    require_sysadmin(context, "edit groups")
    if not isinstance(data_dict, dict):
        raise ValidationError({"message": ["Expected a JSON object."]})
    group = find_group(context, data_dict.get("id") or data_dict.get("name"))
    data = {**data_dict, "id": group.id} if data_dict.get("id") in (None, group.name) else data_dict
    data.setdefault("name", group.name)
    payload = validate(GroupSchema(), data)
    if payload.get("id", group.id) != group.id:
        raise ValidationError({"id": ["Cannot change the id of a group."]})
    taken = context.session.scalar(select(Group.id).where(Group.name == payload["name"]))
    if taken is not None and taken != group.id:
        raise ValidationError({"name": ["Group name already exists in database"]})
    before = group_summary(group)
    group.name = payload["name"]
    group.title = payload.get("title") or payload["name"]
    for key in ("title_en", "description", "image_url"):
        setattr(group, key, payload.get(key))
    context.session.flush()
    if group_summary(group) != before:
        _reindex_members(context, group.id)
    return group_dict(group, _counts(context))


@action(schema=GroupRefSchema)
def group_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Delete a theme (sysadmins): its datasets leave it; the name stays taken, as in CKAN."""
    require_sysadmin(context, "delete groups")
    group = find_group(context, validate(GroupRefSchema(), data_dict)["id"])
    group.state = "deleted"
    _reindex_members(context, group.id)
    context.session.execute(dataset_group.delete().where(dataset_group.c.group_id == group.id))
    context.session.flush()
    return None


@action(schema=GroupRefSchema)
def group_purge(context: Context, data_dict: dict[str, Any]) -> None:
    """Remove a theme for good, deleted or not (sysadmins); its datasets leave it."""
    require_sysadmin(context, "purge groups")
    ident = validate(GroupRefSchema(), data_dict)["id"]
    group = context.session.scalars(
        select(Group).where((Group.id == ident) | (Group.name == ident))
    ).first()
    if group is None:
        raise NotFound("Group not found")
    _reindex_members(context, group.id)
    context.session.execute(dataset_group.delete().where(dataset_group.c.group_id == group.id))
    context.session.delete(group)
    context.session.flush()
    return None


@action(side_effect_free=True, schema=MemberListSchema)
def member_list(context: Context, data_dict: dict[str, Any]) -> list[list[str]]:
    """A theme's datasets or a department's datasets and users, as CKAN's
    [id, type, capacity] triples; only datasets the caller may read."""
    args = validate(MemberListSchema(), data_dict)
    try:
        group = find_group(context, args["id"])
        members = [[d.id, "package", "public"] for d in _group_datasets(context, group.id)]
    except NotFound:
        members = _organization_members(context, args["id"], args["object_type"])
    if args["object_type"]:
        members = [m for m in members if m[1] == args["object_type"]]
    if args["capacity"]:
        members = [m for m in members if m[2] == args["capacity"]]
    return members


@action(schema=MemberDeleteSchema)
def member_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Take a dataset out of a theme (anyone who may edit the dataset), or a user out of a
    department (its admins)."""
    require_login(context)
    args = validate(MemberDeleteSchema(), data_dict)
    if args["object_type"] == "user":
        return call(
            "organization_member_delete", context, {"id": args["id"], "username": args["object"]}
        )
    group = find_group(context, args["id"])
    try:
        dataset = find_dataset(context, args["object"])
    except NotFound:
        raise NotFound("Dataset not found") from None
    require(can_edit_dataset(context, dataset), f"Not authorized to edit dataset {dataset.name}")
    if group not in dataset.groups:
        raise NotFound("The dataset is not in this group")
    dataset.groups.remove(group)
    saved(context, dataset, "changed package")
    return None


def _group_datasets(context: Context, group_id: str) -> list[Dataset]:
    query = (
        select(Dataset)
        .join(dataset_group, dataset_group.c.dataset_id == Dataset.id)
        .where(dataset_group.c.group_id == group_id, Dataset.state != "deleted")
        .order_by(Dataset.name)
    )
    return [d for d in context.session.scalars(query) if can_read_dataset(context, d)]


def _organization_members(context: Context, ident: str, object_type: str | None) -> list[list[str]]:
    org = find_organization(context, ident)
    query = select(Dataset).where(Dataset.owner_org == org.id, Dataset.state != "deleted")
    datasets = [d for d in context.session.scalars(query.order_by(Dataset.name))]
    members = [[d.id, "package", "organization"] for d in datasets if can_read_dataset(context, d)]
    if object_type != "package" and has_role(context, org.id, "member"):
        # Who works in a department is shown to its own members, as organization_show does.
        members += [[m.user_id, "user", m.role] for m in org.members]
    return members
