"""Deleted datasets a department can still restore (CKAN's trash, for editors as well).

`package_delete` only marks a dataset deleted; it leaves search and listings but keeps its
resources, files and history, so `package_patch` can bring it back. This lists them.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, select

from portal.actions import Context, action, validate
from portal.auth.permissions import editable_org_ids, require, require_login
from portal.catalog.dictize import iso
from portal.catalog.models import Dataset, Organization
from portal.catalog.queries import find_organization
from portal.fields import LenientSchema

MAX_OFFSET = 10_000_000


class TrashListSchema(LenientSchema):
    owner_org = fields.String(load_default=None)
    limit = fields.Integer(load_default=20, validate=v.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=MAX_OFFSET))


@action(side_effect_free=True, schema=TrashListSchema)
def package_trash_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Deleted datasets of the departments where the caller is an editor, newest first."""
    require_login(context)
    args = validate(TrashListSchema(), data_dict)
    query = select(Dataset, Organization).outerjoin(
        Organization, Organization.id == Dataset.owner_org
    )
    query = query.where(Dataset.state == "deleted")
    if not context.is_sysadmin:
        query = query.where(Dataset.owner_org.in_(editable_org_ids(context)))
    if args["owner_org"]:
        org = find_organization(context, args["owner_org"])
        require(
            context.is_sysadmin or org.id in editable_org_ids(context),
            f"Not authorized to see the deleted datasets of {org.name}",
        )
        query = query.where(Dataset.owner_org == org.id)
    count = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = context.session.execute(
        query.order_by(Dataset.metadata_modified.desc(), Dataset.name)
        .offset(args["offset"])
        .limit(args["limit"])
    )
    return {"count": count, "results": [_summary(d, org) for d, org in rows]}


def _summary(dataset: Dataset, org: Organization | None) -> dict[str, Any]:
    return {
        "id": dataset.id,
        "name": dataset.name,
        "title": dataset.title,
        "title_en": dataset.title_en,
        "type": dataset.type,
        "private": dataset.private,
        "owner_org": dataset.owner_org,
        "organization": None
        if org is None
        else {"id": org.id, "name": org.name, "title": org.title, "title_en": org.title_en},
        "metadata_modified": iso(dataset.metadata_modified),
    }
