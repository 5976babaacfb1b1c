"""Models to the dicts the API returns, shaped exactly like CKAN's."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from portal.catalog.models import Dataset, Group, License, Organization, Resource


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def iri_segment(text: str) -> str:
    """A path segment that is a valid IRI: ASCII outside the unreserved set is percent-encoded
    (a space becomes %20), Chinese and other non-ASCII letters stay readable."""
    return "".join(c if ord(c) > 127 else quote(c, safe="") for c in text)


def upload_filename(url: str) -> str:
    """The file name at the end of a download URL, decoded (iri_segment's inverse)."""
    return unquote(url.rsplit("/", 1)[-1])


def download_url(site_url: str, resource: Resource) -> str:
    filename = iri_segment(resource.url.rsplit("/", 1)[-1])
    return f"{site_url}/dataset/{resource.package_id}/resource/{resource.id}/download/{filename}"


def resource_dictize(resource: Resource, site_url: str) -> dict[str, Any]:
    url = resource.url
    if resource.url_type == "upload":
        url = download_url(site_url, resource)
    data = {
        **(resource.extras or {}),
        "id": resource.id,
        "package_id": resource.package_id,
        "url": url,
        "url_type": resource.url_type,
        "name": resource.name,
        "description": resource.description,
        "format": resource.format,
        "mimetype": resource.mimetype,
        "size": resource.size,
        "hash": resource.hash,
        "position": resource.position,
        "state": resource.state,
        "created": iso(resource.created),
        "last_modified": iso(resource.last_modified),
        "metadata_modified": iso(resource.metadata_modified),
        "datastore_active": (resource.extras or {}).get("datastore_active") is True,
    }
    return data


def organization_summary(org: Organization) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "title": org.title,
        "title_en": org.title_en,
        "type": "organization",
        "description": org.description or "",
        "image_url": org.image_url or "",
        "code": org.code,
        "created": iso(org.created),
        "is_organization": True,
        "approval_status": "approved",
        "state": org.state,
    }


def group_summary(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "title": group.title,
        "title_en": group.title_en,
        "display_name": group.title or group.name,
        "description": group.description or "",
        "image_display_url": group.image_url or "",
    }


def package_dictize(
    dataset: Dataset, site_url: str, licenses: dict[str, License]
) -> dict[str, Any]:
    license_ = licenses.get(dataset.license_id or "")
    resources = [resource_dictize(r, site_url) for r in dataset.active_resources]
    tags = [
        {
            "id": t.id,
            "name": t.name,
            "display_name": t.name,
            "state": "active",
            "vocabulary_id": None,
        }
        for t in dataset.tags
    ]
    return {
        # Profile fields first, so no profile can shadow a core CKAN key.
        **(dataset.profile_fields or {}),
        "id": dataset.id,
        "name": dataset.name,
        "title": dataset.title,
        "title_en": dataset.title_en,
        "notes": dataset.notes,
        "url": dataset.url,
        "version": dataset.version,
        "author": dataset.author,
        "author_email": dataset.author_email,
        "maintainer": dataset.maintainer,
        "maintainer_email": dataset.maintainer_email,
        "license_id": dataset.license_id,
        "license_title": license_.title if license_ else dataset.license_id,
        "license_url": license_.url if license_ else None,
        "isopen": bool(license_ and license_.is_open),
        "private": dataset.private,
        "state": dataset.state,
        "type": dataset.type,
        "owner_org": dataset.owner_org,
        "organization": organization_summary(dataset.organization)
        if dataset.organization
        else None,
        "creator_user_id": dataset.creator_user_id,
        "metadata_created": iso(dataset.metadata_created),
        "metadata_modified": iso(dataset.metadata_modified),
        "tags": tags,
        "num_tags": len(tags),
        "groups": [group_summary(g) for g in dataset.groups],
        "extras": [{"key": k, "value": v} for k, v in sorted((dataset.extras or {}).items())],
        "resources": resources,
        "num_resources": len(resources),
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "quality": dataset.quality,
    }


def license_dictize(license_: License) -> dict[str, Any]:
    return {
        "id": license_.id,
        "title": license_.title,
        "title_zh": license_.title_zh,
        "url": license_.url or "",
        "is_okd_compliant": license_.is_open,
        "od_conformance": "approved" if license_.is_open else "not reviewed",
        "status": "active",
    }
