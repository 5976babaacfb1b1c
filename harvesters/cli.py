"""The `portal harvest` commands (registered in portal.cli): sources, run, jobs."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import func, or_, select

from harvesters.base import JobConflict, create_job, run_job
from harvesters.models import COUNTS, HarvestJob, HarvestJobError, HarvestRecord, HarvestSource
from portal.catalog.models import Organization


def _session():  # noqa: ANN202
    return current_app.extensions["portal.db"].session()


def _source(ident: str) -> HarvestSource:
    source = (
        _session()
        .scalars(
            select(HarvestSource).where(
                or_(HarvestSource.id == ident, HarvestSource.name == ident),
                HarvestSource.state == "active",
            )
        )
        .first()
    )
    if source is None:
        raise click.ClickException(f"No harvest source {ident!r} (see `portal harvest sources`).")
    return source


def _counts(job: HarvestJob) -> str:
    return ", ".join(f"{getattr(job, key)} {key}" for key in COUNTS)


def list_sources() -> None:
    session = _session()
    rows = session.execute(
        select(HarvestSource, Organization.name)
        .join(Organization, Organization.id == HarvestSource.owner_org)
        .where(HarvestSource.state == "active")
        .order_by(HarvestSource.name)
    ).all()
    if not rows:
        click.echo("No harvest sources yet (create one with the harvest_source_create action).")
        return
    for source, org in rows:
        last = session.scalars(
            select(HarvestJob)
            .where(HarvestJob.source_id == source.id)
            .order_by(HarvestJob.created.desc())
            .limit(1)
        ).first()
        datasets = session.scalar(
            select(func.count()).where(
                HarvestRecord.source_id == source.id,
                HarvestRecord.dataset_id.is_not(None),
                HarvestRecord.status != "withdrawn",
            )
        )
        state = "enabled" if source.enabled else "disabled"
        last_text = f"last job {last.status} {last.created:%Y-%m-%d %H:%M}" if last else "never run"
        click.echo(
            f"{source.name}  [{source.source_type}, {source.frequency}, {state}]  {org}  "
            f"{datasets} datasets, {last_text}\n    {source.url}"
        )


def run_source(ident: str, full: bool) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    source = _source(ident)
    try:
        job = create_job(_session(), source, full=full)
    except JobConflict as exc:
        raise click.ClickException(str(exc)) from None
    kind = "full" if full else "incremental where the source allows"
    click.echo(f"Harvesting {source.name} ({source.source_type}, {kind}): job {job.id}")
    with click.progressbar(length=0, label="Records", show_pos=True) as bar:
        done = 0

        def progress(current: HarvestJob, total: int | None) -> None:
            nonlocal done
            if total is not None and total > bar.length:
                bar.length = total
            if current.gathered > bar.length:
                bar.length = current.gathered
            bar.update(current.gathered - done)
            done = current.gathered

        ended = run_job(app, job.id, progress=progress)
    if ended is None:
        raise click.ClickException("The job was started elsewhere meanwhile.")
    click.echo(f"Job {ended.status}: {ended.gathered} listed; {_counts(ended)}.")
    if ended.message:
        click.echo(ended.message)
    errors = (
        _session()
        .scalars(
            select(HarvestJobError)
            .where(HarvestJobError.job_id == ended.id)
            .order_by(HarvestJobError.id)
            .limit(10)
        )
        .all()
    )
    for error in errors:
        click.echo(f"  [{error.stage}] {error.remote_id or '-'}: {error.message}")
    if ended.errored > len(errors):
        click.echo(f"  ... see harvest_job_report for all {ended.errored} errors.")
    if ended.status != "finished":
        raise SystemExit(1)


def list_jobs(ident: str, limit: int) -> None:
    source = _source(ident)
    jobs = (
        _session()
        .scalars(
            select(HarvestJob)
            .where(HarvestJob.source_id == source.id)
            .order_by(HarvestJob.created.desc())
            .limit(limit)
        )
        .all()
    )
    if not jobs:
        click.echo(f"{source.name} has no jobs yet.")
    for job in jobs:
        took = ""
        if job.started and job.finished:
            took = f" in {(job.finished - job.started).total_seconds():.1f} s"
        click.echo(f"{job.id}  {job.created:%Y-%m-%d %H:%M:%S}  {job.status}{took}: {_counts(job)}")
        if job.message:
            click.echo(f"    {job.message}")
