"""Pages, templates and the request-level glue shared by pages and the API."""

from __future__ import annotations

import importlib

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from portal.errors import DatastoreError, NotAuthorized, NotFound
from portal.web import i18n, templating
from portal.web.blueprint import bp

csrf = CSRFProtect()

# Pages only load what the portal serves itself; remote images are allowed for the previews of
# resources that link to pictures elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; frame-ancestors 'self'; base-uri 'self'; "
    "form-action 'self'"
)


# Sent when the site is served over https (PORTAL_SECURE_COOKIES): browsers then refuse plain
# http to it for a year.
HSTS = "max-age=31536000; includeSubDomains"


# The page modules: each adds its routes to the one blueprint (portal.web.blueprint.bp), in this
# order, and imports the shared helpers from there, never from another page module.
PAGE_MODULES = (
    "portal.web.views",
    "portal.web.publisher",
    "portal.web.harvest",
    "portal.web.accounts",
    "portal.web.datarequests",
    "portal.web.apps",
    "portal.web.feedback",
    "portal.web.reuses",
    "portal.web.access",
    "portal.web.stats",
    "portal.web.privacy",
)


def pages_blueprint() -> Blueprint:
    """The pages' blueprint, with every page module's routes on it."""
    for name in PAGE_MODULES:
        importlib.import_module(name)
    return bp


def is_api_request() -> bool:
    return request.path.startswith("/api/") or request.path in ("/api",)


def init_app(app: Flask, exempt: tuple[Blueprint, ...] = ()) -> None:
    """Languages, CSRF protection (API blueprints exempt: they use tokens), template helpers,
    friendly error pages and security headers."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's lifetime
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    i18n.init_app(app)
    csrf.init_app(app)
    for blueprint in exempt:
        csrf.exempt(blueprint)
    templating.init_app(app)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return error_page(exc.code or 500, exc)

    # An action refusing a page's request (a form naming another department, say) is the
    # friendly 403/404 page, never a 500; the API turns these into CKAN's error body itself.
    @app.errorhandler(NotAuthorized)
    def not_authorized(exc: NotAuthorized) -> Response:
        return error_page(403, exc)

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Response:
        return error_page(404, exc)

    @app.errorhandler(DatastoreError)
    def datastore_down(exc: DatastoreError) -> Response:
        return error_page(503, exc)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return error_page(400, exc, csrf=True)

    secure = app.extensions["portal.settings"].secure_cookies

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Every response, API JSON and downloads included: a browser must never guess a
        # type (an uploaded file sniffed as HTML would run in the portal's origin).
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html" and not is_api_request():
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


def error_page(status: int, exc: Exception | None = None, csrf: bool = False) -> Response:
    """A friendly page in the visitor's language; JSON under /api/ (CKAN's error body)."""
    if is_api_request():
        description = getattr(exc, "description", None) or "Error"
        body = {"success": False, "error": {"__type": "Not Found Error", "message": description}}
        if status != 404:
            body["error"]["__type"] = "Bad Request" if status < 500 else "Internal Server Error"
        response = jsonify(body)
        response.status_code = status
    elif status in (301, 302, 303, 307, 308) and isinstance(exc, HTTPException):
        return exc.get_response()
    else:
        try:
            html = render_template("error.html", status=status, csrf=csrf, exc=exc)
        except Exception:  # the error page itself must not fail (e.g. the database is down)
            html = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
        response = Response(html, status=status, mimetype="text/html")
    if isinstance(exc, HTTPException) and status == 405:
        for key, value in exc.get_headers():
            if key.lower() == "allow":
                response.headers[key] = value
    return response
