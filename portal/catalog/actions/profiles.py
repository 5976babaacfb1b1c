"""Metadata profile actions, with ckanext-scheming's names so its clients work."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal.actions import Context, action, validate
from portal.catalog.profiles import profile_of
from portal.errors import NotFound
from portal.fields import LenientSchema
from schemas.profiles import dataset_types


class SchemaShowSchema(LenientSchema):
    type = fields.String(load_default="dataset")


@action(side_effect_free=True, schema=SchemaShowSchema)
def scheming_dataset_schema_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The metadata profile of a dataset type: fields, labels, choices, rules, mappings."""
    args = validate(SchemaShowSchema(), data_dict)
    if args["type"] not in dataset_types():
        raise NotFound(f"Unknown dataset type: {args['type']}")
    return profile_of(args["type"]).as_dict()


@action(side_effect_free=True, schema=LenientSchema)
def scheming_dataset_schema_list(context: Context, data_dict: dict[str, Any]) -> list[str]:
    """The dataset types that have a metadata profile."""
    return dataset_types()
