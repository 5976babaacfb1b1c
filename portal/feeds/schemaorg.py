"""schema.org Dataset JSON-LD for a dataset: served at /dataset/<name>.schemaorg.jsonld and
embedded in the dataset page (portal.web.jsonld), the form search engines read."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context

from portal.feeds import values as v
from portal.feeds.values import ProfiledDataset
from portal.feeds.vocab import media_type

DEFAULT_LANGUAGE = "zh-CN"


def dataset_to_schemaorg(
    dataset_dict: dict[str, Any], site_url: str | None = None, catalog_name: str | None = None
) -> dict[str, Any]:
    """A schema.org Dataset. `site_url` defaults to the current app's; empty values are left
    out so the result stays valid for search engines' structured-data checks."""
    site = (site_url or _current_site_url()).rstrip("/")
    item = v.profiled(dataset_dict)
    page = v.dataset_page(site, dataset_dict)
    title = dataset_dict.get("title") or dataset_dict["name"]
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": page,
        "url": page,
        "name": title,
        "alternateName": dataset_dict.get("title_en"),
        "description": dataset_dict.get("notes") or title,
        "identifier": identifiers(item),
        "keywords": [t["name"] for t in dataset_dict.get("tags") or [] if t.get("name")],
        "license": v.license_uri(site, dataset_dict),
        "version": dataset_dict.get("version"),
        "dateCreated": dataset_dict.get("metadata_created"),
        "dateModified": dataset_dict.get("metadata_modified"),
        "datePublished": _field(item, "dct:issued"),
        "temporalCoverage": temporal_coverage(item),
        "spatialCoverage": spatial_coverage(item),
        "inLanguage": languages(item),
        "isAccessibleForFree": True,
        "variableMeasured": variables(item),
        "distribution": [distribution(r) for r in dataset_dict.get("resources") or []],
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": catalog_name or "开放数据门户",
            "url": f"{site}/",
        },
    }
    org = organization(site, dataset_dict.get("organization"))
    if org:
        data["creator"] = data["publisher"] = org
    return {key: value for key, value in data.items() if value not in v.EMPTY}


def _current_site_url() -> str:
    if not has_app_context():
        raise RuntimeError("dataset_to_schemaorg needs site_url outside an app context")
    return v.site_url_of(current_app)


def _field(item: ProfiledDataset, dcat: str) -> Any:
    for profile_field in item.profile.dataset_fields:
        if profile_field.dcat == dcat and item.get(profile_field.name) is not None:
            return item.get(profile_field.name)
    return None


def identifiers(item: ProfiledDataset) -> list[str] | str:
    code = _field(item, "dct:identifier")
    return [code, item.data["id"]] if code else item.data["id"]


def organization(site_url: str, org: dict[str, Any] | None) -> dict[str, Any] | None:
    if not org or not org.get("name"):
        return None
    data = {
        "@type": "GovernmentOrganization",
        "name": org.get("title") or org["name"],
        "alternateName": org.get("title_en"),
        "url": v.organization_uri(site_url, org),
        "identifier": org.get("code"),
    }
    return {key: value for key, value in data.items() if value}


def temporal_coverage(item: ProfiledDataset) -> str | None:
    start, end = _field(item, "dcat:startDate"), _field(item, "dcat:endDate")
    if start or end:
        return f"{start or '..'}/{end or '..'}"
    return None


def spatial_coverage(item: ProfiledDataset) -> dict[str, str] | None:
    place = _field(item, "dct:spatial")
    return {"@type": "Place", "name": str(place)} if place else None


def languages(item: ProfiledDataset) -> list[str] | str:
    """BCP 47 tags of the dataset's languages (the profile's values: zh, en)."""
    found = _field(item, "dct:language") or []
    return [tag.strip() for tag in found if tag] or DEFAULT_LANGUAGE


def variables(item: ProfiledDataset) -> list[dict[str, Any]] | None:
    """cn-gov data items as the variables the dataset measures."""
    items = _field(item, "dct:conformsTo")
    if not isinstance(items, list):
        return None
    item_field = next((f for f in item.profile.dataset_fields if f.preset == "items"), None)
    if item_field is None:
        return None
    type_field = next((f for f in item_field.item_fields if f.name == "type"), None)
    found = []
    for entry in items:
        type_label = v.label(type_field.choice(str(entry.get("type")))) if type_field else None
        found.append(
            {
                "@type": "PropertyValue",
                "name": entry["name"],
                "description": entry.get("description") or type_label,
            }
        )
    return [{k: val for k, val in f.items() if val} for f in found] or None


def distribution(resource: dict[str, Any]) -> dict[str, Any]:
    data = {
        "@type": "DataDownload",
        "name": resource.get("name") or resource.get("format"),
        "description": resource.get("description"),
        "contentUrl": v.iri(resource.get("url")),
        "encodingFormat": media_type(resource.get("mimetype")) or resource.get("format"),
        "contentSize": str(resource["size"]) if isinstance(resource.get("size"), int) else None,
        "dateModified": resource.get("last_modified"),
    }
    return {key: value for key, value in data.items() if value}
