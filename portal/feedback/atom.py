"""Atom 1.0 documents (RFC 4287) of dataset changes, built with ElementTree (escaped text)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
TITLES = {
    "new package": ("新数据集", "New dataset"),
    "changed package": ("数据集更新", "Dataset updated"),
}


def _stamp(value: str) -> str:
    """Activity times are naive UTC; Atom wants a zone."""
    return value if value.endswith("Z") or "+" in value[10:] else f"{value}Z"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def entry_of(activity: dict[str, Any], site: str) -> dict[str, str]:
    """The entry of one dataset activity (package_activity_list / dashboard_activity_list)."""
    package = (activity.get("data") or {}).get("package") or {}
    zh, en = TITLES.get(activity["activity_type"], (activity["activity_type"],) * 2)
    title = package.get("title") or package.get("name") or activity["object_id"]
    names = [r.get("name") or "" for r in package.get("resources") or []]
    return {
        "id": f"urn:uuid:{activity['id']}",
        "title": f"{zh} / {en}: {title}",
        "updated": _stamp(activity["timestamp"]),
        "link": f"{site}/dataset/{package.get('name') or activity['object_id']}",
        "summary": "；".join(n for n in names if n) or title,
    }


def feed(title: str, self_url: str, page_url: str, entries: list[dict[str, str]]) -> bytes:
    """The Atom document; `updated` is its newest entry's time (or a fixed epoch if none)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _sub(root, "id", self_url)
    _sub(root, "title", title)
    _sub(root, "updated", entries[0]["updated"] if entries else "1970-01-01T00:00:00Z")
    _sub(root, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(root, "link", rel="alternate", href=page_url, type="text/html")
    author = _sub(root, "author")
    _sub(author, "name", "数据开放平台 / Open data portal")
    for item in entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", item["id"])
        _sub(entry, "title", item["title"])
        _sub(entry, "updated", item["updated"])
        _sub(entry, "link", rel="alternate", href=item["link"], type="text/html")
        _sub(entry, "summary", item["summary"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
