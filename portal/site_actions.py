"""Site-wide actions: status and liveness."""

from __future__ import annotations

from typing import Any

from portal import __version__
from portal.actions import Context, action
from portal.fields import LenientSchema


@action(side_effect_free=True, schema=LenientSchema)
def status_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The site's name, version and which backends it runs on."""
    settings = context.settings
    return {
        "site_title": "开放数据门户 Open Data Portal",
        "site_description": "Provincial public data catalog",
        "site_url": settings.site_url,
        # Clients compare this to enable features; we implement the CKAN 2.10 Action API.
        "ckan_version": "2.10.0",
        "portal_version": __version__,
        "locale_default": "zh_Hans_CN",
        "extensions": [],
        "backends": {
            "database": context.session.get_bind().dialect.name,
            "storage": settings.storage_url.split(":", 1)[0],
            "queue": settings.queue_url.split(":", 1)[0],
        },
    }


@action(side_effect_free=True, schema=LenientSchema)
def site_read(context: Context, data_dict: dict[str, Any]) -> bool:
    """Whether the caller may read the site (always true: the catalog is public)."""
    return True
