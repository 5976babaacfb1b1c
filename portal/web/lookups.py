"""Names to display titles for departments, themes, licences and profile choices, read once per
request through the actions and used by facets, chips and metadata tables."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import g
from flask_babel import gettext as _

from portal.actions import call
from portal.request_context import action_context
from portal.search.fields import FIELDS, facetable
from portal.web.i18n import bilingual, is_english, localized
from schemas.profiles import profiles

# Facets shown first, in this order; fields registered later by profiles follow.
FACET_ORDER = ("organization", "groups", "tags", "res_format", "license_id")


def _cached(key: str, action: str, data: dict[str, Any]) -> Any:
    store = g.setdefault("portal_lookups", {})
    if key not in store:
        store[key] = call(action, action_context(), data)
    return store[key]


def organizations() -> dict[str, dict[str, Any]]:
    rows = _cached("orgs", "organization_list", {"all_fields": True, "sort": "title asc"})
    return {o["name"]: o for o in rows}


def groups() -> dict[str, dict[str, Any]]:
    rows = _cached("groups", "group_list", {"all_fields": True, "sort": "title asc"})
    return {grp["name"]: grp for grp in rows}


def licenses() -> dict[str, dict[str, Any]]:
    return {lic["id"]: lic for lic in _cached("licenses", "license_list", {})}


def license_title(license_id: str | None) -> str:
    if not license_id:
        return ""
    found = licenses().get(license_id)
    if not found:
        return license_id
    if not is_english() and found.get("title_zh"):
        return found["title_zh"]
    return found.get("title") or license_id


@cache
def profile_choice_fields() -> dict[str, Any]:
    """Profile fields with choices, by name (the first profile declaring a name wins)."""
    found: dict[str, Any] = {}
    for profile in profiles().values():
        for item in profile.dataset_fields:
            if item.choices and item.name not in found:
                found[item.name] = item
    return found


def facet_names() -> list[str]:
    available = facetable()
    ordered = [name for name in FACET_ORDER if name in available]
    return ordered + [name for name in available if name not in ordered]


def facet_label(name: str) -> str:
    item = FIELDS.get(name)
    if item is None:
        return name
    return item.label_en if is_english() else item.label_zh


def value_label(field: str, value: str) -> str:
    """How a facet value reads in the interface language."""
    if field == "organization":
        return localized(organizations().get(value)) or value
    if field == "groups":
        return localized(groups().get(value)) or value
    if field == "license_id":
        return license_title(value)
    if field == "private":
        return _("Private") if value == "true" else _("Public")
    declared = FIELDS.get(field)
    if declared is not None and declared.value_label is not None:
        label = declared.value_label(value)
        if label:
            return bilingual(label)
    choice_field = profile_choice_fields().get(field)
    if choice_field is not None:
        choice = choice_field.choice(value)
        if choice is not None:
            return bilingual(choice.label)
    return value
