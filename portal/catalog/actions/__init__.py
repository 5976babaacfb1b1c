"""Catalog actions, one module per kind of object."""

from portal.catalog.actions import (  # noqa: F401
    datasets,
    groups,
    organizations,
    profiles,
    resources,
    trash,
    vocabulary,
)
