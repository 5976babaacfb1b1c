"""The `portal harvest` commands (registered in portal.cli): sources, run, jobs.

Listings go through the harvest actions as the site itself; `run` creates the job and runs it
in this process (not on the queue) to show its progress.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from flask import current_app
from sqlalchemy import select

from harvesters.actions import open_job
from harvesters.models import COUNTS, HarvestJob, HarvestJobError
from harvesters.run import run_job
from portal.actions import Context, batch, call
from portal.catalog.models import Organization
from portal.errors import ActionError, ValidationError


def _context() -> Context:
    session = current_app.extensions["portal.db"].session()
    return Context(session=session, app=current_app, ignore_auth=True)


def _call(name: str, data: dict[str, Any]) -> Any:
    try:
        return call(name, _context(), data)
    except ActionError as exc:
        raise click.ClickException(exc.message or str(exc)) from None


def _message(exc: ActionError) -> str:
    """The error's own words (a field error's messages, without the field's name)."""
    if isinstance(exc, ValidationError):
        values = exc.errors.values()
        return " ".join(str(m) for v in values for m in (v if isinstance(v, list) else [v]))
    return exc.message or str(exc)


def _counts(stats: dict[str, int]) -> str:
    return ", ".join(f"{stats[key]} {key}" for key in COUNTS)


def list_sources() -> None:
    sources = _call("harvest_source_list", {"limit": 1000})
    if not sources:
        click.echo("No harvest sources yet (create one with the harvest_source_create action).")
        return
    session = current_app.extensions["portal.db"].session()
    orgs = dict(session.execute(select(Organization.id, Organization.name)).all())
    for source in sources:
        last = source["status"]["last_job"]
        last_text = f"last job {last['status']} {last['created'][:16]}" if last else "never run"
        state = "enabled" if source["enabled"] else "disabled"
        click.echo(
            f"{source['name']}  [{source['source_type']}, {source['frequency']}, {state}]  "
            f"{orgs.get(source['owner_org'], source['owner_org'])}  "
            f"{source['status']['total_datasets']} datasets, {last_text}\n    {source['url']}"
        )


def run_source(ident: str, full: bool) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shown = _call("harvest_source_show", {"id": ident})
    context = _context()
    session = context.session
    try:
        with batch(context):  # the rules of harvest_job_create; run here, not queued
            job_id = open_job(context, shown["id"], full).id
    except ActionError as exc:
        raise click.ClickException(_message(exc)) from None
    kind = "full" if full else "incremental where the source allows"
    click.echo(f"Harvesting {shown['name']} ({shown['source_type']}, {kind}): job {job_id}")
    with click.progressbar(length=0, label="Records", show_pos=True) as bar:
        done = 0

        def progress(current: HarvestJob, total: int | None) -> None:
            nonlocal done
            bar.length = max(bar.length or 0, total or 0, current.gathered)
            bar.update(current.gathered - done)
            done = current.gathered

        ended = run_job(app, job_id, progress=progress)
    if ended is None:
        raise click.ClickException("The job was started elsewhere meanwhile.")
    stats = {key: getattr(ended, key) for key in COUNTS}
    click.echo(f"Job {ended.status}: {ended.gathered} listed; {_counts(stats)}.")
    if ended.message:
        click.echo(ended.message)
    errors = session.scalars(
        select(HarvestJobError)
        .where(HarvestJobError.job_id == ended.id)
        .order_by(HarvestJobError.id)
        .limit(10)
    ).all()
    for error in errors:
        click.echo(f"  [{error.stage}] {error.remote_id or '-'}: {error.message}")
    if ended.errored > len(errors):
        click.echo(f"  ... see harvest_job_report for all {ended.errored} errors.")
    if ended.status != "finished":
        raise SystemExit(1)


def list_jobs(ident: str, limit: int) -> None:
    jobs = _call("harvest_job_list", {"source_id": ident, "limit": limit})
    if not jobs:
        click.echo(f"{ident} has no jobs yet.")
    for job in jobs:
        took = ""
        if job["started"] and job["finished"]:
            took = f" in {_seconds(job['started'], job['finished']):.1f} s"
        created = job["created"][:19].replace("T", " ")
        click.echo(f"{job['id']}  {created}  {job['status']}{took}: {_counts(job['stats'])}")
        if job["message"]:
            click.echo(f"    {job['message']}")


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
