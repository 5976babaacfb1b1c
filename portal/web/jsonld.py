"""schema.org Dataset JSON-LD embedded in dataset pages.

The feeds package (`portal.feeds.schemaorg.dataset_to_schemaorg`) is the owner of this mapping;
until it exists, a minimal mapping is built here.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup


def _feeds_mapping():  # noqa: ANN202
    try:
        from portal.feeds.schemaorg import dataset_to_schemaorg
    except ImportError:
        return None
    return dataset_to_schemaorg


def minimal_schemaorg(dataset: dict[str, Any], page_url: str, site_url: str) -> dict[str, Any]:
    org = dataset.get("organization") or {}
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": page_url,
        "url": page_url,
        "identifier": dataset.get("id"),
        "name": dataset.get("title") or dataset.get("name"),
        "description": dataset.get("notes") or dataset.get("title") or dataset.get("name"),
        "keywords": [t["name"] for t in dataset.get("tags") or []],
        "dateCreated": dataset.get("metadata_created"),
        "dateModified": dataset.get("metadata_modified"),
        "inLanguage": "zh-CN",
        "isAccessibleForFree": True,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "开放数据门户", "url": site_url},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": r.get("name") or r.get("format") or r.get("id"),
                "encodingFormat": r.get("mimetype") or r.get("format"),
                "contentUrl": r.get("url"),
                **({"contentSize": str(r["size"])} if r.get("size") else {}),
            }
            for r in dataset.get("resources") or []
        ],
    }
    if dataset.get("title_en"):
        data["alternateName"] = dataset["title_en"]
    if dataset.get("license_url") or dataset.get("license_id"):
        data["license"] = dataset.get("license_url") or dataset.get("license_id")
    if org:
        data["publisher"] = data["creator"] = {
            "@type": "GovernmentOrganization",
            "name": org.get("title") or org.get("name"),
        }
    if dataset.get("version"):
        data["version"] = dataset["version"]
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def dataset_jsonld(dataset: dict[str, Any], page_url: str, site_url: str) -> Markup:
    """The JSON-LD, safe to place inside <script type="application/ld+json">."""
    mapping = _feeds_mapping()
    data = None
    if mapping is not None:
        try:
            data = mapping(dataset, site_url)
        except Exception:  # the page must render even if the feed mapping trips
            data = None
    if data is None:
        data = minimal_schemaorg(dataset, page_url, site_url)
    text = json.dumps(data, ensure_ascii=False, default=str)
    # "</script>" or "<!--" inside a string value must not end the script element.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - JSON with <, > and & escaped
