"""Rate limits on the Action API (/api/3/action/* and /api/action/*) with flask-limiter.

One counter per caller across every action: per key (an application's keys may have their
own limit, App.rate_limit; other tokens get PORTAL_RATE_LIMIT_KEY), per account for a browser
session, and per client address for anonymous callers, stored as the keyed hash the login
throttle uses (portal.auth.throttle.address_key), never the address itself. Pages, feeds,
downloads and /healthz are not limited.

Counters live in memory (one process's own), in the queue's Redis when PORTAL_QUEUE_URL is
redis:// (shared by every web node), or wherever PORTAL_RATE_LIMIT_STORAGE_URL says. A refused
call is a 429 with Retry-After and CKAN's error body (`Rate Limit Error`); every limited
response carries X-RateLimit-Limit and -Remaining. If the storage is unreachable the call
goes through (flask-limiter's swallow_errors): an outage of Redis must not stop the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user

from portal.apps.models import App
from portal.auth.login import request_token, token_from_request
from portal.auth.throttle import address_key
from portal.errors import ActionError

if TYPE_CHECKING:
    from flask import Flask, Response

    from portal.auth.models import ApiToken
    from portal.config import Settings

API_PREFIXES = ("/api/3/action/", "/api/action/")


class RateLimited(ActionError):
    type_name = "Rate Limit Error"
    status = 429


def storage_url(settings: Settings) -> str:
    if settings.rate_limit_storage_url:
        return settings.rate_limit_storage_url
    if settings.queue_url.startswith(("redis://", "rediss://")):
        return settings.queue_url
    return "memory://"


def enabled(app: Flask) -> bool:
    """PORTAL_RATE_LIMITS decides; unset, limits are on except in a testing app."""
    setting = app.extensions["portal.settings"].rate_limits
    return (not app.testing) if setting is None else setting


def _exempt() -> bool:
    return not request.path.startswith(API_PREFIXES) or not enabled(current_app)


def _token() -> ApiToken | None:
    return request_token() if token_from_request() is not None else None


def limit_key() -> str:
    """Whose counter this call adds to: the key's, the account's or the hashed address's."""
    token = _token()
    if token is not None:
        return f"key:{token.id}"
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    secret = current_app.config["SECRET_KEY"]
    return "address:" + address_key(request.remote_addr or "unknown", secret)


def limit_value() -> str:
    """The caller's limit: the key's application's own, the key limit, or the anonymous one."""
    cached = g.get("portal_rate_limit")
    if cached is None:
        settings = current_app.extensions["portal.settings"]
        token = _token()
        if token is not None:
            app = current_app.extensions["portal.db"].session().get(App, token.app_id or "")
            cached = (app.rate_limit if app is not None else None) or settings.rate_limit_key
        elif current_user.is_authenticated:
            cached = settings.rate_limit_key
        else:
            cached = settings.rate_limit_anonymous
        g.portal_rate_limit = cached
    return cached


def too_many(exc: RateLimitExceeded) -> Response:
    from portal.api.views import error_response

    name = (request.view_args or {}).get("name", "")
    error = RateLimited(f"Too many API calls: at most {exc.description}. Try again later.")
    return error_response(name, error)


def init_app(app: Flask) -> None:
    limiter = Limiter(
        limit_key,
        app=app,
        storage_uri=storage_url(app.extensions["portal.settings"]),
        application_limits=[limit_value],
        application_limits_exempt_when=_exempt,
        headers_enabled=True,
        swallow_errors=True,
        key_prefix="portal-api",
        # Exact over any 60 seconds (no double burst at a window edge), in memory and Redis.
        strategy="moving-window",
    )
    app.extensions["portal.limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, too_many)
