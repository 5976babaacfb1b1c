"""An open public-data portal with a CKAN-compatible Action API."""

from __future__ import annotations

import importlib
import json

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import Settings

__version__ = "0.1.0"

# The modules whose import registers actions (portal.actions.action); create_app loads them, so
# the registry itself imports no domain. A domain's own registrations (quality's search field)
# happen when its module loads.
ACTION_MODULES = (
    "portal.apps.actions",
    "portal.apps.reports",
    "portal.access.actions",
    "portal.auth.actions",
    "portal.auth.user_admin",
    "portal.catalog.actions",
    "portal.datastore.actions",
    "portal.feedback.actions",
    "portal.feedback.follows",
    "portal.privacy.account",
    "portal.privacy.actions",
    "portal.quality.actions",
    "portal.requests.actions",
    "portal.reuses.actions",
    "portal.search.actions",
    "portal.site_actions",
    "portal.stats.actions",
    "portal.stats.reports",
    "portal.stats.rollups",
    "harvesters.actions",
)
# Each domain's results for the OpenAPI document (portal.result_schemas: a RESULTS dict each).
RESULT_MODULES = (
    "portal.apps.result_schemas",
    "portal.access.result_schemas",
    "portal.auth.result_schemas",
    "portal.catalog.result_schemas",
    "portal.datastore.result_schemas",
    "portal.feedback.result_schemas",
    "portal.privacy.result_schemas",
    "portal.quality.result_schemas",
    "portal.requests.result_schemas",
    "portal.reuses.result_schemas",
    "portal.search.result_schemas",
    "portal.site_result_schemas",
    "portal.stats.result_schemas",
    "harvesters.result_schemas",
)


def load_actions() -> None:
    """Import every module that registers actions (idempotent)."""
    for name in ACTION_MODULES:
        importlib.import_module(name)


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """Build a portal app for one instance folder; see portal.config for the settings."""
    from portal import metrics, request_log
    from portal.api.views import bp as api_bp
    from portal.apps import limits as api_limits
    from portal.apps import usage as api_usage
    from portal.auth import login
    from portal.catalog.views import bp as catalog_bp
    from portal.database import Database
    from portal.datastore import hooks as datastore_hooks
    from portal.datastore.views import bp as datastore_bp
    from portal.feedback import notify as follow_notify
    from portal.feeds.views import bp as feeds_bp
    from portal.health import bp as health_bp
    from portal.jobs.queue import JobQueue, load_tasks
    from portal.privacy import screening as privacy_screening
    from portal.search import index as search_index
    from portal.storage import open_storage
    from portal.web import init_app as init_web
    from portal.web import pages_blueprint

    settings = settings or Settings.from_env(**overrides)
    app = Flask(__name__, instance_path=str(settings.instance))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        # Text fields of a form (not its files) are held in memory: as much as a JSON body.
        MAX_FORM_MEMORY_SIZE=settings.max_json_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
    )
    app.json.ensure_ascii = False
    app.extensions["portal.settings"] = settings
    db = Database(settings.database_url)
    app.extensions["portal.db"] = db
    app.teardown_appcontext(db.remove)
    app.extensions["portal.storage"] = open_storage(settings.storage_url)
    app.extensions["portal.queue"] = JobQueue(app, settings.queue_url)
    app.extensions["portal.dataset_listeners"] = [
        search_index.record_change,
        datastore_hooks.record_change,  # loads tabular files, drops tables of removed ones
        follow_notify.record_change,  # mails the followers of a new version
        privacy_screening.record_change,  # screens new or changed tabular sources
    ]
    login.init_app(app)
    load_actions()
    load_tasks()
    app.register_blueprint(api_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(pages_blueprint())
    app.register_blueprint(feeds_bp)
    app.register_blueprint(datastore_bp)  # /datastore/dump/<resource_id>
    app.register_blueprint(health_bp)  # /readyz
    request_log.init_app(app)  # X-Request-ID, JSON logs (PORTAL_LOG_FORMAT=json)
    metrics.init_app(app)  # /metrics
    api_limits.init_app(app)  # rate limits on /api/3/action/* (429 with Retry-After)
    api_usage.init_app(app)  # API calls per action, day and key, counted in batches
    init_web(app, exempt=(api_bp,))  # languages, CSRF (the token-based API is exempt), errors
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.get("/healthz")
    def healthz() -> Response:
        # A trivial JSON endpoint: load balancers' liveness probe and the benchmarks' floor.
        return Response(json.dumps({"status": "ok"}), mimetype="application/json")

    return app
