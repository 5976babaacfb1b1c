"""The `quality_report` action: a dataset's metadata quality score and what it lacks, or the
scores of a department's datasets with their summary.

Visibility comes from the catalog's own read actions: one dataset is read with package_show,
a department's datasets with package_search (include_private), so a private dataset is only
reported to, and only counted for, those who may see it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError as FieldError
from marshmallow import fields, validates_schema
from marshmallow import validate as v

from portal.actions import Context, action, call, validate
from portal.auth.permissions import require_sysadmin
from portal.catalog.linkcheck_models import link_status
from portal.catalog.queries import find_dataset, find_organization
from portal.catalog.saving import emit_change, score
from portal.fields import LenientSchema
from portal.quality import search  # noqa: F401  (registers the quality search field)
from portal.quality.config import load_config
from portal.quality.score import department_summary, score_dataset

SEARCH_PAGE = 1000  # package_search's largest page


def _known_band(value: str) -> None:
    names = load_config().band_names()
    if value not in names:
        raise FieldError(f"Must be one of: {', '.join(names)}.")


class QualityReportSchema(LenientSchema):
    id = fields.String(
        validate=v.Length(min=1, max=100),
        metadata={"description": "A dataset's id or name (or give organization)."},
    )
    organization = fields.String(
        validate=v.Length(min=1, max=100),
        metadata={"description": "A department's name or id: the report of its datasets."},
    )
    limit = fields.Integer(
        load_default=100,
        validate=v.Range(min=1, max=1000),
        metadata={"description": "Department report: datasets per page."},
    )
    offset = fields.Integer(load_default=0, validate=v.Range(min=0, max=10_000_000))
    band = fields.String(
        load_default=None,
        validate=_known_band,
        metadata={"description": "Department report: only datasets in this band."},
    )

    @validates_schema
    def one_subject(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if bool(data.get("id")) == bool(data.get("organization")):
            raise FieldError("Give either a dataset id or an organization.", "id")


class RescoreSchema(LenientSchema):
    id = fields.String(
        required=True,
        validate=v.Length(min=1, max=100),
        error_messages={"required": "Missing value"},
    )


@action(schema=RescoreSchema)
def quality_rescore(context: Context, data_dict: dict[str, Any]) -> dict[str, Any] | None:
    """Recompute a dataset's stored quality score, e.g. after its links were checked (sysadmins
    and the link checker only); not a metadata change, so no activity is recorded. Returns
    the new score, or nothing for a deleted dataset."""
    args = validate(RescoreSchema(), data_dict)
    require_sysadmin(context, "rescore datasets")
    dataset = find_dataset(context, args["id"])
    if dataset.state == "deleted":
        return None
    result = score(context, dataset)
    emit_change(context, dataset.id)
    return result["quality"]


@action(side_effect_free=True, schema=QualityReportSchema)
def quality_report(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """A dataset's metadata quality score (MQA) and what it lacks, or a department's."""
    args = validate(QualityReportSchema(), data_dict)
    if args.get("id"):
        dataset = call("package_show", context, {"id": args["id"]})
        return {"dataset": _summary(dataset), **quality_of(context, dataset)}
    return _department_report(context, args)


def quality_of(context: Context, dataset: dict[str, Any]) -> dict[str, Any]:
    """The score stored with the dataset when it is current, else computed now."""
    stored = dataset.get("quality")
    config = load_config()
    if isinstance(stored, dict) and stored.get("version") == config.version and "missing" in stored:
        return stored
    return score_dataset(dataset, link_status(context.session, dataset["id"]), config)


def _department_report(context: Context, args: dict[str, Any]) -> dict[str, Any]:
    org = find_organization(context, args["organization"])
    scored = [(d, quality_of(context, d)) for d in _department_datasets(context, org.name)]
    summary = department_summary([q for _, q in scored])
    if args["band"]:
        scored = [(d, q) for d, q in scored if q["band"] == args["band"]]
    scored.sort(key=lambda pair: (pair[1]["score"], pair[0]["name"]))
    page = scored[args["offset"] : args["offset"] + args["limit"]]
    return {
        "organization": {
            "id": org.id,
            "name": org.name,
            "title": org.title,
            "title_en": org.title_en,
        },
        "summary": summary,
        "band": args["band"],
        "count": len(scored),
        "limit": args["limit"],
        "offset": args["offset"],
        "datasets": [_row(d, q) for d, q in page],
    }


def _department_datasets(context: Context, org_name: str) -> list[dict[str, Any]]:
    """Every dataset of the department the caller may see, through package_search."""
    found: list[dict[str, Any]] = []
    while True:
        page = call(
            "package_search",
            context,
            {
                "fq": f'organization:"{org_name}"',
                "rows": SEARCH_PAGE,
                "start": len(found),
                "sort": "name asc",
                "include_private": True,
                "facet": False,
            },
        )
        found.extend(page["results"])
        if not page["results"] or len(found) >= page["count"]:
            return found


def _summary(dataset: dict[str, Any]) -> dict[str, Any]:
    return {key: dataset.get(key) for key in ("id", "name", "title", "title_en", "private")}


def _row(dataset: dict[str, Any], quality: dict[str, Any]) -> dict[str, Any]:
    return {
        **_summary(dataset),
        "score": quality["score"],
        "max": quality["max"],
        "band": quality["band"],
        "dimensions": {name: d["score"] for name, d in quality["dimensions"].items()},
        "missing": [m["indicator"] for m in quality["missing"]],
    }
