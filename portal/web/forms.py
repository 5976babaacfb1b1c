"""The dataset form, generated from the metadata profile of the dataset's type: reading the
posted form into an action payload, and putting the action's field-keyed validation errors
back next to the fields."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from portal.catalog.models import TEXT_FIELDS
from portal.web.i18n import bilingual, current_locale
from schemas.profiles import translated, translations


def N_(message: str) -> str:  # noqa: N802 - the conventional marker for translatable messages
    """Marks a message for extraction (pybabel -k N_) without translating it here."""
    return message


# Messages the actions return for core fields; the catalog translates them.
CORE_MESSAGES = (
    N_("Missing value"),
    N_("Must be 2 to 100 characters of lowercase letters (a-z), digits, '-' and '_'."),
    N_("That URL is already in use."),
    N_("Organization does not exist"),
    N_("Not a valid email address."),
    N_("Give a URL or upload a file."),
    N_("Tags may not contain commas or newlines."),
    N_("User not found"),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid date."),
    N_("Not a valid choice."),
    N_("Not a valid URL."),
    # Uploads refused by portal.files.sniff.
    N_("Executable programs cannot be uploaded."),
    N_("HTML pages and scripts cannot be uploaded as data."),
    N_("The file is binary, but its declared format is a text format (CSV, JSON, XML, ...)."),
    N_(
        "The file is not the kind of file its declared format says "
        "(XLSX and other Office Open XML files are zip archives, XLS files Office 97-2003 files)."
    ),
)

CORE_TEXT_FIELDS = (*TEXT_FIELDS, "license_id")
TAG_SPLIT = re.compile(r"[,，;；\n]")


def translate_error(message: Any) -> str:
    text = str(message)
    if current_locale().startswith("zh"):
        found = translated(text, translations("zh"))
        if found is not None:
            return found
    return gettext(text)


def messages(value: Any) -> list[str]:
    """Flat, translated messages from one field's error value."""
    if value is None:
        return []
    if isinstance(value, str):
        return [translate_error(value)]
    if isinstance(value, dict):
        return [m for v in value.values() for m in messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in messages(v)]
    return [translate_error(value)]


# --- profile values --------------------------------------------------------------------------


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def stored_profile_values(dataset: dict[str, Any], profile: Any) -> dict[str, Any]:
    """A dataset's profile field values: top-level keys (the design), or extras of the same
    name (written by this form while the catalog actions did not accept profile fields)."""
    extras = {e["key"]: e["value"] for e in dataset.get("extras") or []}
    values = {}
    for item in profile.dataset_fields:
        value = dataset.get(item.name)
        if value in (None, "", []) and item.name in extras:
            value = _decode(extras[item.name])
        values[item.name] = value
    return values


# --- view models for the template ------------------------------------------------------------


