"""Reading a dataset dict the way every feed needs it: its profile, the profile field values,
choice labels and extras, dates, URLs and e-mail addresses, checked once here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from schemas.profiles import Choice, Field, Profile, profile_for_type

EMPTY = (None, "", [], {})
_LIST_PRESETS = ("multi_select", "list", "items")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
# Characters that may not appear in an IRI (RFC 3987) and are percent-encoded instead.
_IRI_UNSAFE = "".join(chr(c) for c in range(0x21)) + ' <>"{}|\\^`\x7f'
_WEB = ("http", "https", "ftp")
_PLAIN_URL = re.compile(r"^(?:https?|ftp)://[A-Za-z0-9._~-][A-Za-z0-9._~:/?#@!$&'()*+,;=%\[\]-]*$")
_IRI_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in _IRI_UNSAFE)


@dataclass(frozen=True)
class ProfiledDataset:
    """A dataset dict with its metadata profile and the profile's non-empty field values."""

    data: dict[str, Any]
    profile: Profile
    values: dict[str, Any]

    def field(self, name: str) -> Field | None:
        return self.profile.field(name)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def choice(self, name: str) -> Choice | None:
        item = self.profile.field(name)
        value = self.values.get(name)
        return item.choice(str(value)) if item is not None and value is not None else None


def profiled(dataset: dict[str, Any]) -> ProfiledDataset:
    return ProfiledDataset(dataset, profile_for_type(dataset.get("type")), profile_values(dataset))


def profile_values(dataset: dict[str, Any]) -> dict[str, Any]:
    """The profile fields of a dataset: top-level keys (as package_show returns them), or extras
    of the same name (where a client stored them while the actions did not accept them yet)."""
    profile = profile_for_type(dataset.get("type"))
    extras = extras_dict(dataset)
    values: dict[str, Any] = {}
    for item in profile.dataset_fields:
        value = dataset.get(item.name)
        if value in EMPTY and item.name in extras:
            value = _decode(extras[item.name])
        value = _shape(item, value)
        if value not in EMPTY:
            values[item.name] = value
    return values


def extras_dict(dataset: dict[str, Any]) -> dict[str, Any]:
    return {e["key"]: e.get("value") for e in dataset.get("extras") or [] if e.get("key")}


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _shape(item: Field, value: Any) -> Any:
    """Lists stay lists, a comma-separated string becomes one; items must be dicts."""
    if value is None or value == "" or value == []:
        return None
    preset = item.preset
    if type(value) is str and preset not in _LIST_PRESETS:
        return value
    if preset in ("multi_select", "list"):
        if isinstance(value, str):
            value = [v.strip() for v in re.split(r"[,，;；\n]", value)]
        return [str(v) for v in value if v not in EMPTY] if isinstance(value, list) else None
    if item.preset == "items":
        return [v for v in value if isinstance(v, dict) and v.get("name")] or None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def label(choice: Choice | None, lang: str = "zh") -> str | None:
    if choice is None:
        return None
    return choice.label.get(lang) or choice.label.get("en") or choice.value


def choice_labels(item: Field | None, values: list[str], lang: str = "zh") -> list[str]:
    if item is None:
        return list(values)
    return [label(item.choice(v), lang) or v for v in values]


def date_kind(value: Any) -> str | None:
    """'date' or 'datetime' for an ISO value, None when it is neither."""
    if not isinstance(value, str):
        return None
    if _DATE.match(value):
        return "date"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return "datetime"


def iri(value: Any, schemes: tuple[str, ...] = ("http", "https", "ftp")) -> str | None:
    """A usable absolute IRI for a URL a user typed, or None (relative, javascript:, ...)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if schemes == _WEB and _PLAIN_URL.match(text):  # the common case: nothing to escape
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not parts.netloc:
        return None
    return quote(text, safe=_IRI_SAFE)


def email(value: Any) -> str | None:
    if isinstance(value, str) and _EMAIL.match(value.strip()):
        return value.strip()
    return None


def mailto(address: str) -> str:
    return "mailto:" + quote(address, safe="@!$&'()*+,;=.-_~")


def texts(primary: str | None, english: str | None) -> list[tuple[str, str | None]]:
    """(text, language) pairs: tagged @zh / @en when an English version exists, else untagged."""
    if not primary:
        return [(english, "en")] if english else []
    if english:
        return [(primary, "zh"), (english, "en")]
    return [(primary, None)]


def site_url_of(app: Any) -> str:
    return app.extensions["portal.settings"].site_url.rstrip("/")


def dataset_uri(site_url: str, dataset: dict[str, Any]) -> str:
    return f"{site_url}/dataset/{dataset['id']}"


def dataset_page(site_url: str, dataset: dict[str, Any]) -> str:
    return f"{site_url}/dataset/{dataset['name']}"


def license_uri(site_url: str, dataset: dict[str, Any]) -> str | None:
    """The licence's own URL, or a portal URI for licences that have none."""
    url = iri(dataset.get("license_url"))
    if url:
        return url
    if dataset.get("license_id"):
        return f"{site_url}/license/{quote(dataset['license_id'], safe='')}"
    return None


def resource_code_uri(site_url: str, code: str) -> str:
    return f"{site_url}/resource-code/{quote(code, safe='/')}"


def organization_uri(site_url: str, org: dict[str, Any]) -> str:
    return f"{site_url}/organization/{org['name']}"


def group_uri(site_url: str, group: dict[str, Any]) -> str:
    return f"{site_url}/group/{group['name']}"


def sha256_hex(value: Any) -> str | None:
    """The hex digest of a resource `hash` such as 'sha256:ab12...' (or a bare 64-hex digest)."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text.startswith("sha256:"):
        text = text[7:]
    elif ":" in text:
        return None
    return text if re.fullmatch(r"[0-9a-f]{64}", text) else None
