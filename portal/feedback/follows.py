"""Follows, named as CKAN's: follow_dataset, unfollow_dataset, am_following_dataset,
dataset_follower_count, dataset_follower_list, dataset_followee_list, and for departments
follow_group, unfollow_group, am_following_group, group_follower_count, group_follower_list,
organization_follower_count, organization_follower_list and organization_followee_list (a
department is CKAN's organization, a kind of group); dashboard_activity_list lists the changes
of what the caller follows.

Follower lists are for sysadmins (as in CKAN 2.10), followee lists for the user and sysadmins.
Only public datasets notify and appear in the followers' feeds: following a dataset that later
turns private tells nothing more about it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.actions import Context, action, validate
from portal.auth.models import User
from portal.auth.permissions import (
    can_read_dataset,
    require,
    require_login,
    require_readable,
    require_sysadmin,
)
from portal.catalog.actions.datasets import activity_dict
from portal.catalog.dictize import iso
from portal.catalog.models import Activity, Dataset, Organization
from portal.catalog.queries import find_dataset, find_organization, find_user
from portal.errors import NotFound
from portal.feedback.models import DATASET, ORGANIZATION, Follow
from portal.feedback.schemas import ActivitySchema, FolloweeSchema, FollowSchema

# The activity of a dataset that is a new version for its followers.
NEW_VERSIONS = ("new package", "changed package")


def _dataset(context: Context, ident: str) -> Dataset:
    dataset = find_dataset(context, ident)
    require_readable(context, dataset)
    return dataset


def _department(context: Context, ident: str) -> Organization:
    return find_organization(context, ident)


FINDERS: dict[str, Callable[[Context, str], Any]] = {DATASET: _dataset, ORGANIZATION: _department}


def _followed(context: Context, kind: str, data_dict: dict[str, Any]) -> Any:
    args = validate(FollowSchema(), data_dict)
    return FINDERS[kind](context, args["id"])


def _key(context: Context, kind: str, target: Any) -> dict[str, str]:
    return {"user_id": context.user_id or "", "object_type": kind, "object_id": target.id}


def _follow(context: Context, kind: str, data_dict: dict[str, Any]) -> dict[str, Any]:
    require_login(context)
    require(context.user is not None, "Only a signed-in user may follow.")
    key = _key(context, kind, _followed(context, kind, data_dict))
    follow = context.session.get(Follow, key)
    if follow is None:
        try:
            with context.session.begin_nested():
                follow = Follow(**key)
                context.session.add(follow)
        except IntegrityError:  # a concurrent call of the same user got there first
            follow = context.session.get(Follow, key)
    return {
        "follower_id": key["user_id"],
        "object_id": key["object_id"],
        "object_type": kind,
        "datetime": iso(follow.created) if follow is not None else None,
    }


def _unfollow(context: Context, kind: str, data_dict: dict[str, Any]) -> None:
    require_login(context)
    target = _followed(context, kind, data_dict)
    follow = context.session.get(Follow, _key(context, kind, target))
    if follow is None:
        raise NotFound(f"You are not following {data_dict.get('id')}.")
    context.session.delete(follow)
    return None


def _am_following(context: Context, kind: str, data_dict: dict[str, Any]) -> bool:
    require(context.user is not None, "You must be logged in to know what you follow.")
    target = _followed(context, kind, data_dict)
    return context.session.get(Follow, _key(context, kind, target)) is not None


def _count(context: Context, kind: str, data_dict: dict[str, Any]) -> int:
    target = _followed(context, kind, data_dict)
    query = select(func.count()).where(Follow.object_id == target.id, Follow.object_type == kind)
    return context.session.scalar(query) or 0


def _followers(context: Context, kind: str, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    require_sysadmin(context, "list followers")
    target = _followed(context, kind, data_dict)
    users = context.session.scalars(
        select(User)
        .join(Follow, Follow.user_id == User.id)
        .where(Follow.object_id == target.id, Follow.object_type == kind)
        .order_by(User.name)
    )
    return [{"id": u.id, "name": u.name, "display_name": u.fullname or u.name} for u in users]


def _followee_user(context: Context, data_dict: dict[str, Any]) -> User:
    require_login(context)
    args = validate(FolloweeSchema(), data_dict)
    user = find_user(context, args["id"]) if args["id"] else context.user
    require(
        user is not None and (context.is_sysadmin or user.id == context.user_id),
        "Only the user or a sysadmin may list what a user follows.",
    )
    return user


def _followed_ids(context: Context, user: User, kind: str) -> Any:
    return select(Follow.object_id).where(Follow.user_id == user.id, Follow.object_type == kind)


# --- datasets -----------------------------------------------------------------------------------


@action(schema=FollowSchema)
def follow_dataset(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Follow a dataset: be told of its new versions by mail and in the dashboard feed."""
    return _follow(context, DATASET, data_dict)


