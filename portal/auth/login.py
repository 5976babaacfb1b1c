"""flask-login wiring: browser sessions, and API tokens in the Authorization header."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import LoginManager

from portal.auth.models import User
from portal.auth.tokens import user_for_token

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


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    session = current_app.extensions["portal.db"].session()
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def load_user_from_token(_request) -> User | None:  # noqa: ANN001
    secret = token_from_request()
    if secret is None:
        return None
    session = current_app.extensions["portal.db"].session()
    user = user_for_token(session, secret)
    if user is None:
        g.invalid_token = True
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
