"""What every write of a dataset ends with, in one place: the stored quality score, the
activity record, the change event the search index listens to, and the link check queued
after the commit. Actions that change a dataset (or its resources, themes or department)
finish with `saved()`; the dict it returns is what package_show would return."""

from __future__ import annotations

from typing import Any

from portal.actions import Context
from portal.catalog import activity
from portal.catalog.dictize import package_dictize
from portal.catalog.linkcheck_models import link_status
from portal.catalog.models import Dataset
from portal.catalog.queries import licenses
from portal.database import utcnow
from portal.quality.score import score_dataset
from portal.stats.popularity import ZERO, add_figures


def show_dict(context: Context, dataset: Dataset) -> dict[str, Any]:
    return package_dictize(dataset, context.settings.site_url, licenses(context))


def saved(context: Context, dataset: Dataset, activity_type: str) -> dict[str, Any]:
    """Flush, score, record activity and the index change; return the dataset dict."""
    dataset.metadata_modified = utcnow()
    context.session.flush()
    # A new dataset's resources have never been checked: no link results to read.
    result = score(context, dataset, checked=activity_type != "new package")
    activity.record(context, dataset.id, activity_type, {"package": result})
    emit_change(context, dataset.id)
    _check_links_after_commit(context, dataset)
    # What package_show returns, popularity figures included (a copy: the activity keeps the
    # dataset without them, so visits never show as changes). A new dataset has none yet.
    if activity_type == "new package":
        return {**result, **ZERO}
    return add_figures(context.session, [dict(result)])[0]


def score(context: Context, dataset: Dataset, checked: bool = True) -> dict[str, Any]:
    """Compute and store the metadata quality score (its accessibility indicators from the
    link checks, when there can be any); return the dataset dict with it."""
    result = show_dict(context, dataset)
    result.pop("quality", None)
    links = link_status(context.session, dataset.id) if checked else {}
    dataset.quality = score_dataset(result, links)
    result["quality"] = dataset.quality
    return result


def emit_change(context: Context, dataset_id: str) -> None:
    """Tell listeners (the search index) that a dataset changed, inside this transaction."""
    for listener in context.app.extensions.get("portal.dataset_listeners", []):
        listener(context, dataset_id)


def _check_links_after_commit(context: Context, dataset: Dataset) -> None:
    scheduled: set[str] = context.__dict__.setdefault("_link_checks", set())
    if not context.settings.link_check or dataset.state == "deleted" or dataset.id in scheduled:
        return
    from portal.catalog.linkcheck import schedule_link_check  # the task module imports the queue

    scheduled.add(dataset.id)
    app, dataset_id = context.app, dataset.id
    context.after_commit.append(lambda: schedule_link_check(app, dataset_id))
