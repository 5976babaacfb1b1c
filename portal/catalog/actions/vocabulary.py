"""Tags and licences."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, select

from portal.actions import Context, action, validate
from portal.catalog.actions.datasets import MAX_OFFSET
from portal.catalog.dictize import license_dictize
from portal.catalog.models import Dataset, Tag, dataset_tag
from portal.catalog.queries import licenses
from portal.fields import LenientSchema


class TagListSchema(LenientSchema):
    query = fields.String(load_default=None, validate=v.Length(max=100))
    q = fields.String(load_default=None, validate=v.Length(max=100))
    all_fields = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=1000, validate=v.Range(min=0, max=10000))
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=MAX_OFFSET))


@action(side_effect_free=True, schema=TagListSchema)
def tag_list(context: Context, data_dict: dict[str, Any]) -> list[Any]:
    """Tags used by public datasets, optionally those containing `query`."""
    args = validate(TagListSchema(), data_dict)
    query = (
        select(Tag, func.count())
        .join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
        .join(Dataset, Dataset.id == dataset_tag.c.dataset_id)
        .where(Dataset.state == "active", Dataset.private.is_(False))
        .group_by(Tag.id)
        .order_by(Tag.name)
    )
    text = args["query"] or args["q"]
    if text:
        query = query.where(Tag.name.icontains(text, autoescape=True))  # % and _ literal
    rows = context.session.execute(query.offset(args["offset"]).limit(args["limit"]))
    if not args["all_fields"]:
        return [tag.name for tag, _count in rows]
    return [
        {
            "id": tag.id,
            "name": tag.name,
            "display_name": tag.name,
            "vocabulary_id": None,
            "count": count,
        }
        for tag, count in rows
    ]


@action(side_effect_free=True, schema=LenientSchema)
def license_list(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The licences a dataset may use, open ones first."""
    return [license_dictize(lic) for lic in licenses(context).values()]
