"""CKAN's dataset collaborators: package_collaborator_create, _list, _list_for_user, _delete.

A collaborator holds a capacity on one dataset: `member` reads it while it is private,
`editor` also edits it and its resources (portal.auth.permissions). The department's admins and
sysadmins choose collaborators; a user sees their own collaborations.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import select

from portal.actions import Context, action, validate
from portal.auth.permissions import forget_roles, has_role, require, require_login
from portal.catalog.models import Dataset, PackageMember
from portal.catalog.queries import find_dataset, find_user
from portal.database import utcnow
from portal.errors import NotFound, ValidationError
from portal.fields import LenientSchema

CAPACITIES = ("member", "editor")
REQUIRED = {"required": "Missing value"}


class CollaboratorSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    user_id = fields.String(required=True, error_messages=REQUIRED)
    capacity = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=v.OneOf(CAPACITIES, error="Capacity must be member or editor."),
    )


class CollaboratorDeleteSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    user_id = fields.String(required=True, error_messages=REQUIRED)


class ListSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    capacity = fields.String(validate=v.OneOf(CAPACITIES))


def collaborator_dict(row: PackageMember) -> dict[str, Any]:
    return {
        "package_id": row.package_id,
        "user_id": row.user_id,
        "capacity": row.capacity,
        "modified": row.modified.isoformat(),
    }


def _managed_dataset(context: Context, ident: str) -> Dataset:
    """The dataset, if the caller administers its department (or is a sysadmin)."""
    require_login(context)
    try:
        dataset = find_dataset(context, ident)
    except NotFound:
        raise NotFound("Dataset not found") from None
    require(
        has_role(context, dataset.owner_org, "admin"),
        "Only the department's admins may manage the dataset's collaborators.",
    )
    return dataset


@action(schema=CollaboratorSchema)
def package_collaborator_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Make a user a collaborator on a dataset, or change their capacity."""
    args = validate(CollaboratorSchema(), data_dict)
    dataset = _managed_dataset(context, args["id"])
    try:
        user = find_user(context, args["user_id"])
    except NotFound:
        raise ValidationError({"user_id": ["User not found"]}) from None
    row = context.session.get(PackageMember, (dataset.id, user.id))
    if row is None:
        row = PackageMember(package_id=dataset.id, user_id=user.id, capacity=args["capacity"])
        context.session.add(row)
    row.capacity = args["capacity"]
    row.modified = utcnow()
    context.session.flush()
    forget_roles(context)
    return collaborator_dict(row)


@action(schema=CollaboratorDeleteSchema)
def package_collaborator_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Remove a collaborator from a dataset."""
    args = validate(CollaboratorDeleteSchema(), data_dict)
    dataset = _managed_dataset(context, args["id"])
    try:
        user = find_user(context, args["user_id"])
    except NotFound:
        raise NotFound("User not found") from None
    row = context.session.get(PackageMember, (dataset.id, user.id))
    if row is None:
        raise NotFound("User is not a collaborator on this dataset")
    context.session.delete(row)
    forget_roles(context)
    return None


@action(side_effect_free=True, schema=ListSchema)
def package_collaborator_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """A dataset's collaborators (the department's admins and sysadmins)."""
    args = validate(ListSchema(), data_dict)
    dataset = _managed_dataset(context, args["id"])
    query = select(PackageMember).where(PackageMember.package_id == dataset.id)
    if args.get("capacity"):
        query = query.where(PackageMember.capacity == args["capacity"])
    return [collaborator_dict(row) for row in context.session.scalars(query)]


@action(side_effect_free=True, schema=ListSchema)
def package_collaborator_list_for_user(
    context: Context, data_dict: dict[str, Any]
) -> list[dict[str, Any]]:
    """The datasets a user (`id`) collaborates on: the user themself or a sysadmin."""
    args = validate(ListSchema(), data_dict)
    require_login(context)
    user = find_user(context, args["id"])
    require(
        context.is_sysadmin or (context.user is not None and context.user.id == user.id),
        "Only the user themself or a sysadmin may list their collaborations.",
    )
    query = select(PackageMember).where(PackageMember.user_id == user.id)
    if args.get("capacity"):
        query = query.where(PackageMember.capacity == args["capacity"])
    return [collaborator_dict(row) for row in context.session.scalars(query)]
