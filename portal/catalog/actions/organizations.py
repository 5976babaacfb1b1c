"""Department (organization) actions and membership."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import delete, func, or_, select, true
from sqlalchemy.exc import IntegrityError

from portal.actions import Context, action, validate
from portal.auth.permissions import (
    ROLES,
    forget_roles,
    has_role,
    require,
    require_login,
    require_sysadmin,
)
from portal.catalog.actions.datasets import ActivityListSchema, activity_dict, public_datasets
from portal.catalog.dictize import organization_summary
from portal.catalog.models import Activity, Dataset, Member, Organization
from portal.catalog.queries import dataset_loads, find_organization, find_user
from portal.catalog.saving import emit_change, show_dict
from portal.catalog.schemas import OrganizationSchema
from portal.collation import pinyin_key
from portal.errors import NotFound, ValidationError
from portal.fields import REQUIRED, LenientSchema

SORTS = ("title asc", "title desc", "name asc", "name desc", "package_count desc")


def sort_entities(items: list, sort: str, counts: dict[str, int]) -> None:
    """Sort departments or themes in place; titles by pinyin so Chinese reads in order."""
    items.sort(key=lambda o: o.name)
    if sort.startswith("title"):
        items.sort(key=lambda o: pinyin_key(o.title))
    elif sort == "package_count desc":
        items.sort(key=lambda o: -counts.get(o.id, 0))
    if sort.endswith("desc") and sort != "package_count desc":
        items.reverse()


class ListSchema(LenientSchema):
    all_fields = fields.Boolean(load_default=False)
    sort = fields.String(load_default="title asc", validate=v.OneOf(SORTS))
    limit = fields.Integer(load_default=1000, validate=v.Range(min=0, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0))
    q = fields.String(load_default=None, validate=v.Length(max=200))


class ShowSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    include_datasets = fields.Boolean(load_default=False)
    include_users = fields.Boolean(load_default=True)


class MemberSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    username = fields.String(required=True, error_messages=REQUIRED)
    role = fields.String(load_default="member", validate=v.OneOf(ROLES))


class MemberDeleteSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)
    username = fields.String(required=True, error_messages=REQUIRED)


class ForUserSchema(LenientSchema):
    id = fields.String(load_default=None)
    permission = fields.String(
        load_default="manage_group",
        validate=v.OneOf(["manage_group", "create_dataset", "read", "update_dataset"]),
    )


PERMISSION_ROLE = {
    "read": "member",
    "create_dataset": "editor",
    "update_dataset": "editor",
    "manage_group": "admin",
}


def package_counts(context: Context) -> dict[str, int]:
    rows = context.session.execute(
        select(Dataset.owner_org, func.count())
        .where(Dataset.state == "active", Dataset.private.is_(False))
        .group_by(Dataset.owner_org)
    )
    return {org_id: count for org_id, count in rows}


def org_dict(context: Context, org: Organization, counts: dict[str, int]) -> dict[str, Any]:
    data = organization_summary(org)
    data["display_name"] = org.title or org.name
    data["image_display_url"] = org.image_url or ""
    data["package_count"] = counts.get(org.id, 0)
    return data


@action(side_effect_free=True, schema=ListSchema)
def organization_list(context: Context, data_dict: dict[str, Any]) -> list[Any]:
    """Departments: names, or full dicts with `all_fields`."""
    args = validate(ListSchema(), data_dict)
    query = select(Organization).where(Organization.state == "active")
    if args["q"]:
        # autoescape: a % or _ typed by the user is a character, not a wildcard.
        query = query.where(
            or_(
                *(
                    column.icontains(args["q"], autoescape=True)
                    for column in (Organization.name, Organization.title, Organization.title_en)
                )
            )
        )
    orgs = list(context.session.scalars(query))
    counts = package_counts(context)
    sort_entities(orgs, args["sort"], counts)
    orgs = orgs[args["offset"] : args["offset"] + args["limit"]]
    if not args["all_fields"]:
        return [o.name for o in orgs]
    return [org_dict(context, o, counts) for o in orgs]


@action(side_effect_free=True, schema=ShowSchema)
def organization_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A department, with its members for those inside it and optionally its datasets."""
    args = validate(ShowSchema(), data_dict)
    org = find_organization(context, args["id"])
    data = org_dict(context, org, package_counts(context))
    if args["include_users"] and has_role(context, org.id, "member"):
        data["users"] = [
            {"id": m.user.id, "name": m.user.name, "capacity": m.role} for m in org.members
        ]
    if args["include_datasets"]:
        query = (
            public_datasets()
            .where(Dataset.owner_org == org.id)
            .options(*dataset_loads())
            .order_by(Dataset.metadata_modified.desc())
            .limit(1000)
        )
        data["packages"] = [show_dict(context, d) for d in context.session.scalars(query)]
    return data


