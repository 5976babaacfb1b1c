"""Who is calling the Action API.

An API token (Authorization or X-CKAN-API-Key) always decides; a read-only one (an
application's key, portal.apps) only for actions that are side_effect_free. Without one, a browser's
session or remember-me cookie is used for read actions only: a hostile page can make the
browser send those cookies with a cross-site POST (form, text/plain or multipart, none of which
need a CORS preflight), so a write signed in by a cookie alone would be a CSRF hole. A page of
the portal's own that wants to write through the API sends its CSRF token in X-CSRFToken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import ValidationError as CSRFValidationError
from flask_wtf.csrf import validate_csrf

from portal.actions import ActionSpec, Context
from portal.auth.login import request_token, token_from_request
from portal.errors import NotAuthorized

if TYPE_CHECKING:
    from portal.auth.models import User

CSRF_HEADER = "X-CSRFToken"


def api_context(spec: ActionSpec) -> Context:
    db = current_app.extensions["portal.db"]
    context = Context(session=db.session(), app=current_app._get_current_object())
    context.user = api_caller(context, spec)
    g.portal_context = context  # pages' helpers called during the action share it
    return context


def api_caller(context: Context, spec: ActionSpec) -> User | None:
    if token_from_request() is not None:
        token = request_token()
        if token is None:
            raise NotAuthorized("Invalid API token")
        if token.read_only and not spec.side_effect_free:
            raise NotAuthorized(f"{spec.name} changes data: this key is read-only")
        return token.user
    if not current_user.is_authenticated:
        return None
    if spec.side_effect_free or _has_csrf_token():
        return current_user._get_current_object()
    raise NotAuthorized(
        f"{spec.name} changes data: authenticate with an API token in the Authorization "
        f"header (a browser session needs its CSRF token in {CSRF_HEADER})"
    )


def _has_csrf_token() -> bool:
    token = request.headers.get(CSRF_HEADER)
    if not token:
        return False
    try:
        validate_csrf(token)
    except CSRFValidationError:
        return False
    return True
