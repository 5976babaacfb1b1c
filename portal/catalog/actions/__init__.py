"""Catalog actions, one module per kind of object."""

from portal.catalog.actions import (  # noqa: F401
    collaborators,
    datasets,
    groups,
    organizations,
    previews,
    profiles,
    resources,
    revise,
    trash,
    views,
    vocabulary,
)