@action(schema=OrganizationSchema)
def organization_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create a department (sysadmins); the creator becomes its admin."""
    require_sysadmin(context, "create organizations")
    payload = validate(OrganizationSchema(), data_dict)
    _check_unique_name(context, payload["name"], None)
    if "id" in payload and context.session.get(Organization, payload["id"]) is not None:
        raise ValidationError({"id": ["Organization id already exists."]})
    org = Organization(id=payload.get("id"), name=payload["name"])
    _apply(org, payload)
    context.session.add(org)
    context.session.flush()
    if context.user is not None:
        context.session.add(Member(organization_id=org.id, user_id=context.user.id, role="admin"))
        forget_roles(context)
    context.session.flush()
    return org_dict(context, org, {})


@action(schema=OrganizationSchema)
def organization_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Replace a department's details (its admins and sysadmins)."""
    require_login(context)
    if not isinstance(data_dict, dict):
        raise ValidationError({"message": ["Expected a JSON object."]})
    org = find_organization(context, data_dict.get("id") or data_dict.get("name"))
    require(has_role(context, org.id, "admin"), f"Not authorized to edit organization {org.name}")
    data = dict(data_dict)
    if data.get("id", org.name) == org.name:
        # An id that is not the department's (an empty one) stays, for the schema to refuse.
        data["id"] = org.id
    data.setdefault("name", org.name)
    payload = validate(OrganizationSchema(), data)
    _check_unique_name(context, payload["name"], org.id)
    before = organization_summary(org)
    org.name = payload["name"]
    _apply(org, payload)
    context.session.flush()
    if organization_summary(org) != before:
        # Its datasets show the department (and are found by its titles): reindex them.
        query = select(Dataset.id).where(Dataset.owner_org == org.id)
        for dataset_id in context.session.scalars(query).all():
            emit_change(context, dataset_id)
    return org_dict(context, org, package_counts(context))


@action(schema=MemberSchema)
def organization_member_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Give a user a role in a department, or change it."""
    require_login(context)
    args = validate(MemberSchema(), data_dict)
    org = find_organization(context, args["id"])
    require(has_role(context, org.id, "admin"), f"Not authorized to manage {org.name} members")
    try:
        user = find_user(context, args["username"])
    except NotFound:
        raise ValidationError({"username": ["User not found"]}) from None
    member = context.session.scalar(
        select(Member).where(Member.organization_id == org.id, Member.user_id == user.id)
    )
    if member is None:
        member = Member(organization_id=org.id, user_id=user.id, role=args["role"])
        context.session.add(member)
    member.role = args["role"]
    context.session.flush()
    forget_roles(context)
    return {"group_id": org.id, "user_id": user.id, "username": user.name, "role": member.role}


@action(schema=MemberDeleteSchema)
def organization_member_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Remove a user from a department."""
    require_login(context)
    args = validate(MemberDeleteSchema(), data_dict)
    org = find_organization(context, args["id"])
    require(has_role(context, org.id, "admin"), f"Not authorized to manage {org.name} members")
    user = find_user(context, args["username"])
    member = context.session.scalar(
        select(Member).where(Member.organization_id == org.id, Member.user_id == user.id)
    )
    if member is None:
        raise NotFound("User is not a member of this organization")
    context.session.delete(member)
    context.session.flush()
    forget_roles(context)
    return None