@action(schema=FollowSchema)
def unfollow_dataset(context: Context, data_dict: dict[str, Any]) -> None:
    """Stop following a dataset."""
    return _unfollow(context, DATASET, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def am_following_dataset(context: Context, data_dict: dict[str, Any]) -> bool:
    """Whether the caller follows a dataset."""
    return _am_following(context, DATASET, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def dataset_follower_count(context: Context, data_dict: dict[str, Any]) -> int:
    """How many users follow a dataset."""
    return _count(context, DATASET, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def dataset_follower_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The users who follow a dataset (sysadmins)."""
    return _followers(context, DATASET, data_dict)


@action(side_effect_free=True, schema=FolloweeSchema)
def dataset_followee_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The datasets a user follows (the user or a sysadmin), those the caller may still read."""
    user = _followee_user(context, data_dict)
    datasets = context.session.scalars(
        select(Dataset)
        .where(Dataset.id.in_(_followed_ids(context, user, DATASET)))
        .order_by(Dataset.name)
    )
    return [
        {"id": d.id, "name": d.name, "title": d.title, "title_en": d.title_en}
        for d in datasets
        if can_read_dataset(context, d)
    ]


# --- departments --------------------------------------------------------------------------------


@action(schema=FollowSchema)
def follow_group(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Follow a department: be told of new versions of all its public datasets."""
    return _follow(context, ORGANIZATION, data_dict)


@action(schema=FollowSchema)
def unfollow_group(context: Context, data_dict: dict[str, Any]) -> None:
    """Stop following a department."""
    return _unfollow(context, ORGANIZATION, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def am_following_group(context: Context, data_dict: dict[str, Any]) -> bool:
    """Whether the caller follows a department."""
    return _am_following(context, ORGANIZATION, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def group_follower_count(context: Context, data_dict: dict[str, Any]) -> int:
    """How many users follow a department."""
    return _count(context, ORGANIZATION, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def organization_follower_count(context: Context, data_dict: dict[str, Any]) -> int:
    """How many users follow a department."""
    return _count(context, ORGANIZATION, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def group_follower_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The users who follow a department (sysadmins)."""
    return _followers(context, ORGANIZATION, data_dict)


@action(side_effect_free=True, schema=FollowSchema)
def organization_follower_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The users who follow a department (sysadmins)."""
    return _followers(context, ORGANIZATION, data_dict)


@action(side_effect_free=True, schema=FolloweeSchema)
def organization_followee_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The departments a user follows (the user or a sysadmin)."""
    user = _followee_user(context, data_dict)
    orgs = context.session.scalars(
        select(Organization)
        .where(
            Organization.id.in_(_followed_ids(context, user, ORGANIZATION)),
            Organization.state == "active",
        )
        .order_by(Organization.name)
    )
    return [{"id": o.id, "name": o.name, "title": o.title, "title_en": o.title_en} for o in orgs]


# --- the caller's feed --------------------------------------------------------------------------


def followed_changes(context: Context, user: User, limit: int, offset: int = 0) -> list[Activity]:
    """New versions of the public datasets the user follows, directly or by department."""
    datasets = _followed_ids(context, user, DATASET)
    departments = _followed_ids(context, user, ORGANIZATION)
    query = (
        select(Activity)
        .join(Dataset, Dataset.id == Activity.object_id)
        .where(
            or_(Dataset.id.in_(datasets), Dataset.owner_org.in_(departments)),
            Dataset.state == "active",
            Dataset.private.is_(False),
            Activity.activity_type.in_(NEW_VERSIONS),
        )
        .order_by(Activity.timestamp.desc(), Activity.id)
    )
    return list(context.session.scalars(query.offset(offset).limit(limit)))


@action(side_effect_free=True, schema=ActivitySchema)
def dashboard_activity_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """New versions of the public datasets the caller follows (directly or through their
    department), newest first."""
    require_login(context)
    require(context.user is not None, "Only a signed-in user has a dashboard.")
    args = validate(ActivitySchema(), data_dict)
    return [activity_dict(a) for a in followed_changes(context, context.user, **args)]
