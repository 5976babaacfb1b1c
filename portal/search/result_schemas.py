"""marshmallow *output* schemas of the search actions, for the OpenAPI document.

Keep the keys in step with portal.search.actions and portal.search.service; see
portal.result_schemas.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal.catalog.result_schemas import PackageSchema
from portal.result_schemas import NAMES, ResultSchema, Str, many


class FacetItemSchema(ResultSchema):
    name = Str()
    display_name = Str()
    count = fields.Integer(required=True)


class SearchFacetSchema(ResultSchema):
    title = Str()
    items = fields.List(fields.Nested(FacetItemSchema), required=True)


class SearchPackageSchema(PackageSchema):
    highlight = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "title / title_en / notes with matched words in <mark>."},
    )


class AutocompleteSchema(ResultSchema):
    name = Str(required=True)
    title = Str(required=True)
    match_field = Str()
    match_displayed = Str()


class SearchResultSchema(ResultSchema):
    count = fields.Integer(required=True, metadata={"description": "All matches, not just rows."})
    results = fields.List(
        fields.Nested(SearchPackageSchema),
        required=True,
        metadata={"description": "Full datasets; with `fl`, only the listed keys of each."},
    )
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
        metadata={"description": "Per facet field: value -> count."},
    )
    search_facets = fields.Dict(
        keys=fields.String(), values=fields.Nested(SearchFacetSchema), required=True
    )
    sort = Str(metadata={"example": "score desc, metadata_modified desc"})


RESULTS: dict[str, Any] = {
    "package_autocomplete": many(AutocompleteSchema),
    "package_search": SearchResultSchema,
    "tag_autocomplete": NAMES,
}