@action(side_effect_free=True, schema=ForUserSchema)
def organization_list_for_user(context: Context, data_dict: dict[str, Any]) -> list[dict]:
    """Departments where a user (default: the caller) holds a permission."""
    args = validate(ForUserSchema(), data_dict)
    if args["id"]:
        user = find_user(context, args["id"])
        if context.user is None or (user.id != context.user.id and not context.is_sysadmin):
            require(False, "Not authorized to list another user's organizations")
    else:
        user = context.user
    if user is None:
        return []
    query = select(Organization).where(Organization.state == "active")
    if not user.sysadmin:
        needed = PERMISSION_ROLE[args["permission"]]
        allowed = [r for r in ROLES if ROLES.index(r) >= ROLES.index(needed)]
        query = query.join(Member).where(Member.user_id == user.id, Member.role.in_(allowed))
    counts = package_counts(context)
    # The listed user's roles, not the caller's (a sysadmin may list another user's).
    rows = context.session.execute(
        select(Member.organization_id, Member.role).where(Member.user_id == user.id)
    )
    roles = {org_id: role for org_id, role in rows}
    result = []
    for org in context.session.scalars(query.order_by(Organization.name)):
        data = org_dict(context, org, counts)
        data["capacity"] = "admin" if user.sysadmin else roles.get(org.id)
        result.append(data)
    return result


def _check_unique_name(context: Context, name: str, own_id: str | None) -> None:
    existing = context.session.scalar(select(Organization.id).where(Organization.name == name))
    if existing is not None and existing != own_id:
        raise ValidationError({"name": ["Organization name already exists in database"]})


def _apply(org: Organization, payload: dict[str, Any]) -> None:
    org.title = payload.get("title") or payload["name"]
    for key in ("title_en", "description", "image_url", "code"):
        setattr(org, key, payload.get(key))


class OrgRefSchema(LenientSchema):
    id = fields.String(required=True, error_messages=REQUIRED)


@action(schema=OrgRefSchema)
def organization_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Delete a department (its admins and sysadmins). As CKAN does, a department that still
    has datasets is not deleted: delete or move them first."""
    require_login(context)
    org = find_organization(context, validate(OrgRefSchema(), data_dict)["id"])
    require(has_role(context, org.id, "admin"), f"Not authorized to delete organization {org.name}")
    _refuse_with_datasets(context, org, Dataset.state != "deleted")
    org.state = "deleted"
    context.session.execute(delete(Member).where(Member.organization_id == org.id))
    context.session.flush()
    forget_roles(context)
    return None


@action(schema=OrgRefSchema)
def organization_purge(context: Context, data_dict: dict[str, Any]) -> None:
    """Remove a department for good, deleted or not (sysadmins); its datasets, deleted ones
    too, must be purged or moved first."""
    require_sysadmin(context, "purge organizations")
    ident = validate(OrgRefSchema(), data_dict)["id"]
    org = context.session.scalars(
        select(Organization).where(or_(Organization.id == ident, Organization.name == ident))
    ).first()
    if org is None:
        raise NotFound("Organization not found")
    _refuse_with_datasets(context, org, true())
    context.session.delete(org)
    try:
        context.session.flush()
    except IntegrityError:
        # Something else still names it (a harvest source): the action rolls back.
        raise ValidationError(
            {"message": ["Organization is still used (by harvest sources): remove them first"]}
        ) from None
    forget_roles(context)
    return None


@action(side_effect_free=True, schema=ActivityListSchema)
def organization_activity_list(context: Context, data_dict: dict[str, Any]) -> list[dict]:
    """The history of a department's datasets that the caller may read, newest first."""
    args = validate(ActivityListSchema(), data_dict)
    org = find_organization(context, args["id"])
    query = select(Activity).join(Dataset, Dataset.id == Activity.object_id)
    query = query.where(Dataset.owner_org == org.id)
    if not has_role(context, org.id, "member"):
        query = query.where(Dataset.private.is_(False), Dataset.state == "active")
    query = query.order_by(Activity.timestamp.desc(), Activity.id)
    rows = context.session.scalars(query.offset(args["offset"]).limit(args["limit"]))
    return [activity_dict(a) for a in rows]


def _refuse_with_datasets(context: Context, org: Organization, condition: Any) -> None:
    query = select(func.count()).where(Dataset.owner_org == org.id, condition)
    if context.session.scalar(query):
        raise ValidationError(
            {"message": ["Organization cannot be deleted while it still has datasets"]}
        )
