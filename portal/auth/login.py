"""flask-login wiring: browser sessions, and API tokens in the Authorization header."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import LoginManager

from portal.auth.models import ApiToken, User
from portal.auth.tokens import find_token

login_manager = LoginManager()
login_manager.login_view = "web.login"


def token_from_request() -> str | None:
    """CKAN clients send the token raw or as `Bearer <token>` in Authorization, or in
    X-CKAN-API-Key (ckanapi sends both)."""
    value = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key")
    if not value:
        return None
    value = value.strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    return value or None


_UNSET = object()
# A read-only key signs in requests that only read: a page's form post is a write.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def request_token() -> ApiToken | None:
    """The live token this request sends (None without one or for an unknown, expired or
    revoked one), looked up once per request: the login loader, the API's caller, the rate
    limiter and the call counter all ask."""
    found = g.get("portal_api_token", _UNSET)
    if found is _UNSET:
        secret = token_from_request()
        session = current_app.extensions["portal.db"].session()
        found = find_token(session, secret) if secret is not None else None
        g.portal_api_token = found
    return found


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    session = current_app.extensions["portal.db"].session()
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def load_user_from_token(_request) -> User | None:  # noqa: ANN001
    if token_from_request() is None:
        return None
    token = request_token()
    if token is None or (token.read_only and request.method not in SAFE_METHODS):
        g.invalid_token = True
        return None
    return token.user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
