"""Dataset actions: show, list, create, update, patch, delete, purge, activity."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import delete, func, select

from portal.access.guard import annotate_resources, annotate_search_results
from portal.actions import Context, action, call, validate
from portal.auth.permissions import (
    can_edit_dataset,
    has_role,
    require,
    require_login,
    require_readable,
    require_sysadmin,
)
from portal.catalog import previews
from portal.catalog.licenses import canonical_license_id
from portal.catalog.models import TEXT_FIELDS, Activity, Dataset, Group, Resource, Tag
from portal.catalog.names import free_name, name_from_title
from portal.catalog.package_rows import load_package
from portal.catalog.profiles import validate_package
from portal.catalog.queries import (
    dataset_loads,
    find_dataset,
    find_group,
    find_organization,
)
from portal.catalog.saving import emit_change, saved, show_dict
from portal.catalog.schemas import PackageSchema
from portal.database import utcnow
from portal.errors import NotFound, ValidationError
from portal.fields import LenientSchema
from portal.stats.popularity import add_figures

SCALAR_FIELDS = (*TEXT_FIELDS, "license_id", "private", "type")
# Offsets reach the database: bounded so a huge one is a validation error, not an overflow.
MAX_OFFSET = 10_000_000


class IdSchema(LenientSchema):
    id = fields.String(required=True, error_messages={"required": "Missing value"})


# package_show is the hottest read: its schema is built once (loading is thread-safe).
SHOW_SCHEMA = IdSchema()


class PagingSchema(LenientSchema):
    limit = fields.Integer(load_default=None, validate=v.Range(min=0, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=MAX_OFFSET))


class ActivityListSchema(IdSchema):
    limit = fields.Integer(load_default=31, validate=v.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=MAX_OFFSET))


def public_datasets():
    return select(Dataset).where(Dataset.state == "active", Dataset.private.is_(False))


@action(side_effect_free=True, schema=IdSchema)
def package_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Return a dataset with its resources, tags, groups and department."""
    args = validate(SHOW_SCHEMA, data_dict)
    dataset = load_package(context, args["id"])  # plain rows: a read needs no ORM objects
    require_readable(context, dataset)
    result = show_dict(context, dataset)
    annotate_resources(context, dataset, result)  # conditional opening (portal.access.guard)
    # Not in show_dict: activity snapshots and quality scores must not change with visits.
    return add_figures(context.session, [result])[0]


@action(side_effect_free=True, schema=PagingSchema)
def package_list(context: Context, data_dict: dict[str, Any]) -> list[str]:
    """Names of all public, active datasets."""
    args = validate(PagingSchema(), data_dict)
    query = select(Dataset.name).where(Dataset.state == "active", Dataset.private.is_(False))
    query = query.order_by(Dataset.name).offset(args["offset"])
    if args["limit"] is not None:
        query = query.limit(args["limit"])
    return list(context.session.scalars(query))


@action(side_effect_free=True, schema=PagingSchema)
def current_package_list_with_resources(
    context: Context, data_dict: dict[str, Any]
) -> list[dict[str, Any]]:
    """Public datasets with their resources, most recently modified first."""
    args = validate(PagingSchema(), data_dict)
    query = (
        public_datasets()
        .options(*dataset_loads())
        .order_by(Dataset.metadata_modified.desc(), Dataset.id)
        .offset(args["offset"])
        .limit(args["limit"] if args["limit"] is not None else 10)
    )
    results = [show_dict(context, d) for d in context.session.scalars(query)]
    annotate_search_results(context, results)  # as package_show (portal.access.guard)
    return results