@dataclass
class FormField:
    name: str
    label: str
    help: str
    preset: str
    required: bool
    choices: list[tuple[str, str]]
    value: Any
    errors: list[str]
    item_fields: list[FormField] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_errors: list[dict[str, list[str]]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"field-{self.name}"

    def selected(self, choice: str) -> bool:
        if isinstance(self.value, list):
            return choice in self.value
        return self.value == choice


def _form_field(item: Any, value: Any, error: Any) -> FormField:
    built = FormField(
        name=item.name,
        label=bilingual(item.label),
        help=bilingual(item.help),
        preset=item.preset,
        required=item.required,
        choices=[(c.value, bilingual(c.label)) for c in item.choices],
        value=value,
        errors=[] if item.preset == "items" else messages(error),
    )
    if item.preset == "list" and isinstance(value, list):
        built.value = ", ".join(str(v) for v in value)
    if item.preset == "items":
        built.item_fields = [_form_field(sub, None, None) for sub in item.item_fields]
        built.rows = [row for row in value or [] if isinstance(row, dict)]
        if isinstance(error, list):
            built.row_errors = [
                {k: messages(v) for k, v in (e or {}).items()} if isinstance(e, dict) else {}
                for e in error
            ]
        elif error:
            built.errors = messages(error)
    return built


def profile_form(profile: Any, values: dict[str, Any], errors: dict[str, Any]) -> list[FormField]:
    return [
        _form_field(item, values.get(item.name), errors.get(item.name))
        for item in profile.dataset_fields
    ]


# --- reading the posted form -----------------------------------------------------------------


def checked(form: Any, key: str) -> bool:
    """Whether a checkbox (or a hidden true/false input) was sent as on."""
    return form.get(key) in ("on", "true", "1", "yes")


def _text(form: Any, key: str) -> str | None:
    value = (form.get(key) or "").strip()
    return value or None


def parse_profile_fields(form: Any, profile: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in profile.dataset_fields:
        if item.preset == "multi_select":
            data[item.name] = [v for v in form.getlist(item.name) if v] or None
        elif item.preset == "items":
            data[item.name] = _parse_rows(form, item) or None
        else:
            data[item.name] = _text(form, item.name)
    return data


def _parse_rows(form: Any, item: Any) -> list[dict[str, Any]]:
    prefix = f"{item.name}-"
    indexes = sorted(
        {int(k.split("-")[1]) for k in form if k.startswith(prefix) and k.split("-")[1].isdigit()}
    )
    rows = []
    for index in indexes[:2000]:
        row = {sub.name: _text(form, f"{item.name}-{index}-{sub.name}") for sub in item.item_fields}
        if any(v is not None for v in row.values()):
            rows.append({k: v for k, v in row.items() if v is not None})
    return rows


def parse_dataset_form(form: Any, profile: Any) -> dict[str, Any]:
    """The action payload for package_create / package_patch. Empty optional fields are None
    so a patch clears them; `for_create` drops them."""
    data: dict[str, Any] = {key: _text(form, key) for key in CORE_TEXT_FIELDS}
    data["name"] = _text(form, "name")
    data["owner_org"] = _text(form, "owner_org")
    data["type"] = _text(form, "type") or "dataset"
    data["private"] = checked(form, "private")
    tags = [t.strip() for t in TAG_SPLIT.split(form.get("tag_string") or "") if t.strip()]
    data["tags"] = [{"name": t} for t in dict.fromkeys(tags)]
    data["groups"] = [{"name": g} for g in form.getlist("groups") if g]
    data.update(parse_profile_fields(form, profile))
    return data


def for_create(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def form_values(dataset: dict[str, Any]) -> dict[str, Any]:
    """Core form values from a package dict."""
    values = {key: dataset.get(key) or "" for key in CORE_TEXT_FIELDS}
    values.update(
        name=dataset.get("name") or "",
        owner_org=dataset.get("owner_org") or "",
        type=dataset.get("type") or "dataset",
        private=bool(dataset.get("private")),
        tag_string=", ".join(t["name"] for t in dataset.get("tags") or []),
        groups=[g["name"] for g in dataset.get("groups") or []],
    )
    return values


def values_from_payload(data: dict[str, Any]) -> dict[str, Any]:
    """Redisplay what was posted after a validation error."""
    values = {key: data.get(key) or "" for key in CORE_TEXT_FIELDS}
    values.update(
        name=data.get("name") or "",
        owner_org=data.get("owner_org") or "",
        type=data.get("type") or "dataset",
        private=bool(data.get("private")),
        tag_string=", ".join(t["name"] for t in data.get("tags") or []),
        groups=[g["name"] for g in data.get("groups") or []],
    )
    return values


def profile_fallback(
    data: dict[str, Any], errors: dict[str, Any], profile: Any
) -> dict[str, Any] | None:
    """While the catalog actions reject profile fields as unknown, keep them as extras of the
    same name instead (see stored_profile_values). None when the errors are real ones."""
    names = profile.field_names
    unknown = {k for k, v in errors.items() if k in names and v == ["Unknown field."]}
    if not unknown or set(errors) - unknown:
        return None
    moved = {k: data.pop(k) for k in list(data) if k in names}
    extras = {e["key"]: e["value"] for e in data.get("extras") or []}
    for key, value in moved.items():
        if value in (None, "", []):
            extras.pop(key, None)
        else:
            extras[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    data["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
    return data
