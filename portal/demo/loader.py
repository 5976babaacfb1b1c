"""Loading the demo catalog through the actions, exactly as a department would publish it.

Idempotent: departments, themes and datasets that already exist (by name) are left alone, so a
second `portal demo` (and so a second `make run`) duplicates nothing.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.actions import Context, call
from portal.catalog.models import Dataset, Group, Organization
from portal.demo import content
from portal.search import index


def _existing(context: Context, model, names: list[str]) -> set[str]:  # noqa: ANN001
    return set(context.session.scalars(select(model.name).where(model.name.in_(names))))


def _upload(resource: dict[str, Any]) -> FileStorage:
    filename = resource["filename"]
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if resource.get("encoding"):
        mimetype = f"{mimetype}; charset={resource['encoding']}"
    return FileStorage(io.BytesIO(resource["content"]), filename=filename, content_type=mimetype)


def load_demo(context: Context, progress: Callable[[str], None] = print) -> dict[str, int]:
    """Create the demo departments, themes and datasets that do not exist yet.

    Search index updates wait in the outbox while loading and are applied in one batch."""
    context.defer_index = True
    orgs, groups = content.departments(), content.themes()
    have_orgs = _existing(context, Organization, [o["name"] for o in orgs])
    for org in orgs:
        if org["name"] not in have_orgs:
            call("organization_create", context, org)
    have_groups = _existing(context, Group, [g["name"] for g in groups])
    for group in groups:
        if group["name"] not in have_groups:
            call("group_create", context, group)

    datasets = content.datasets()
    have = _existing(context, Dataset, [d["name"] for d in datasets])
    created = 0
    for number, data in enumerate(datasets, 1):
        if data["name"] in have:
            continue
        resources = data.pop("resources", [])
        dataset = call("package_create", context, data)
        for resource in resources:
            fields = {k: v for k, v in resource.items() if k not in ("content", "filename")}
            fields.pop("encoding", None)
            fields["package_id"] = dataset["id"]
            fields["upload"] = _upload(resource)
            call("resource_create", context, fields)
        created += 1
        if number % 50 == 0:
            progress(f"  {number}/{len(datasets)} datasets")
    context.defer_index = False
    index.retry_pending(context.app)
    return {
        "organizations": len(orgs) - len(have_orgs),
        "groups": len(groups) - len(have_groups),
        "datasets": created,
        "existing": len(have),
    }
