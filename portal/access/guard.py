"""The one rule of conditional opening: who may use the data of a conditionally open dataset.

A dataset is conditionally open when its cn-gov opening type (`open_type`) is "conditional",
or its DCAT-AP access rights (`access_rights`) are RESTRICTED, the EU vocabulary's term for
data available under conditions ("restricted public" in data.json). Its metadata stays public;
its files, previews, DataStore rows and dumps are for its department's members, the dataset's
collaborators, sysadmins and holders of a grant that is neither expired nor revoked.

resource_show, package_show and package_search put the verdict in each resource dict
("access"); the chokepoints (download, the /go redirect, preview, DataStore reads and dumps)
read it there through `allowed` / `require_data`, so the rule is computed once per call and
lives only here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select

from portal.access.models import AccessGrant
from portal.auth.permissions import collaborates, has_role
from portal.database import utcnow
from portal.errors import NotAuthorized

if TYPE_CHECKING:
    from portal.actions import Context

CONDITIONAL_VALUES = {"open_type": "conditional", "access_rights": "RESTRICTED"}


def is_conditional(values: Mapping[str, Any] | None) -> bool:
    """Whether profile values (a dataset's profile_fields, or its dict) say conditional."""
    values = values or {}
    return any(values.get(key) == value for key, value in CONDITIONAL_VALUES.items())


def has_grant(context: Context, dataset_id: str) -> bool:
    """A valid grant of the caller's for this dataset; checked against the clock on every
    call, so an expired or revoked grant stops working at once (cached per context)."""
    if context.user is None:
        return False
    cache: dict[str, bool] = context.__dict__.setdefault("_access_grants", {})
    if dataset_id not in cache:
        found = context.session.scalar(
            select(AccessGrant.id)
            .where(
                AccessGrant.user_id == context.user.id,
                AccessGrant.dataset_id == dataset_id,
                AccessGrant.revoked_at.is_(None),
                AccessGrant.expires_at > utcnow(),
            )
            .limit(1)
        )
        cache[dataset_id] = found is not None
    return cache[dataset_id]


def prefetch_grants(context: Context, dataset_ids: list[str]) -> None:
    """Fill has_grant's cache for several datasets with one query (a page of search results)."""
    cache: dict[str, bool] = context.__dict__.setdefault("_access_grants", {})
    wanted = [i for i in dict.fromkeys(dataset_ids) if i not in cache]
    if context.user is None or not wanted:
        return
    granted = set(
        context.session.scalars(
            select(AccessGrant.dataset_id).where(
                AccessGrant.user_id == context.user.id,
                AccessGrant.dataset_id.in_(wanted),
                AccessGrant.revoked_at.is_(None),
                AccessGrant.expires_at > utcnow(),
            )
        )
    )
    cache.update({i: i in granted for i in wanted})


def may_use_data(context: Context, dataset: Any) -> bool:
    """The rule. `dataset` is a Dataset or a row with id, owner_org and profile_fields."""
    if not is_conditional(dataset.profile_fields):
        return True
    return (
        has_role(context, dataset.owner_org, "member")
        or collaborates(context, dataset, "member")
        or has_grant(context, dataset.id)
    )


def access_status(context: Context, dataset: Any) -> dict[str, bool] | None:
    """The "access" of a conditionally open dataset's resources; None for any other."""
    if not is_conditional(dataset.profile_fields):
        return None
    return {"conditional": True, "granted": may_use_data(context, dataset)}


def annotate_resources(context: Context, dataset: Any, result: dict[str, Any]) -> None:
    """package_show: the access verdict in each resource dict (one grant lookup at most)."""
    status = access_status(context, dataset)
    if status is not None:
        for resource in result.get("resources", []):
            resource["access"] = dict(status)


class _Listed(NamedTuple):
    """A search result seen as the row may_use_data reads (its profile fields are top-level)."""

    id: str
    owner_org: str | None
    profile_fields: Mapping[str, Any]


def annotate_search_results(context: Context, datasets: list[dict[str, Any]]) -> None:
    """package_search: the same verdict as package_show in the resources of a page of results,
    with one grant query for the whole page (the caller's roles and collaborations are cached
    per context)."""
    pairs = [
        (d, _Listed(d["id"], d.get("owner_org"), d))
        for d in datasets
        if d.get("id") and is_conditional(d)
    ]
    unsettled = [
        row.id
        for _d, row in pairs
        if not has_role(context, row.owner_org, "member")
        and not collaborates(context, row, "member")
    ]
    prefetch_grants(context, unsettled)
    for dataset, row in pairs:
        annotate_resources(context, row, dataset)


def allowed(resource: Mapping[str, Any]) -> bool:
    """Whether a resource dict from resource_show or package_show may be used."""
    access = resource.get("access")
    return not access or bool(access.get("granted"))


def refusal(context: Context, resource: Mapping[str, Any]) -> str:
    site = context.settings.site_url.rstrip("/")
    # Under the API's 200-character echo limit (portal.api.views).
    return (
        "This dataset is conditionally open: its data is for approved applicants. Apply with "
        f"access_request_create or at {site}/dataset/{resource.get('package_id')}"
    )


def require_data(context: Context, resource: Mapping[str, Any]) -> None:
    """Raise the 403 Authorization Error of a refused resource, saying how to apply."""
    if not allowed(resource):
        raise NotAuthorized(refusal(context, resource))
