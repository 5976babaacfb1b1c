"""The base of the marshmallow *output* schemas: the shapes actions return inside CKAN's `result`.

Each domain documents its own actions in its `result_schemas` module (portal.catalog,
portal.auth, portal.search, portal.quality, portal.stats, harvesters, and portal.site_result_schemas
for the site actions): the schema classes, and a `RESULTS` dict mapping each of its actions to
its result. An entry is a result schema class, a JSON Schema dict (which may hold result schema
classes in `items` / `anyOf`), or None for an action that returns null. The API's OpenAPI
document (portal.api.openapi) merges them; nothing here knows about HTTP.

The schemas are not used to serialise anything: the actions build their dicts themselves (e.g.
portal.catalog.dictize), so keep the keys in step with those functions; `required` marks keys
that are always present.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields

TIMESTAMP = "Naive UTC time in ISO 8601 without a zone, as CKAN prints it."


def Timestamp(**kwargs: Any) -> fields.String:  # noqa: N802 - reads like a field class
    return fields.String(
        metadata={"description": TIMESTAMP, "example": "2024-05-01T08:30:00.123456"}, **kwargs
    )


def Str(**kwargs: Any) -> fields.String:  # noqa: N802
    """A key that is always present (required) and may be null (allow_none)."""
    kwargs.setdefault("required", True)
    return fields.String(**kwargs)


def NullStr(**kwargs: Any) -> fields.String:  # noqa: N802
    return Str(allow_none=True, **kwargs)


class ResultSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # documents no additionalProperties: clients should ignore new keys


def many(item: Any) -> dict[str, Any]:
    """A RESULTS entry: a list of `item`."""
    return {"type": "array", "items": item}


def names_or(schema: type[Schema], what: str) -> dict[str, Any]:
    """A RESULTS entry of CKAN's *_list actions: names, or full dicts with all_fields."""
    return {
        "description": f"{what} names; full dicts with all_fields=true.",
        "anyOf": [many({"type": "string"}), many(schema)],
    }


NAMES = many({"type": "string"})
