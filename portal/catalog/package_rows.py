"""Read paths for dataset dicts: a dataset and everything its dict shows, read with four Core
SELECTs instead of ORM entities with eager loading.

Loading datasets as ORM objects (identity map, joinedload, three selectinloads) cost many
times the SQL it runs; these plain rows carry the models' attribute names, so
portal.catalog.dictize and portal.auth.permissions use them exactly as they use the models.
`load_package` serves package_show (one dataset by id or name), `load_packages` the search
index (a batch of ids). Writes keep using the ORM: only reads that need no objects come here.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, bindparam, or_, select

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
WITH_ORG = select(DATASET, *ORG_COLUMNS).outerjoin(
    ORGANIZATION, ORGANIZATION.c.id == DATASET.c.owner_org
)
FIND = WITH_ORG.where(
    or_(DATASET.c.id == bindparam("ident"), DATASET.c.name == bindparam("ident"))
)
FIND_MANY = WITH_ORG.where(DATASET.c.id.in_(bindparam("ids", expanding=True)))


def _parts(match: Callable[[Any], Any]) -> dict[str, Select]:
    """Resources, tags and groups of the datasets whose id column satisfies `match`."""
    return {
        "active_resources": select(RESOURCE)
        .where(match(RESOURCE.c.package_id), RESOURCE.c.state == "active")
        .order_by(RESOURCE.c.position),
        "tags": select(dataset_tag_table.c.dataset_id.label("of_dataset"), TAG)
        .join(dataset_tag_table, dataset_tag_table.c.tag_id == TAG.c.id)
        .where(match(dataset_tag_table.c.dataset_id))
        .order_by(TAG.c.name),
        "groups": select(dataset_group_table.c.dataset_id.label("of_dataset"), GROUP)
        .join(dataset_group_table, dataset_group_table.c.group_id == GROUP.c.id)
        .where(match(dataset_group_table.c.dataset_id))
        .order_by(GROUP.c.name),
    }


PARTS_ONE = _parts(lambda column: column == bindparam("id"))
PARTS_MANY = _parts(lambda column: column.in_(bindparam("ids", expanding=True)))


def load_package(context: Context, id_or_name: Any) -> SimpleNamespace:
    """The dataset with this id or name, as attribute rows: its columns plus `organization`,
    `active_resources` (by position), `tags` and `groups` (by name)."""
    if not id_or_name or not isinstance(id_or_name, str):
        raise NotFound("Dataset not found")
    connection = _connection(context)
    found = connection.execute(FIND, {"ident": id_or_name}).first()
    if found is None:
        raise NotFound("Dataset not found")
    dataset = _dataset(found)
    for key, statement in PARTS_ONE.items():
        setattr(dataset, key, _rows(connection.execute(statement, {"id": dataset.id})))
    return dataset


def load_packages(context: Context, ids: list[str]) -> dict[str, SimpleNamespace]:
    """The datasets with these ids (those that exist), by id, shaped as `load_package`'s."""
    if not ids:
        return {}
    connection = _connection(context)
    params = {"ids": list(ids)}
    found = {row.id: _dataset(row) for row in connection.execute(FIND_MANY, params)}
    for dataset in found.values():
        dataset.active_resources, dataset.tags, dataset.groups = [], [], []
    for key, statement in PARTS_MANY.items():
        for row in connection.execute(statement, params):
            values = dict(row._mapping)
            owner = values.pop("of_dataset", None) or values["package_id"]
            getattr(found[owner], key).append(SimpleNamespace(**values))
    return found


def _connection(context: Context) -> Connection:
    """The session's connection, in the session's transaction, without its ORM layer."""
    session = context.session
    if session.new or session.dirty or session.deleted:
        session.flush()  # Core statements do not autoflush: see this transaction's changes
    return session.connection()


def _dataset(row: Any) -> SimpleNamespace:
    values = dict(row._mapping)
    org = {c.name: values.pop(f"org_{c.name}") for c in ORGANIZATION.c}
    dataset = SimpleNamespace(**values)
    dataset.organization = SimpleNamespace(**org) if org["id"] is not None else None
    return dataset


def _rows(result: Any) -> list[SimpleNamespace]:
    rows = []
    for row in result:
        values = dict(row._mapping)
        values.pop("of_dataset", None)
        rows.append(SimpleNamespace(**values))
    return rows