@action(schema=PackageSchema)
def package_create(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create a dataset in a department the caller edits."""
    require_login(context)
    payload, values = validate_package(context, _named(context, data_dict))
    org = _owner_org(context, payload["owner_org"])
    require(
        has_role(context, org.id, "editor"),
        f"Not authorized to add a dataset to organization {org.name}",
    )
    errors: dict[str, list[str]] = {}
    if "id" in payload:
        if not context.is_sysadmin:
            errors["id"] = ["Only sysadmins may set the id of a new dataset."]
        elif context.session.get(Dataset, payload["id"]) is not None:
            errors["id"] = ["Dataset id already exists."]
    _check_name_free(context, payload["name"], None, errors)
    _check_license(context, payload, errors)
    groups = _resolve_groups(context, payload.get("groups") or [], errors)
    if errors:
        raise ValidationError(errors)
    dataset = Dataset(
        id=payload.get("id"),
        name=payload["name"],
        owner_org=org.id,
        creator_user_id=context.user_id,
        state=payload.get("state", "active"),
    )
    _apply(context, dataset, payload, values, groups)
    context.session.add(dataset)
    context.session.flush()
    _set_resources(context, dataset, payload.get("resources") or [])
    return saved(context, dataset, "new package")


@action(schema=PackageSchema)
def package_update(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Replace a dataset's metadata; keys left out are cleared (resources and groups are kept)."""
    dataset = _editable_dataset(context, data_dict)
    data = dict(data_dict)
    data.setdefault("name", dataset.name)
    data.setdefault("owner_org", dataset.owner_org)
    if data.get("id") in (dataset.name,):
        data["id"] = dataset.id
    payload, values = validate_package(context, data, own_id=dataset.id)
    if payload.get("id", dataset.id) != dataset.id:
        raise ValidationError({"id": ["Cannot change the id of a dataset."]})
    errors: dict[str, list[str]] = {}
    org = _owner_org(context, payload["owner_org"])
    if org.id != dataset.owner_org:
        require(
            has_role(context, org.id, "editor"),
            f"Not authorized to move the dataset to organization {org.name}",
        )
    _check_name_free(context, payload["name"], dataset.id, errors)
    _check_license(context, payload, errors)
    groups = _resolve_groups(context, payload["groups"], errors) if "groups" in payload else None
    if errors:
        raise ValidationError(errors)
    dataset.name = payload["name"]
    dataset.owner_org = org.id
    dataset.organization = org
    if "state" in payload:
        dataset.state = payload["state"]
    elif dataset.state == "deleted":
        dataset.state = "active"
    _apply(context, dataset, payload, values, groups)
    if "resources" in payload:
        _set_resources(context, dataset, payload["resources"])
    return saved(context, dataset, "changed package")


@action(schema=PackageSchema)
def package_patch(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Change only the given keys of a dataset."""
    dataset = _editable_dataset(context, data_dict)
    current = show_dict(context, dataset)
    if current["state"] == "deleted":
        # Not a state a client may send: left out, the update restores it as package_update does.
        del current["state"]
    # A given id stays: package_update maps the dataset's name to its id and refuses an id that
    # is neither (an empty one), as the document's minLength says.
    patched = {**current, **data_dict}
    return call("package_update", context, patched)


@action(schema=IdSchema)
def package_delete(context: Context, data_dict: dict[str, Any]) -> None:
    """Mark a dataset deleted; it disappears from listings and search but can be restored."""
    dataset = _editable_dataset(context, data_dict)
    dataset.state = "deleted"
    saved(context, dataset, "deleted package")
    return None


@action(schema=IdSchema)
def dataset_purge(context: Context, data_dict: dict[str, Any]) -> None:
    """Remove a dataset, its resources, files and history for good (sysadmins only)."""
    args = validate(IdSchema(), data_dict)
    require_sysadmin(context, "purge datasets")
    dataset = find_dataset(context, args["id"])
    files = [r.storage_key for r in dataset.resources if r.storage_key]
    resource_ids = [r.id for r in dataset.resources]
    context.session.execute(delete(Activity).where(Activity.object_id == dataset.id))
    context.session.delete(dataset)
    emit_change(context, dataset.id)
    app = context.app

    def remove_files() -> None:
        for key in files:
            context.storage.delete(key)
        for resource_id in resource_ids:  # their cached previews go with them
            previews.delete_entry(app, resource_id)

    context.after_commit.append(remove_files)
    return None


@action(side_effect_free=True, schema=ActivityListSchema)
def package_activity_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """A dataset's history, newest first."""
    args = validate(ActivityListSchema(), data_dict)
    dataset = find_dataset(context, args["id"])
    require_readable(context, dataset)
    rows = context.session.scalars(
        select(Activity)
        .where(Activity.object_id == dataset.id)
        .order_by(Activity.timestamp.desc(), Activity.id)
        .offset(args["offset"])
        .limit(args["limit"])
    )
    return [activity_dict(a) for a in rows]


def activity_dict(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "timestamp": a.timestamp.isoformat(),
        "user_id": a.user_id,
        "object_id": a.object_id,
        "activity_type": a.activity_type,
        "data": a.data,
    }


class RecentActivitySchema(LenientSchema):
    limit = fields.Integer(load_default=31, validate=v.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=MAX_OFFSET))


@action(side_effect_free=True, schema=RecentActivitySchema)
def recently_changed_packages_activity_list(
    context: Context, data_dict: dict[str, Any]
) -> list[dict[str, Any]]:
    """The latest changes to public datasets across the site, newest first."""
    args = validate(RecentActivitySchema(), data_dict)
    rows = context.session.scalars(
        select(Activity)
        .join(Dataset, Dataset.id == Activity.object_id)
        .where(Dataset.state == "active", Dataset.private.is_(False))
        .order_by(Activity.timestamp.desc(), Activity.id)
        .offset(args["offset"])
        .limit(args["limit"])
    )
    return [activity_dict(a) for a in rows]


# --- helpers ---------------------------------------------------------------------------------


def _editable_dataset(context: Context, data_dict: dict[str, Any]) -> Dataset:
    require_login(context)
    if not isinstance(data_dict, dict):
        raise ValidationError({"message": ["Expected a JSON object."]})
    ident = data_dict.get("id") or data_dict.get("name")
    if not ident:
        raise ValidationError({"id": ["Missing value"]})
    try:
        dataset = find_dataset(context, ident)
    except NotFound:
        raise NotFound(f"Dataset not found: {ident}") from None
    require(can_edit_dataset(context, dataset), f"Not authorized to edit dataset {ident}")
    return dataset


def _owner_org(context: Context, ident: str):  # noqa: ANN202
    try:
        return find_organization(context, ident)
    except NotFound:
        raise ValidationError({"owner_org": ["Organization does not exist"]}) from None


def _named(context: Context, data_dict: Any) -> Any:
    """A new dataset sent without a name is named after its title (pinyin for Chinese)."""
    if not isinstance(data_dict, dict) or data_dict.get("name"):
        return data_dict
    for key in ("title", "title_en"):
        title = data_dict.get(key)
        base = name_from_title(title) if isinstance(title, str) else ""
        if base:
            return {**data_dict, "name": free_name(context.session, Dataset.name, base)}
    return data_dict


def _check_name_free(
    context: Context, name: str, own_id: str | None, errors: dict[str, list[str]]
) -> None:
    query = select(Dataset.id).where(Dataset.name == name)
    existing = context.session.scalar(query)
    if existing is not None and existing != own_id:
        errors["name"] = ["That URL is already in use."]


def _check_license(context: Context, payload: dict[str, Any], errors: dict) -> None:
    # CKAN's ids (cc-by) and SPDX ids (CC-BY-4.0) are stored as our canonical id.
    license_id = payload.get("license_id")
    if license_id:
        canonical = canonical_license_id(context, license_id)
        if canonical is None:
            errors["license_id"] = [f"Unknown licence: {license_id}"]
        else:
            payload["license_id"] = canonical


def _resolve_groups(
    context: Context, refs: list[dict[str, Any]], errors: dict[str, list[str]]
) -> list[Group]:
    groups = []
    for ref in refs:
        ident = ref.get("id") or ref.get("name")
        try:
            groups.append(find_group(context, ident))
        except NotFound:
            errors.setdefault("groups", []).append(f"Group not found: {ident}")
    return list({g.id: g for g in groups}.values())


def _apply(
    context: Context,
    dataset: Dataset,
    payload: dict[str, Any],
    profile_values: dict[str, Any],
    groups: list[Group] | None,
) -> None:
    for key in SCALAR_FIELDS:
        setattr(dataset, key, payload.get(key, False if key == "private" else None))
    dataset.type = payload.get("type") or "dataset"
    dataset.title = payload.get("title") or payload["name"]
    dataset.extras = {e["key"]: e["value"] for e in payload.get("extras", []) if not e["deleted"]}
    dataset.profile_fields = profile_values
    dataset.tags = _tags(context, [t["name"].strip() for t in payload.get("tags", [])])
    if groups is not None:
        dataset.groups = groups
    dataset.metadata_modified = utcnow()


def _tags(context: Context, names: list[str]) -> list[Tag]:
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        return []
    existing = {t.name: t for t in context.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            context.session.add(tag)
        tags.append(tag)
    return tags


def _set_resources(context: Context, dataset: Dataset, items: list[dict[str, Any]]) -> None:
    """Make the dataset's resources match `items`: update by id, add new, delete the rest."""
    from portal.catalog.actions.resources import apply_resource_fields

    current = {r.id: r for r in dataset.resources if r.state == "active"}
    keep: set[str] = set()
    for position, item in enumerate(items):
        resource = current.get(item.get("id", ""))
        if resource is None:
            if item.get("id") and context.session.get(Resource, item["id"]) is not None:
                raise ValidationError(
                    {"resources": [{"id": ["Resource id belongs to another dataset."]}]}
                )
            resource = Resource(id=item.get("id"), package_id=dataset.id)
            dataset.resources.append(resource)
        apply_resource_fields(resource, item, keep_upload=True)
        resource.position = position
        keep.add(resource.id)
    for rid, resource in current.items():
        if rid not in keep:
            resource.state = "deleted"


def count_datasets(context: Context, org_id: str | None = None) -> int:
    query = select(func.count()).select_from(public_datasets().subquery())
    if org_id:
        query = select(func.count()).where(
            Dataset.state == "active", Dataset.private.is_(False), Dataset.owner_org == org_id
        )
    return context.session.scalar(query) or 0
