"""package_show's read path: a dataset and everything its dict shows, read with four Core
SELECTs instead of ORM entities with eager loading.

Loading one dataset as ORM objects (identity map, joinedload, three selectinloads) cost about
forty times the SQL it runs; these plain rows carry the models' attribute names, so
portal.catalog.dictize and portal.auth.permissions use them exactly as they use the models.
Writes keep using the ORM: only reads that need no objects come here.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, or_, select

from portal.catalog.models import Dataset, Group, Organization, Resource, Tag
from portal.catalog.models import dataset_group as dataset_group_table
from portal.catalog.models import dataset_tag as dataset_tag_table
from portal.errors import NotFound

if TYPE_CHECKING:
    from portal.actions import Context

DATASET = Dataset.__table__
ORGANIZATION = Organization.__table__
RESOURCE = Resource.__table__
TAG = Tag.__table__
GROUP = Group.__table__
# The department comes with the dataset row, its columns prefixed.
ORG_COLUMNS = [c.label(f"org_{c.name}") for c in ORGANIZATION.c]

# Built once: constructing and keying a statement costs more than SQLite running it.
FIND = (
    select(DATASET, *ORG_COLUMNS)
    .outerjoin(ORGANIZATION, ORGANIZATION.c.id == DATASET.c.owner_org)
    .where(or_(DATASET.c.id == bindparam("ident"), DATASET.c.name == bindparam("ident")))
)
RESOURCES = (
    select(RESOURCE)
    .where(RESOURCE.c.package_id == bindparam("dataset_id"), RESOURCE.c.state == "active")
    .order_by(RESOURCE.c.position)
)
TAGS = (
    select(TAG)
    .join(dataset_tag_table, dataset_tag_table.c.tag_id == TAG.c.id)
    .where(dataset_tag_table.c.dataset_id == bindparam("dataset_id"))
    .order_by(TAG.c.name)
)
GROUPS = (
    select(GROUP)
    .join(dataset_group_table, dataset_group_table.c.group_id == GROUP.c.id)
    .where(dataset_group_table.c.dataset_id == bindparam("dataset_id"))
    .order_by(GROUP.c.name)
)


def load_package(context: Context, id_or_name: Any) -> SimpleNamespace:
    """The dataset with this id or name, as attribute rows: its columns plus `organization`,
    `active_resources` (by position), `tags` and `groups` (by name)."""
    if not id_or_name or not isinstance(id_or_name, str):
        raise NotFound("Dataset not found")
    session = context.session
    if session.new or session.dirty or session.deleted:
        session.flush()  # Core statements do not autoflush: see this transaction's changes
    # The session's connection, in the session's transaction, without its ORM layer.
    connection = session.connection()
    found = connection.execute(FIND, {"ident": id_or_name}).first()
    if found is None:
        raise NotFound("Dataset not found")
    values = dict(found._mapping)
    org = {c.name: values.pop(f"org_{c.name}") for c in ORGANIZATION.c}
    dataset = SimpleNamespace(**values)
    dataset.organization = SimpleNamespace(**org) if org["id"] is not None else None
    ids = {"dataset_id": dataset.id}
    dataset.active_resources = _rows(connection.execute(RESOURCES, ids))
    dataset.tags = _rows(connection.execute(TAGS, ids))
    dataset.groups = _rows(connection.execute(GROUPS, ids))
    return dataset


def _rows(result: Any) -> list[SimpleNamespace]:
    return [SimpleNamespace(**row._mapping) for row in result]
