"""Lookups shared by the catalog actions: by id or name, with the eager loads the dicts need."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.auth.models import User
from portal.catalog.models import Dataset, Group, License, Organization
from portal.errors import NotFound

if TYPE_CHECKING:
    from portal.actions import Context


def dataset_loads():
    return (
        joinedload(Dataset.organization),
        selectinload(Dataset.resources),
        selectinload(Dataset.tags),
        selectinload(Dataset.groups),
    )


def find_dataset(context: Context, id_or_name: str | None) -> Dataset:
    if not id_or_name or not isinstance(id_or_name, str):
        raise NotFound("Dataset not found")
    dataset = context.session.scalars(
        select(Dataset)
        .where(or_(Dataset.id == id_or_name, Dataset.name == id_or_name))
        .options(*dataset_loads())
    ).first()
    if dataset is None:
        raise NotFound("Dataset not found")
    return dataset


def find_organization(context: Context, id_or_name: str | None) -> Organization:
    org = _by_id_or_name(context, Organization, id_or_name)
    if org is None or org.state != "active":
        raise NotFound("Organization not found")
    return org


def find_group(context: Context, id_or_name: str | None) -> Group:
    group = _by_id_or_name(context, Group, id_or_name)
    if group is None or group.state != "active":
        raise NotFound("Group not found")
    return group


def find_user(context: Context, id_or_name: str | None) -> User:
    user = _by_id_or_name(context, User, id_or_name)
    if user is None or user.state == "deleted":
        raise NotFound("User not found")
    return user


def _by_id_or_name(context: Context, model, id_or_name):  # noqa: ANN001, ANN202
    if not id_or_name or not isinstance(id_or_name, str):
        return None
    return context.session.scalars(
        select(model).where(or_(model.id == id_or_name, model.name == id_or_name))
    ).first()


def licenses(context: Context) -> dict[str, License]:
    """Licences by id, cached per app: they change only through migrations."""
    cache = context.app.extensions.get("portal.licenses")
    if cache is None:
        rows = context.session.scalars(select(License).order_by(License.position))
        cache = {lic.id: lic for lic in rows}
        for lic in cache.values():
            context.session.expunge(lic)
        context.app.extensions["portal.licenses"] = cache
    return cache
