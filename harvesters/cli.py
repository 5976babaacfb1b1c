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

from harvesters.jobs import JobConflict, create_job
from harvesters.models import COUNTS, HarvestJob, HarvestJobError, HarvestSource
from harvesters.run import run_job
from portal.actions import Context, call
from portal.catalog.models import Organization
from portal.errors import ActionError


def _context() -> Context:
    session = current_app.extensions["portal.db"].session()
    return Context(session=session, app=current_app, ignore_auth=True)


def _call(name: str, data: dict[str, Any]) -> Any:
    try:
        return call(name, _context(), data)
    except ActionError as exc:
        raise click.ClickException(exc.message or str(exc)) from None


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
    session = app.extensions["portal.db"].session()
    source = session.get(HarvestSource, shown["id"])
    try:
        job = create_job(session, source, full=full)
    except JobConflict as exc:
        raise click.ClickException(str(exc)) from None
    kind = "full" if full else "incremental where the source allows"
    click.echo(f"Harvesting {source.name} ({source.source_type}, {kind}): job {job.id}")
    with click.progressbar(length=0, label="Records", show_pos=True) as bar:
        done = 0

        def progress(current: HarvestJob, total: int | None) -> None:
            nonlocal done
            bar.length = max(bar.length or 0, total or 0, current.gathered)
            bar.update(current.gathered - done)
            done = current.gathered

        ended = run_job(app, job.id, progress=progress)
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
