"""The named checks that schemas/quality/mqa.yaml refers to.

A check is `fn(subject, target, **params) -> bool | None`. Dataset checks get the dataset dict
as `target`; resource checks get one resource dict and may answer None when they do not apply
to it (a page or an API has no download URL to reach). The YAML says, per indicator, which check
runs, on which of our fields, and how resource results combine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portal.catalog.profiles import profile_of
from schemas.profiles import Field, Profile

CheckFn = Callable[..., bool | None]


@dataclass(frozen=True)
class Check:
    name: str
    scope: str  # "dataset" or "resource"
    func: CheckFn


CHECKS: dict[str, Check] = {}


def check(name: str, scope: str = "dataset") -> Callable[[CheckFn], CheckFn]:
    def register(func: CheckFn) -> CheckFn:
        CHECKS[name] = Check(name, scope, func)
        return func

    return register


@dataclass
class Subject:
    """What the checks of one dataset share: the dataset, its link check results, its profile
    and the vocabularies. Format codes are worked out once per resource."""

    dataset: dict[str, Any]
    links: dict[str, dict[str, Any]] | None
    profile: Profile
    vocabularies: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)
    _formats: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, dataset: dict[str, Any], links: dict[str, dict[str, Any]] | None, vocab: dict
    ) -> Subject:
        profile = profile_of(dataset.get("type"))
        resources = [r for r in dataset.get("resources") or [] if isinstance(r, dict)]
        return cls(dataset, links, profile, vocab, extras_of(dataset), resources)

    def value(self, name: str) -> Any:
        """A dataset field: the top-level key, else the extra of that name."""
        value = self.dataset.get(name)
        return value if filled(value) else self.extras.get(name)

    def format_code(self, resource: dict[str, Any]) -> str:
        key = id(resource)
        if key not in self._formats:
            self._formats[key] = normalize_format(resource.get("format"), self.vocabularies)
        return self._formats[key]


def extras_of(dataset: dict[str, Any]) -> dict[str, Any]:
    extras = dataset.get("extras") or []
    if isinstance(extras, dict):
        return extras
    return {e["key"]: e.get("value") for e in extras if isinstance(e, dict) and "key" in e}


def filled(value: Any) -> bool:
    """Whether a value counts as given: None, blank text and empty lists or dicts do not."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict | set):
        return len(value) > 0
    return True


def normalize_format(raw: Any, vocab: dict[str, Any]) -> str:
    """A format name as an EU file-type code: ".csv" -> CSV, "ttl" -> RDF_TURTLE."""
    if not isinstance(raw, str) or not raw.strip():
        return ""
    aliases = vocab.get("format_aliases") or {}
    text = " ".join(raw.strip().lstrip(".").upper().split())
    if text in aliases:
        return aliases[text]
    code = text.replace("-", "_").replace(" ", "_")
    return aliases.get(code, code)


def media_type(resource: dict[str, Any]) -> str:
    raw = resource.get("mimetype") or resource.get("media_type") or ""
    return raw.split(";", 1)[0].strip().lower() if isinstance(raw, str) else ""


def _in_vocabulary(value: Any, vocabulary: Any) -> bool:
    """Match a value (or its last URI segment, as in an EU authority URI) case-insensitively."""
    if not isinstance(value, str) or not value.strip():
        return False
    text = value.strip()
    candidates = {text, text.rstrip("/").rsplit("/", 1)[-1]}
    keys = {str(k).lower() for k in vocabulary}
    return any(c.lower() in keys for c in candidates)


def _link_passes(subject: Subject, resource: dict[str, Any], unchecked: str) -> bool:
    if resource.get("url_type") == "upload":
        return True
    result = (subject.links or {}).get(resource.get("id") or "")
    if result is None:
        return unchecked == "pass"
    return bool(result.get("ok"))


# --- dataset checks ------------------------------------------------------------------------


@check("present")
def present(
    subject: Subject,
    dataset: dict[str, Any],
    fields: list[str],
    resource_fields: list[str] | None = None,
    resources: str = "all",
) -> bool:
    """One of `fields` is given on the dataset; failing that, one of `resource_fields` on
    every (or, with resources: any, some) resource."""
    if any(filled(subject.value(name)) for name in fields):
        return True
    if not resource_fields or not subject.resources:
        return False
    has = [any(filled(r.get(name)) for name in resource_fields) for r in subject.resources]
    return all(has) if resources == "all" else any(has)


@check("in_vocabulary")
def in_vocabulary(
    subject: Subject,
    dataset: dict[str, Any],
    fields: list[str],
    vocabulary: str,
    resource_fields: list[str] | None = None,
) -> bool:
    """The first given of `fields` is in the vocabulary; failing that, every resource's first
    given `resource_fields` value is."""
    terms = subject.vocabularies[vocabulary]
    for name in fields:
        value = subject.value(name)
        if filled(value):
            return _in_vocabulary(value, terms)
    if not resource_fields or not subject.resources:
        return False
    values = [
        next((r[n] for n in resource_fields if filled(r.get(n))), None) for r in subject.resources
    ]
    return all(_in_vocabulary(v, terms) for v in values)


