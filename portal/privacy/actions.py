"""Privacy finding actions: privacy_finding_list, _show, _override and privacy_mask.

Findings are the department's business: its editors (and sysadmins) list and read them, with
masked samples; only its admins (and sysadmins) override one, with a written reason, which
serves the file again. Replacing the file screens it again (portal.privacy.screening).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.actions import Context, action, validate
from portal.auth.permissions import (
    can_edit_dataset,
    editable_org_ids,
    has_role,
    require,
    require_login,
    require_readable,
)
from portal.catalog.dictize import iso
from portal.catalog.models import Dataset, Resource
from portal.catalog.saving import saved
from portal.database import utcnow
from portal.errors import NotFound, ValidationError
from portal.privacy.masking import MASKABLE, store_masked
from portal.privacy.models import OPEN, OVERRIDDEN, PENDING, RESOLVED, PrivacyFinding
from portal.privacy.schemas import ListSchema, MaskSchema, OverrideSchema, ResourceIdSchema
from portal.privacy.screening import (
    current_findings,
    queue_screening,
    record_activity,
    summary,
)


def finding_dict(finding: PrivacyFinding, resource: Resource, dataset: Dataset) -> dict[str, Any]:
    report = finding.report or {}
    return {
        "id": finding.id,
        "resource_id": finding.resource_id,
        "resource_name": resource.name,
        "package_id": finding.package_id,
        "package_name": dataset.name,
        "owner_org": dataset.owner_org,
        "state": finding.state,
        "rows_scanned": report.get("rows_scanned", 0),
        "complete": bool(report.get("complete", False)),
        "columns": summary(finding, samples=True),
        "overridden_by": finding.overridden_by,
        "masking": finding.masking,
        "override_reason": finding.override_reason,
        "created": iso(finding.created),
        "modified": iso(finding.modified),
    }


def _resource_and_dataset(context: Context, resource_id: Any) -> tuple[Resource, Dataset]:
    resource = context.session.get(Resource, resource_id) if resource_id else None
    if resource is None or resource.state != "active":
        raise NotFound("Resource not found")
    dataset = context.session.get(Dataset, resource.package_id)
    require_readable(context, dataset, "Resource")  # a private one is not there for outsiders
    return resource, dataset


def _current(
    context: Context, resource_id: Any, role: str
) -> tuple[PrivacyFinding, Resource, Dataset]:
    resource, dataset = _resource_and_dataset(context, resource_id)
    # The department's findings are not for outsiders: as if the resource had none.
    if not has_role(context, dataset.owner_org, role):
        require(False, "Only the department's editors, or a sysadmin, may see its findings.")
    found = current_findings(context.session, resource.id)
    if not found:
        raise NotFound("This resource has no privacy finding")
    return found[0], resource, dataset


@action(side_effect_free=True, schema=ListSchema)
def privacy_finding_list(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Open privacy findings: all of them for sysadmins, a department's for its editors."""
    require_login(context)
    args = validate(ListSchema(), data_dict)
    query = (
        select(PrivacyFinding, Resource, Dataset)
        .join(Resource, Resource.id == PrivacyFinding.resource_id)
        .join(Dataset, Dataset.id == PrivacyFinding.package_id)
        .where(PrivacyFinding.state == OPEN, Resource.state == "active")
    )
    if not context.is_sysadmin:
        query = query.where(Dataset.owner_org.in_(editable_org_ids(context)))
    total = context.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = context.session.execute(
        query.order_by(PrivacyFinding.created.desc(), PrivacyFinding.id)
        .offset(args["offset"])
        .limit(args["limit"])
    )
    return {"count": total, "results": [finding_dict(f, r, d) for f, r, d in rows]}


@action(side_effect_free=True, schema=ResourceIdSchema)
def privacy_finding_show(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The privacy finding of a resource's current file (open or overridden)."""
    require_login(context)
    args = validate(ResourceIdSchema(), data_dict)
    return finding_dict(*_current(context, args["id"], "editor"))


@action(schema=OverrideSchema)
def privacy_finding_override(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Publish a withheld file as it is, with a written reason: department admins only."""
    require_login(context)
    args = validate(OverrideSchema(), data_dict)
    resource, dataset = _resource_and_dataset(context, args["id"])
    require(
        has_role(context, dataset.owner_org, "admin"),
        "Only an admin of the department, or a sysadmin, may override a privacy finding.",
    )
    finding, resource, dataset = _current(context, resource.id, "admin")
    if finding.state == PENDING:
        raise ValidationError({"id": ["The file is still being screened: try again shortly."]})
    if finding.state == OPEN:
        finding.state, finding.modified = OVERRIDDEN, utcnow()
        finding.overridden_by, finding.override_reason = context.user_id, args["reason"].strip()
        context.session.flush()
        record_activity(context.session, context.user_id, finding, "overrode block")
    return finding_dict(finding, resource, dataset)


@action(schema=MaskSchema)
def privacy_mask(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Mask columns of a withheld file (department editors and admins): a new version of
    the file is stored (the old one is kept, unpublished) and screened again, and published
    once clean; the finding is resolved with the methods recorded."""
    require_login(context)
    args = validate(MaskSchema(), data_dict)
    finding, resource, dataset = _current(context, args["id"], "editor")
    require(can_edit_dataset(context, dataset), "Not authorized to edit this resource.")
    if finding.state == PENDING:
        raise ValidationError({"id": ["The file is still being screened: try again shortly."]})
    if resource.url_type != "upload" or not resource.storage_key:
        raise ValidationError({"id": ["Only an uploaded file can be masked: replace the link."]})
    fmt = (resource.format or "").strip().upper()
    if fmt not in MASKABLE:
        raise ValidationError({"id": [f"A {fmt or 'file'} cannot be masked: replace the file."]})
    store_masked(context, resource, fmt, args["columns"])
    finding.state, finding.resolved, finding.modified = RESOLVED, utcnow(), utcnow()
    finding.masking = {"columns": args["columns"], "by": context.user_id,
                       "storage_key": resource.storage_key}  # fmt: skip
    context.session.flush()
    record_activity(context.session, context.user_id, finding, "masked columns")
    queue_screening(context, resource)
    saved(context, dataset, "changed package")
    return finding_dict(finding, resource, dataset)
