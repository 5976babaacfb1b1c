"""Validating a dataset against its metadata profile, next to CKAN's core schema.

The profile is chosen by the dataset's `type`: "dataset" uses the site default profile
(PORTAL_DEFAULT_PROFILE, dcat-ap unless set), other types name their profile (cn-gov).
Core keys are checked by PackageSchema, the profile's own keys by the schema built from the
profile; both sets of errors come back together, field-keyed.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from marshmallow import ValidationError as MarshmallowError
from sqlalchemy import select

from portal.actions import Context, ckan_errors
from portal.catalog.models import Dataset
from portal.catalog.schemas import PackageSchema
from portal.errors import ValidationError
from portal.fields import clean_strings
from schemas.profiles import Profile, dataset_schema, dataset_types, profile_for_type, to_json

# Schemas are built once: building one deep-copies every declared field (about 0.4 ms for
# the dataset schema with its resources), and loading with a shared instance is thread-safe.
CORE_SCHEMA = PackageSchema()


@cache
def profile_schema(name: str):  # noqa: ANN201 - a marshmallow Schema instance
    return dataset_schema(name)()


def default_profile() -> str:
    return os.environ.get("PORTAL_DEFAULT_PROFILE", "dcat-ap")


def profile_of(dataset_type: str | None) -> Profile:
    return profile_for_type(dataset_type or "dataset", default_profile())


def validate_package(
    context: Context, data: dict[str, Any], own_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (core payload, profile values) or raise one field-keyed ValidationError."""
    if not isinstance(data, dict):
        raise ValidationError({"message": ["Expected a JSON object."]})
    dataset_type = data.get("type") or "dataset"
    if not isinstance(dataset_type, str) or dataset_type not in dataset_types():
        raise ValidationError(
            {"type": [f"Unknown dataset type; use one of: {', '.join(dataset_types())}"]}
        )
    profile = profile_of(dataset_type)
    names = profile.field_names
    core_data = {k: v for k, v in data.items() if k not in names}
    profile_data = {k: v for k, v in data.items() if k in names and v not in (None, "", [])}
    errors: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    values: dict[str, Any] = {}
    try:
        payload = CORE_SCHEMA.load(core_data)
    except MarshmallowError as exc:
        errors.update(ckan_errors(exc.messages))
    try:
        values = to_json(profile_schema(profile.name).load(clean_strings(profile_data, deep=True)))
    except MarshmallowError as exc:
        errors.update(ckan_errors(exc.messages))
    if not errors:
        errors.update(_unique_errors(context, profile, values, own_id))
    if errors:
        raise ValidationError(errors)
    for item in profile.dataset_fields:
        if item.private_when is not None and item.name in values:
            payload["private"] = values[item.name] == item.private_when
    return payload, values


def _unique_errors(
    context: Context, profile: Profile, values: dict[str, Any], own_id: str | None
) -> dict[str, list[str]]:
    errors = {}
    for item in profile.dataset_fields:
        value = values.get(item.name)
        if not item.unique or value in (None, ""):
            continue
        query = select(Dataset.id).where(
            Dataset.profile_fields[item.name].as_string() == str(value),
            Dataset.state != "deleted",
        )
        if own_id is not None:
            query = query.where(Dataset.id != own_id)
        if context.session.scalar(query.limit(1)) is not None:
            errors[item.name] = ["Already used by another dataset."]
    return errors
