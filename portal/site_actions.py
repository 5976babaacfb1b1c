"""Site-wide actions: status and liveness."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from portal import __version__
from portal.actions import Context, action, validate
from portal.auth.permissions import require_sysadmin
from portal.errors import ValidationError
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


class ConfigOptionSchema(LenientSchema):
    key = fields.String(required=True, error_messages={"required": "Missing value"})


def _config_options(context: Context) -> dict[str, str]:
    """The CKAN options a client may read back (sysadmins), from what status_show says."""
    status = status_show(context, {})
    return {
        "ckan.site_title": status["site_title"],
        "ckan.site_description": status["site_description"],
        "ckan.site_url": status["site_url"],
        "ckan.locale_default": status["locale_default"],
        "ckan.site_about": "",
        "ckan.site_intro_text": "",
        "ckan.site_custom_css": "",
        "ckan.site_logo": "",
    }


@action(side_effect_free=True, schema=ConfigOptionSchema)
def config_option_show(context: Context, data_dict: dict[str, Any]) -> str:
    """The value of one site option such as `ckan.site_title` (sysadmins), as in CKAN."""
    args = validate(ConfigOptionSchema(), data_dict)
    require_sysadmin(context, "read configuration options")
    options = _config_options(context)
    if args["key"] not in options:
        raise ValidationError({"key": [f"Configuration option '{args['key']}' can not be shown"]})
    return options[args["key"]]
