"""Building an action context for the current request.

Shared by every request handler (pages, downloads, feeds, stats): it lives beside the action
registry rather than in it, so the registry stays free of Flask request state (the CLI and the
harvesters build their own Context), and outside portal/web so domains need not import pages.
The API builds its own context (portal/api/caller.py: token-only writes).
"""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from portal.actions import Context
from portal.errors import NotAuthorized


def action_context() -> Context:
    """One context per request, so per-request caches (the caller's roles) are shared."""
    context = g.get("portal_context")
    if context is None:
        user = current_user._get_current_object() if current_user.is_authenticated else None
        if g.get("invalid_token"):
            raise NotAuthorized("Invalid API token")
        db = current_app.extensions["portal.db"]
        context = Context(session=db.session(), app=current_app._get_current_object(), user=user)
        g.portal_context = context
    return context
