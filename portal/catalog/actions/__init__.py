"""Catalog actions, one module per kind of object."""

from portal.catalog.actions import (  # noqa: F401
    datasets,
    groups,
    organizations,
    previews,
    profiles,
    resources,
    revise,
    trash,
    vocabulary,
)
