"""The `portal` command: database, demo catalog, users, tokens, web server and workers."""

from __future__ import annotations

import os
import secrets
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from portal import create_app
from portal.actions import Context, call
from portal.auth.models import User
from portal.errors import ActionError
from portal.search.refresh import refreshing

# `portal serve` leaves indexing to the worker's refresher, this often (seconds).
DEFAULT_SERVE_REFRESH = "0.5"


def _app(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
    return create_app()


def cli_context(user: User | None = None) -> Context:
    """The CLI acts as the site itself: permission checks are skipped."""
    session = current_app.extensions["portal.db"].session()
    return Context(session=session, app=current_app, user=user, ignore_auth=True)


def _fail(exc: ActionError) -> None:
    errors = exc.as_error_dict()
    raise click.ClickException(f"{errors.pop('__type')}: {errors}")


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False)
def main() -> None:
    """Manage and serve the open data portal."""


@main.group()
def db() -> None:
    """The metadata database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations, and say which ones ran."""
    from portal.migrate import applied_between, current_revision, upgrade

    url = current_app.extensions["portal.settings"].database_url
    before = current_revision(url)
    upgrade(url, revision)
    applied = applied_between(url, before, current_revision(url))
    if before is None and applied:
        click.echo(f"Created the database at {_shown_url(url)}:")
    for step in applied:
        click.echo(f"  applied {step}")
    click.echo("Database is up to date." if applied else "Database was already up to date.")


def _shown_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
@with_appcontext
def demo() -> None:
    """Load the demo provincial catalog (safe to run again: nothing is duplicated)."""
    from portal.demo.loader import load_demo

    counts = load_demo(cli_context(_any_sysadmin()), progress=click.echo)
    click.echo(
        "Demo catalog: {organizations} departments, {groups} themes, "
        "{datasets} datasets created ({existing} already there).".format(**counts)
    )


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("name")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--fullname", default=None)
@click.option("--sysadmin", is_flag=True)
@with_appcontext
def user_create(name: str, email: str, password: str, fullname: str | None, sysadmin: bool) -> None:
    """Create a user."""
    data = {"name": name, "email": email, "password": password, "sysadmin": sysadmin}
    if fullname:
        data["fullname"] = fullname
    try:
        created = call("user_create", cli_context(), data)
    except ActionError as exc:
        _fail(exc)
    click.echo(f"Created user {created['name']} ({created['id']}).")


@user.command("ensure-admin")
@click.option("--name", default="admin", show_default=True)
@with_appcontext
def ensure_admin(name: str) -> None:
    """Create a sysadmin with a generated password unless one exists; print its login once."""
    site_url = current_app.extensions["portal.settings"].site_url
    if _any_sysadmin() is not None:
        click.echo(f"Portal: {site_url} (a sysadmin already exists)")
        return
    password = secrets.token_urlsafe(12)
    data = {
        "name": name,
        "email": f"{name}@localhost.localdomain",
        "password": password,
        "sysadmin": True,
    }
    try:
        call("user_create", cli_context(), data)
    except ActionError as exc:
        _fail(exc)
    click.echo(f"Portal: {site_url}")
    click.echo(f"Sysadmin login (shown once): {name} / {password}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", "token_name", default="cli", show_default=True)
@with_appcontext
def token_create(username: str, token_name: str) -> None:
    """Create an API token for USERNAME and print only the token."""
    try:
        result = call("api_token_create", cli_context(), {"user": username, "name": token_name})
    except ActionError as exc:
        _fail(exc)
    click.echo(result["token"])


@main.group()
def stats() -> None:
    """Usage statistics."""


@stats.command("rebuild")
@click.option("--days", type=int, default=None, help="Only the last N days (default: all).")
@with_appcontext
def stats_rebuild(days: int | None) -> None:
    """Recompute the per-day department and theme figures from the daily counts."""
    from datetime import timedelta

    from portal.database import write_transaction
    from portal.stats import rollup
    from portal.stats.counting import today

    start = today() - timedelta(days=days - 1) if days else None
    with current_app.extensions["portal.db"].factory() as session, write_transaction(session):
        rows = rollup.rebuild(session, start)
    click.echo(f"{rows} rollup rows.")