@check("profile_compliant")
def profile_compliant(subject: Subject, dataset: dict[str, Any], core: list[str]) -> bool:
    """Stands in for MQA's DCAT-AP SHACL validation: the core mandatory fields, a link on every
    resource, and the dataset's profile satisfied (required fields, choices, patterns, dates,
    conditional rules)."""
    if not all(filled(dataset.get(name)) for name in core):
        return False
    if not all(filled(r.get("url")) for r in subject.resources):
        return False
    profile = subject.profile
    values = {f.name: subject.value(f.name) for f in profile.dataset_fields}
    if not all(_field_ok(f, values[f.name]) for f in profile.dataset_fields):
        return False
    return not any(rule.violated(values) for rule in profile.rules)


def _field_ok(item: Field, value: Any) -> bool:
    if not filled(value):
        return not item.required
    if item.preset == "select":
        return _choice_ok(item, value)
    if item.preset == "multi_select":
        return all(_choice_ok(item, v) for v in _as_list(value) if filled(v))
    if item.preset == "date":
        return _is_date(value)
    if item.preset == "items":
        rows = _as_list(value)
        return all(_item_ok(item, row) for row in rows)
    if item.pattern and isinstance(value, str):
        return re.fullmatch(item.pattern, value) is not None
    return True


def _as_list(value: Any) -> list[Any]:
    """A list value; extras hold lists as JSON text or as "a, b"."""
    if isinstance(value, list):
        return value
    text = str(value).strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, list):
            return loaded
    return re.split(r"[,，;；]", text)


def _choice_ok(item: Field, value: Any) -> bool:
    return item.choice(str(item.normalize_choice(value))) is not None


def _item_ok(item: Field, row: Any) -> bool:
    if not isinstance(row, dict):
        return False
    return all(filled(row.get(f.name)) for f in item.item_fields if f.required)


def _is_date(value: Any) -> bool:
    if isinstance(value, date):
        return True
    try:
        date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return True


# --- resource checks -----------------------------------------------------------------------


@check("resource_value", scope="resource")
def resource_value(
    subject: Subject, resource: dict[str, Any], fields: list[str], files_only: str | None = None
) -> bool | None:
    """One of `fields` is given on the resource. With `files_only` (the service formats),
    pages and APIs are left out: a byte size only means something for a file."""
    if files_only and not download_url(subject, resource, files_only):
        return None
    return any(filled(resource.get(name)) for name in fields)


@check("link_ok", scope="resource")
def link_ok(subject: Subject, resource: dict[str, Any], unchecked: str = "pass") -> bool:
    """The access URL is given and answers (an upload always does)."""
    if not filled(resource.get("url")):
        return False
    return _link_passes(subject, resource, unchecked)


@check("download_url", scope="resource")
def download_url(subject: Subject, resource: dict[str, Any], service_formats: str) -> bool:
    """A file to download: an upload, an explicit download_url, or a link in a file format
    (not a page or a service)."""
    if resource.get("url_type") == "upload" or filled(resource.get("download_url")):
        return True
    code = subject.format_code(resource)
    services = subject.vocabularies[service_formats]
    return filled(resource.get("url")) and bool(code) and code not in services


@check("download_link_ok", scope="resource")
def download_link_ok(
    subject: Subject, resource: dict[str, Any], service_formats: str, unchecked: str = "pass"
) -> bool | None:
    """The download URL answers; None for a resource that offers no download. A separate
    download_url is not link-checked, so it counts as unchecked."""
    if not download_url(subject, resource, service_formats):
        return None
    separate = resource.get("download_url")
    if filled(separate) and separate != resource.get("url"):
        return unchecked == "pass"
    return _link_passes(subject, resource, unchecked)


@check("format_given", scope="resource")
def format_given(subject: Subject, resource: dict[str, Any]) -> bool:
    return bool(subject.format_code(resource))


@check("media_type_given", scope="resource")
def media_type_given(subject: Subject, resource: dict[str, Any]) -> bool:
    return bool(media_type(resource))


@check("format_from_vocabulary", scope="resource")
def format_from_vocabulary(
    subject: Subject, resource: dict[str, Any], file_types: str, media_types: str
) -> bool:
    """At least one of format and media type is given, and each one given is from its
    vocabulary (EU file types, IANA media types)."""
    code, mime = subject.format_code(resource), media_type(resource)
    if not code and not mime:
        return False
    if code and code not in subject.vocabularies[file_types]:
        return False
    return not mime or mime in subject.vocabularies[media_types]


@check("format_in", scope="resource")
def format_in(subject: Subject, resource: dict[str, Any], vocabulary: str) -> bool:
    return subject.format_code(resource) in subject.vocabularies[vocabulary]
