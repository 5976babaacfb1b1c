"""Project Open Data 1.1 (`/data.json`): each dataset mapped by its profile's `datajson` keys,
and the catalog streamed page by page so memory stays flat however large the catalog is.

Not produced: `bureauCode` and `programCode`. POD 1.1 requires them, but they are codes of the
US federal budget (OMB Circular A-11 agency/bureau codes, the Federal Program Inventory) that
have no meaning for a Chinese provincial catalog; inventing values would be worse than leaving
them out. Validation against the POD schema therefore exempts exactly those two.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from portal.feeds import values as v
from portal.feeds.dcat import CatalogInfo
from portal.feeds.values import ProfiledDataset
from portal.feeds.vocab import media_type

CONFORMS_TO = "https://project-open-data.cio.gov/v1.1/schema"
CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
DESCRIBED_BY = "https://project-open-data.cio.gov/v1.1/schema/catalog.json"
#: Fields exempt from POD validation (see the module docstring).
US_FEDERAL_ONLY = ("bureauCode", "programCode")
#: cn-gov opening types -> POD accessLevel.
OPEN_TYPE_LEVELS = {
    "unconditional": "public",
    "conditional": "restricted public",
    "not_open": "non-public",
}


def dataset_to_datajson(
    dataset: dict[str, Any], site_url: str, contact_email: str | None = None
) -> dict[str, Any]:
    """One POD 1.1 dataset object; keys without a value are left out. `contact_email` (the
    catalog's) stands in for datasets whose maintainer and author have no e-mail address."""
    item = v.profiled(dataset)
    org = dataset.get("organization") or {}
    title = dataset.get("title") or dataset["name"]
    data: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": title,
        "description": dataset.get("notes") or title,
        "keyword": keywords(dataset),
        "modified": dataset.get("metadata_modified"),
        "publisher": {"@type": "org:Organization", "name": org.get("title") or org.get("name")},
        "contactPoint": contact_point(dataset, contact_email),
        "identifier": _mapped(item, "identifier") or dataset["id"],
        "accessLevel": access_level(item),
        "license": v.license_uri(site_url, dataset),
        "landingPage": v.iri(dataset.get("url")) or v.dataset_page(site_url, dataset),
        "issued": _mapped(item, "issued") or dataset.get("metadata_created"),
        "accrualPeriodicity": frequency(item),
        "language": _mapped(item, "language"),
        "theme": [g.get("title") or g["name"] for g in dataset.get("groups") or []] or None,
        "spatial": _mapped(item, "spatial"),
        "temporal": temporal(item),
        "conformsTo": v.iri(_mapped(item, "conformsTo")),
        "references": references(item, site_url),
        "distribution": [distribution(r) for r in dataset.get("resources") or []] or None,
    }
    if not org:
        del data["publisher"]
    return {key: value for key, value in data.items() if value not in v.EMPTY}


def _mapped(item: ProfiledDataset, key: str) -> Any:
    """The value of the profile field whose data.json key is `key`."""
    for profile_field in item.profile.dataset_fields:
        if profile_field.datajson == key and item.get(profile_field.name) is not None:
            return item.get(profile_field.name)
    return None


def keywords(dataset: dict[str, Any]) -> list[str]:
    """Tags; POD requires at least one, so an untagged dataset gives its themes' titles, or its
    department's."""
    found = [t["name"] for t in dataset.get("tags") or [] if t.get("name")]
    found = found or [g.get("title") or g["name"] for g in dataset.get("groups") or []]
    org = dataset.get("organization") or {}
    return found or [org.get("title") or org.get("name") or dataset["name"]]


def contact_point(dataset: dict[str, Any], fallback: str | None = None) -> dict[str, str] | None:
    own = v.email(dataset.get("maintainer_email")) or v.email(dataset.get("author_email"))
    mail = own or v.email(fallback)
    if not mail:
        return None
    org = dataset.get("organization") or {}
    named = (dataset.get("maintainer") or dataset.get("author")) if own else None
    name = named or org.get("title") or mail
    return {"@type": "vcard:Contact", "fn": name, "hasEmail": f"mailto:{mail}"}


def access_level(item: ProfiledDataset) -> str:
    """From the profile's accessLevel field (its choice's `datajson`), else from cn-gov's
    opening type; a dataset in a public feed is public otherwise."""
    for profile_field in item.profile.dataset_fields:
        choice = item.choice(profile_field.name)
        if profile_field.datajson == "accessLevel" and choice is not None:
            return choice.extra.get("datajson", "public")
    return OPEN_TYPE_LEVELS.get(str(item.get("open_type")), "public")


def frequency(item: ProfiledDataset) -> str | None:
    """ISO 8601 repeating duration (R/P1M) from the frequency choice's `iso`."""
    for profile_field in item.profile.dataset_fields:
        choice = item.choice(profile_field.name)
        if profile_field.datajson == "accrualPeriodicity" and choice is not None:
            return choice.extra.get("iso")
    return None


def temporal(item: ProfiledDataset) -> str | None:
    bounds = {f.dcat: item.get(f.name) for f in item.profile.dataset_fields}
    start, end = bounds.get("dcat:startDate"), bounds.get("dcat:endDate")
    if start and end:
        return f"{start}/{end}"
    return None


def references(item: ProfiledDataset, site_url: str) -> list[str] | None:
    """POD references are URLs: related resource codes become their portal URIs."""
    codes = _mapped(item, "references") or []
    return [v.resource_code_uri(site_url, code) for code in codes] or None


def distribution(resource: dict[str, Any]) -> dict[str, Any]:
    url = v.iri(resource.get("url"))
    mime = media_type(resource.get("mimetype")) or media_type(resource.get("media_type"))
    data: dict[str, Any] = {
        "@type": "dcat:Distribution",
        "title": resource.get("name"),
        "description": resource.get("description"),
        "format": resource.get("format"),
        "mediaType": mime,
    }
    # A downloadURL needs a mediaType (POD); without one the URL is given as accessURL.
    if url and mime and resource.get("url_type") == "upload":
        data["downloadURL"] = url
    elif url:
        data["accessURL"] = url
    return {key: value for key, value in data.items() if value not in v.EMPTY}


def catalog_head(info: CatalogInfo) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@id": f"{info.site_url}/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": CONFORMS_TO,
        "describedBy": DESCRIBED_BY,
    }


def stream_catalog(info: CatalogInfo, datasets: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The data.json document in chunks: the head, then one dataset at a time."""
    head = json.dumps(catalog_head(info), ensure_ascii=False)
    yield head[:-1] + ', "dataset": ['
    for number, dataset in enumerate(datasets):
        mapped = dataset_to_datajson(dataset, info.site_url, info.email)
        text = json.dumps(mapped, ensure_ascii=False)
        yield ("\n" if number == 0 else ",\n") + text
    yield "\n]}\n"
