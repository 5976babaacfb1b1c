"""Tags and licences."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import func, or_, select

from portal.actions import Context, action, validate
from portal.catalog.actions.datasets import MAX_OFFSET
from portal.catalog.dictize import license_dictize
from portal.catalog.models import Dataset, Tag, dataset_tag
from portal.catalog.queries import dataset_loads, licenses
from portal.catalog.saving import show_dict
from portal.errors import NotFound
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


class TagShowSchema(LenientSchema):
    id = fields.String(required=True, error_messages={"required": "Missing value"})
    vocabulary_id = fields.String(load_default=None)
    include_datasets = fields.Boolean(load_default=False)


@action(side_effect_free=True, schema=TagShowSchema)
def tag_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A free tag by id or name, optionally with the public datasets that carry it."""
    args = validate(TagShowSchema(), data_dict)
    if args["vocabulary_id"]:
        raise NotFound("Vocabulary not found")  # only free tags here: no vocabularies
    tag = context.session.scalars(
        select(Tag).where(or_(Tag.id == args["id"], Tag.name == args["id"]))
    ).first()
    if tag is None:
        raise NotFound("Tag not found")
    data = {
        "id": tag.id,
        "name": tag.name,
        "display_name": tag.name,
        "vocabulary_id": None,
    }
    if args["include_datasets"]:
        query = (
            select(Dataset)
            .join(dataset_tag, dataset_tag.c.dataset_id == Dataset.id)
            .where(dataset_tag.c.tag_id == tag.id)
            .where(Dataset.state == "active", Dataset.private.is_(False))
            .options(*dataset_loads())
            .order_by(Dataset.name)
            .limit(1000)
        )
        data["packages"] = [show_dict(context, d) for d in context.session.scalars(query)]
    return data