@main.group()
def search() -> None:
    """The search index."""


@search.command("reindex")
@with_appcontext
def search_reindex() -> None:
    """Rebuild the search index in bulk; searches keep working on the old index meanwhile."""
    from portal.search import index

    total = index.count_indexable(current_app)
    with click.progressbar(length=total, label="Indexing datasets") as bar:
        count = index.reindex(current_app, progress=bar.update)
    click.echo(f"Indexed {count} datasets.")


@search.command("check")
@with_appcontext
def search_check() -> None:
    """Report datasets missing from the index or stale in it (exit status 1 if any)."""
    from portal.search import index

    report = index.check(current_app)
    for kind, ids in report.items():
        click.echo(f"{kind}: {len(ids)}")
        for dataset_id in ids[:20]:
            click.echo(f"  {dataset_id}")
    if any(report.values()):
        click.echo("Run `portal search reindex` (or `portal search retry`) to repair.")
        raise SystemExit(1)
    click.echo("The search index is up to date.")


@search.command("retry")
@with_appcontext
def search_retry() -> None:
    """Apply index changes still pending in the outbox (after an engine outage)."""
    from portal.search import index

    click.echo(f"Applied {index.retry_pending(current_app)} pending dataset updates.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: PORTAL_PORT or 5000.")
@click.option("--workers", type=int, default=None, help="Default: PORTAL_WORKERS or 4.")
@with_appcontext
def serve(host: str, port: int | None, workers: int | None) -> None:
    """Serve the portal with gunicorn (and the embedded job worker)."""
    from portal.server import run_gunicorn

    # Writes return before they are indexed; the worker makes them searchable within 0.5 s
    # (PORTAL_SEARCH_REFRESH=sync indexes inside each request instead). The web workers and
    # the embedded worker child are started after this and read it from the environment.
    # With the in-process memory queue no worker runs the refresher: index in the request.
    if not current_app.extensions["portal.settings"].queue_url.startswith("memory"):
        os.environ.setdefault("PORTAL_SEARCH_REFRESH", DEFAULT_SERVE_REFRESH)

    settings = current_app.extensions["portal.settings"]
    port = port or settings.port
    workers = workers or int(os.environ.get("PORTAL_WORKERS", "4"))
    run_gunicorn(host, port, workers)


@main.command()
@click.option("--workers", type=int, default=2, show_default=True)
@with_appcontext
def worker(workers: int) -> None:
    """Run background jobs from the queue until stopped."""
    queue = current_app.extensions["portal.queue"]
    click.echo(f"Worker on {queue.url} with {workers} threads.")
    consumer = queue.consumer(workers=workers)
    # A worker may start because the last one died (killed, crashed): the clean-up tasks
    # (reaping the jobs it left running) are queued for soon after, not the next schedule.
    queue.queue_start_tasks()
    with refreshing(current_app._get_current_object()):
        consumer.run()


def _any_sysadmin() -> User | None:
    session = current_app.extensions["portal.db"].session()
    return session.scalars(select(User).where(User.sysadmin.is_(True)).limit(1)).first()


@main.group()
def harvest() -> None:
    """Harvest sources: list them, run one now, see its jobs."""


@harvest.command("sources")
@with_appcontext
def harvest_sources() -> None:
    """List the harvest sources with their last job."""
    from harvesters.cli import list_sources

    list_sources()


@harvest.command("run")
@click.argument("source")
@click.option("--full", is_flag=True, help="Re-list and re-import everything, not only changes.")
@with_appcontext
def harvest_run(source: str, full: bool) -> None:
    """Harvest SOURCE (name or id) now, in this process, with a progress bar."""
    from harvesters.cli import run_source

    run_source(source, full)


@harvest.command("jobs")
@click.argument("source")
@click.option("--limit", type=int, default=20, show_default=True)
@with_appcontext
def harvest_jobs(source: str, limit: int) -> None:
    """List the jobs of SOURCE, newest first."""
    from harvesters.cli import list_jobs

    list_jobs(source, limit)


if __name__ == "__main__":
    sys.exit(main())
