"""Search actions: package_search with CKAN's parameters and result, and autocomplete."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow import validate as v
from sqlalchemy import select

from portal.actions import Context, action, validate
from portal.catalog.models import Dataset, Tag, dataset_tag
from portal.collation import pinyin_key
from portal.fields import LenientSchema
from portal.search import service
from portal.search.documents import suggest_tokens
from portal.search.text import fold
from portal.stats.usage import count_search


class SearchSchema(LenientSchema):
    q = fields.String(load_default="", validate=v.Length(max=2000))
    fq = fields.String(load_default="", validate=v.Length(max=2000))
    fq_list = fields.List(fields.String(validate=v.Length(max=2000)), load_default=list)
    sort = fields.String(load_default=None, validate=v.Length(max=200))
    rows = fields.Integer(load_default=10, validate=v.Range(min=0, max=1000))
    start = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))
    facet = fields.Boolean(load_default=True)
    facet_field = fields.Raw(load_default=None, data_key="facet.field")
    facet_limit = fields.Integer(
        load_default=50, data_key="facet.limit", validate=v.Range(min=-1, max=1000)
    )
    facet_mincount = fields.Integer(
        load_default=1, data_key="facet.mincount", validate=v.Range(min=0)
    )
    include_private = fields.Boolean(load_default=False)
    include_drafts = fields.Boolean(load_default=False)
    fl = fields.String(load_default=None, validate=v.Length(max=1000))


class AutocompleteSchema(LenientSchema):
    q = fields.String(load_default="", validate=v.Length(max=100))
    limit = fields.Integer(load_default=10, validate=v.Range(min=1, max=100))


@action(side_effect_free=True, schema=SearchSchema)
def package_search(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Search datasets with CKAN's q / fq / sort / rows / start / facet parameters."""
    args = validate(SearchSchema(), data_dict)
    result = service.search(context, args)
    count_search(context, args, result["count"])  # a visitor's query, for stats_search_terms
    return result


@action(side_effect_free=True, schema=AutocompleteSchema)
def package_autocomplete(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Datasets whose title words start with q: Chinese, pinyin, or pinyin initials (gj)."""
    args = validate(AutocompleteSchema(), data_dict)
    return service.autocomplete(context, args["q"], args["limit"])


@action(side_effect_free=True, schema=AutocompleteSchema)
def tag_autocomplete(context: Context, data_dict: dict[str, Any]) -> list[str]:
    """Tags of public datasets starting with q, in Chinese, pinyin or pinyin initials."""
    args = validate(AutocompleteSchema(), data_dict)
    prefix = fold(args["q"].strip())
    if not prefix:
        return []
    names = context.session.scalars(
        select(Tag.name)
        .join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
        .join(Dataset, Dataset.id == dataset_tag.c.dataset_id)
        .where(Dataset.state == "active", Dataset.private.is_(False))
        .distinct()
    )
    matches = [
        name
        for name in names
        if fold(name).startswith(prefix)
        or any(token.startswith(prefix) for token in suggest_tokens(name))
    ]
    return sorted(matches, key=pinyin_key)[: args["limit"]]
