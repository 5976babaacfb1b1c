"""Who may do what. Every action asks here, so each rule lives in exactly one place.

Roles in a department: `member` reads its private datasets, `editor` also creates and edits its
datasets, `admin` also manages the department and its members. Sysadmins may do everything.
A dataset's collaborators (package_member) hold a role on that one dataset: `member` reads it,
`editor` also edits it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from portal.catalog.models import Member, PackageMember
from portal.errors import NotAuthorized, NotFound

if TYPE_CHECKING:
    from portal.actions import Context
    from portal.catalog.models import Dataset

ROLES = ("member", "editor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def user_roles(context: Context) -> dict[str, str]:
    """The caller's role in each department, keyed by organization id (cached per context)."""
    if context.user is None:
        return {}
    cache = context.__dict__.setdefault("_roles", None)
    if cache is None:
        rows = context.session.execute(
            select(Member.organization_id, Member.role).where(Member.user_id == context.user.id)
        )
        cache = {org_id: role for org_id, role in rows}
        context.__dict__["_roles"] = cache
    return cache


def forget_roles(context: Context) -> None:
    context.__dict__.pop("_roles", None)
    context.__dict__.pop("_collaborations", None)


def collaborations(context: Context) -> dict[str, str]:
    """The datasets the caller collaborates on and as what (cached per context)."""
    if context.user is None:
        return {}
    cache = context.__dict__.get("_collaborations")
    if cache is None:
        rows = context.session.execute(
            select(PackageMember.package_id, PackageMember.capacity).where(
                PackageMember.user_id == context.user.id
            )
        )
        cache = {package_id: capacity for package_id, capacity in rows}
        context.__dict__["_collaborations"] = cache
    return cache


def collaborates(context: Context, dataset: Dataset, capacity: str) -> bool:
    held = collaborations(context).get(dataset.id)
    return held is not None and _RANK[held] >= _RANK[capacity]


def has_role(context: Context, org_id: str | None, role: str) -> bool:
    if context.is_sysadmin:
        return True
    if org_id is None:
        return False
    held = user_roles(context).get(org_id)
    return held is not None and _RANK[held] >= _RANK[role]


def readable_org_ids(context: Context) -> set[str]:
    """Departments whose private datasets the caller may read."""
    return set(user_roles(context))


def editable_org_ids(context: Context) -> set[str]:
    return {org for org, role in user_roles(context).items() if _RANK[role] >= _RANK["editor"]}


def can_read_dataset(context: Context, dataset: Dataset) -> bool:
    if context.is_sysadmin:
        return True
    if dataset.state == "deleted" or dataset.state == "draft":
        return can_edit_dataset(context, dataset) or (
            dataset.state == "draft"
            and context.user is not None
            and dataset.creator_user_id == context.user.id
        )
    if dataset.private:
        return has_role(context, dataset.owner_org, "member") or collaborates(
            context, dataset, "member"
        )
    return True


def can_edit_dataset(context: Context, dataset: Dataset) -> bool:
    return has_role(context, dataset.owner_org, "editor") or collaborates(
        context, dataset, "editor"
    )


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAuthorized(message)


def require_readable(context: Context, dataset: Dataset, what: str = "Dataset") -> None:
    """Reading something the caller may not see answers as if it did not exist: a 403 would
    tell outsiders that a private or draft dataset with that id or name is there."""
    if not can_read_dataset(context, dataset):
        raise NotFound(f"{what} not found")  # the same words as for an unknown id


def require_login(context: Context) -> None:
    if context.user is None and not context.ignore_auth:
        raise NotAuthorized("You must be logged in to do this.")


def require_sysadmin(context: Context, what: str) -> None:
    require(context.is_sysadmin, f"Only a sysadmin may {what}.")
