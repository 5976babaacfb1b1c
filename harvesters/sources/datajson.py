"""The `datajson` source type: a Project Open Data 1.1 catalog (`data.json`).

The file is parsed as it downloads (ijson over the fetched stream), one dataset at a time, so a
catalog of 100,000 datasets takes no more memory than one of ten. A body that is truncated or
malformed stops the gather with an error: what was read before is imported, nothing is
withdrawn. A bare list of datasets (the POD 1.0 form) is accepted too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import ijson

from harvesters.errors import ParseError
from harvesters.registry import RemoteRecord, SourceType, register
from schemas.profiles import profile_for_type

ACCEPT = "application/json, */*;q=0.5"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# POD keys copied to extras as they are (lists as JSON).
EXTRA_KEYS = (
    "modified",
    "bureauCode",
    "programCode",
    "dataQuality",
    "describedBy",
    "describedByType",
    "isPartOf",
    "primaryITInvestmentUII",
    "references",
    "systemOfRecords",
    "rights",
)


class ChunkReader:
    """A file-like `read(n)` over an iterator of byte chunks (what ijson consumes)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._buffer + b"".join(self._chunks)
            self._buffer = b""
            return data
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def peek(self) -> bytes:
        """The first non-blank byte, without consuming anything."""
        while True:
            stripped = self._buffer.lstrip(b" \t\r\n\xef\xbb\xbf")
            if stripped:
                return stripped[:1]
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._buffer += chunk


def _frequencies() -> dict[str, str]:
    field = profile_for_type("dataset", "dcat-ap").field("frequency")
    table: dict[str, str] = {}
    for choice in field.choices if field else ():
        iso = choice.extra.get("iso")
        if iso:
            table.setdefault(str(iso).upper(), choice.value)
    return table


def _access_levels() -> dict[str, str]:
    field = profile_for_type("dataset", "dcat-ap").field("access_rights")
    return {
        str(c.extra["datajson"]).lower(): c.value
        for c in (field.choices if field else ())
        if c.extra.get("datajson")
    }


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@register
class DataJsonSource(SourceType):
    name = "datajson"
    label = "Project Open Data 1.1 (data.json)"
    config_keys = {"default_groups": list}

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        self.frequencies = _frequencies()
        self.access_levels = _access_levels()

    def gather(self) -> Iterator[RemoteRecord]:
        with self.run.fetch(self.source.url, {"Accept": ACCEPT}) as result:
            reader = ChunkReader(result.iter_content())
            first = reader.peek()
            if first not in (b"{", b"["):
                raise ParseError("The file is not a data.json catalog (no JSON object or list).")
            prefix = "dataset.item" if first == b"{" else "item"
            try:
                for number, entry in enumerate(ijson.items(reader, prefix, use_float=True), 1):
                    if not isinstance(entry, dict):
                        continue
                    rid = _text(entry.get("identifier"))
                    label = f"dataset {number} ({_text(entry.get('title')) or rid})"
                    yield RemoteRecord(rid, entry, _text(entry.get("landingPage")), label)
            except ijson.JSONError as exc:
                raise ParseError(f"The data.json file is truncated or malformed: {exc}") from None

    def map(self, record: RemoteRecord, content: Any) -> dict[str, Any]:
        entry: dict[str, Any] = content
        extras: dict[str, Any] = {}
        data: dict[str, Any] = {
            "type": "dataset",
            "title": _text(entry.get("title")),
            "notes": _text(entry.get("description")),
            "url": _text(entry.get("landingPage")),
            "tags": [k for k in _as_list(entry.get("keyword")) if isinstance(k, str)],
        }
        license_url = _text(entry.get("license"))
        data["license_id"] = self.run.license_id(license_url)
        if license_url and data["license_id"] is None:
            extras["license"] = license_url
        contact = entry.get("contactPoint")
        if isinstance(contact, dict):
            data["maintainer"] = _text(contact.get("fn"))
            email = _text(contact.get("hasEmail"))
            if email:
                data["maintainer_email"] = email.removeprefix("mailto:")
        publisher = entry.get("publisher")
        if isinstance(publisher, dict) and _text(publisher.get("name")):
            extras["publisher_name"] = _text(publisher.get("name"))
            parent = publisher.get("subOrganizationOf")
            if isinstance(parent, dict) and _text(parent.get("name")):
                extras["publisher_parent"] = _text(parent.get("name"))
        if _text(entry.get("identifier")):
            extras["identifier"] = _text(entry.get("identifier"))
        self._profile_fields(entry, data, extras)
        themes = [t for t in _as_list(entry.get("theme")) if isinstance(t, str)]
        names = themes + [g for g in self.config.get("default_groups") or [] if isinstance(g, str)]
        data["groups"] = self.run.local_groups(names)
        if themes:
            extras["theme"] = json.dumps(themes, ensure_ascii=False)
        for key in EXTRA_KEYS:
            value = entry.get(key)
            if value not in (None, "", []):
                extras[key] = value if isinstance(value, str) else json.dumps(value)
        data["resources"] = [
            self._resource(d) for d in _as_list(entry.get("distribution")) if isinstance(d, dict)
        ]
        data["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
        return data

    def _profile_fields(self, entry: dict[str, Any], data: dict[str, Any], extras: dict) -> None:
        issued = _text(entry.get("issued"))
        if issued and DATE.match(issued):
            data["issued"] = issued[:10]
        elif issued:
            extras["issued"] = issued
        periodicity = _text(entry.get("accrualPeriodicity"))
        if periodicity:
            code = self.frequencies.get(periodicity.upper())
            if code:
                data["frequency"] = code
            else:
                extras["accrualPeriodicity"] = periodicity
        access = _text(entry.get("accessLevel"))
        if access and access.lower() in self.access_levels:
            data["access_rights"] = self.access_levels[access.lower()]
        languages = []
        for lang in _as_list(entry.get("language")):
            code = lang.split("-")[0].lower() if isinstance(lang, str) else ""
            if code in ("zh", "en") and code not in languages:
                languages.append(code)
        if languages:
            data["language"] = languages
        spatial = _text(entry.get("spatial"))
        if spatial:
            data["spatial"] = spatial[:500]
        temporal = _text(entry.get("temporal"))
        if temporal:
            parts = temporal.split("/")
            if len(parts) == 2 and DATE.match(parts[0]) and DATE.match(parts[1]):
                data["temporal_start"], data["temporal_end"] = parts[0][:10], parts[1][:10]
            else:
                extras["temporal"] = temporal
        conforms = _text(entry.get("conformsTo"))
        if conforms:
            data["conforms_to"] = conforms

    def _resource(self, dist: dict[str, Any]) -> dict[str, Any]:
        url = _text(dist.get("downloadURL")) or _text(dist.get("accessURL")) or ""
        resource: dict[str, Any] = {
            "url": url,
            "name": _text(dist.get("title")),
            "description": _text(dist.get("description")),
            "format": _text(dist.get("format")),
            "mimetype": _text(dist.get("mediaType")),
        }
        if _text(dist.get("accessURL")) and _text(dist.get("downloadURL")):
            resource["access_url"] = _text(dist.get("accessURL"))
        if _text(dist.get("conformsTo")):
            resource["conforms_to"] = _text(dist.get("conformsTo"))
        if _text(dist.get("describedBy")):
            resource["described_by"] = _text(dist.get("describedBy"))
        return {k: v for k, v in resource.items() if v is not None}
