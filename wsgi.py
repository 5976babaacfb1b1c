"""WSGI entry point: `gunicorn wsgi:app` (settings come from PORTAL_* variables)."""

from portal import create_app

app = create_app()
