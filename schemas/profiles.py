"""Metadata profiles: declarative YAML files (in the spirit of ckanext-scheming) and the
marshmallow schemas built from them.

A profile declares, per field: name, bilingual label and help, required flag, preset (text,
markdown, select, multi_select, date, url, email, integer, list, items), choices with bilingual
labels, facetable flag, uniqueness, a pattern, and mappings (DCAT property, data.json key,
Chinese catalog element). Validation, forms, search facets and feeds all read the same
declaration, so a field is defined once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from marshmallow import RAISE, Schema, fields, validate, validates_schema
from marshmallow import ValidationError as FieldError

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
PRESETS = (
    "text",
    "markdown",
    "select",
    "multi_select",
    "date",
    "url",
    "email",
    "integer",
    "list",
    "items",
)


@dataclass(frozen=True)
class Choice:
    value: str
    label: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    name: str
    label: dict[str, str]
    preset: str = "text"
    help: dict[str, str] = field(default_factory=dict)
    required: bool = False
    facetable: bool = False
    unique: bool = False
    max_length: int = 10_000
    pattern: str | None = None
    pattern_message: dict[str, str] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    item_fields: tuple[Field, ...] = ()
    dcat: str | None = None
    datajson: str | None = None
    cn: str | None = None
    # When the field has this value the dataset is private (cn-gov: not open to the public).
    private_when: str | None = None
    # Other keys other catalogs give this field under (CKAN extras, Chinese inventories): an
    # extra so named says what the field says, so a page shows it once.
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        """Every key that means this field: its name, aliases and labels."""
        return {self.name, *self.aliases, *self.label.values()}

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def normalize_choice(self, value: Any) -> Any:
        """Accept a choice's value or either of its labels (spreadsheets use Chinese)."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        for choice in self.choices:
            if text == choice.value or text in choice.label.values():
                return choice.value
        lowered = text.lower()
        for choice in self.choices:
            if lowered == choice.value.lower() or lowered in (
                label.lower() for label in choice.label.values()
            ):
                return choice.value
        return value


@dataclass(frozen=True)
class Rule:
    when_field: str
    when_equals: str
    message: dict[str, str]
    require: str | None = None
    forbid_field: str | None = None
    forbid_values: tuple[str, ...] = ()

    def violated(self, data: dict[str, Any]) -> str | None:
        """The field the rule's error belongs to, if `data` breaks the rule."""
        if data.get(self.when_field) != self.when_equals:
            return None
        if self.require and not data.get(self.require):
            return self.require
        if self.forbid_field and data.get(self.forbid_field) in self.forbid_values:
            return self.forbid_field
        return None


@dataclass(frozen=True)
class Profile:
    name: str
    label: dict[str, str]
    description: dict[str, str]
    dataset_types: tuple[str, ...]
    dataset_fields: tuple[Field, ...]
    resource_fields: tuple[Field, ...]
    core_mappings: dict[str, dict[str, str]]
    rules: tuple[Rule, ...]

    @property
    def field_names(self) -> set[str]:
        return {f.name for f in self.dataset_fields}

    def field(self, name: str) -> Field | None:
        return next((f for f in self.dataset_fields if f.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """The profile as scheming_dataset_schema_show returns it."""
        return {
            "scheming_version": 2,
            "dataset_type": self.dataset_types[0],
            "profile": self.name,
            "about": self.description,
            "label": self.label,
            "dataset_fields": [_field_dict(f) for f in self.dataset_fields],
            "resource_fields": [_field_dict(f) for f in self.resource_fields],
            "core_mappings": self.core_mappings,
            "rules": [
                {
                    "when": {"field": r.when_field, "equals": r.when_equals},
                    "require": r.require,
                    "forbid": {"field": r.forbid_field, "values": list(r.forbid_values)}
                    if r.forbid_field
                    else None,
                    "message": r.message,
                }
                for r in self.rules
            ],
        }


def _field_dict(item: Field) -> dict[str, Any]:
    data: dict[str, Any] = {
        "field_name": item.name,
        "label": item.label,
        "help_text": item.help,
        "preset": item.preset,
        "required": item.required,
        "facetable": item.facetable,
        "unique": item.unique,
        "mappings": {"dcat": item.dcat, "datajson": item.datajson, "cn": item.cn},
    }
    if item.pattern:
        data["pattern"] = item.pattern
    if item.choices:
        data["choices"] = [{"value": c.value, "label": c.label, **c.extra} for c in item.choices]
    if item.item_fields:
        data["item_fields"] = [_field_dict(f) for f in item.item_fields]
    return data


def _parse_field(raw: dict[str, Any]) -> Field:
    preset = raw.get("preset", "text")
    if preset not in PRESETS:
        raise ValueError(f"Field {raw.get('name')}: unknown preset {preset!r}")
    choices = tuple(
        Choice(
            str(c["value"]),
            c["label"],
            {k: v for k, v in c.items() if k not in ("value", "label")},
        )
        for c in raw.get("choices") or []
    )
    return Field(
        name=raw["name"],
        label=raw["label"],
        preset=preset,
        help=raw.get("help") or {},
        required=bool(raw.get("required", False)),
        facetable=bool(raw.get("facetable", False)),
        unique=bool(raw.get("unique", False)),
        max_length=int(raw.get("max_length", 10_000)),
        pattern=raw.get("pattern"),
        pattern_message=raw.get("pattern_message") or {},
        choices=choices,
        item_fields=tuple(_parse_field(f) for f in raw.get("item_fields") or []),
        dcat=raw.get("dcat"),
        datajson=raw.get("datajson"),
        cn=raw.get("cn"),
        private_when=None if raw.get("private_when") is None else str(raw["private_when"]),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
    )


def _parse_rule(raw: dict[str, Any]) -> Rule:
    forbid = raw.get("forbid_value") or {}
    return Rule(
        when_field=raw["when"]["field"],
        when_equals=str(raw["when"]["equals"]),
        message=raw["message"],
        require=raw.get("require"),
        forbid_field=forbid.get("field"),
        forbid_values=tuple(str(v) for v in forbid.get("values", [])),
    )


def load_profile(path: Path) -> Profile:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Profile(
        name=raw["name"],
        label=raw["label"],
        description=raw.get("description") or {},
        dataset_types=tuple(raw.get("dataset_types") or [raw["name"]]),
        dataset_fields=tuple(_parse_field(f) for f in raw.get("dataset_fields") or []),
        resource_fields=tuple(_parse_field(f) for f in raw.get("resource_fields") or []),
        core_mappings=raw.get("core_mappings") or {},
        rules=tuple(_parse_rule(r) for r in raw.get("rules") or []),
    )


@cache
def profiles() -> dict[str, Profile]:
    """Every profile shipped in schemas/profiles/, by name."""
    return {p.name: p for p in map(load_profile, sorted(PROFILE_DIR.glob("*.yaml")))}


def profile_for_type(dataset_type: str | None, default: str = "dcat-ap") -> Profile:
    """The profile of a dataset type; plain "dataset" uses the site default profile."""
    for profile in profiles().values():
        if dataset_type in profile.dataset_types and dataset_type != "dataset":
            return profile
    return profiles()[default]


def dataset_types() -> list[str]:
    return sorted({t for p in profiles().values() for t in p.dataset_types})


# --- marshmallow schemas built from a profile ---------------------------------------------

MESSAGES_ZH = {
    "Missing value": "缺少必填值",
    "Not a valid choice.": "不是有效的选项。",
    "Not a valid date.": "不是有效的日期（格式：YYYY-MM-DD）。",
    "Not a valid URL.": "不是有效的网址。",
    "Not a valid email address.": "不是有效的电子邮箱地址。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid list.": "不是有效的列表。",
    "Not a valid string.": "不是有效的文本。",
    "Unknown field.": "未知字段。",
    "Must not contain control characters.": "不能包含控制字符。",
    "Not valid Unicode text (an unpaired surrogate).": "不是有效的 Unicode 文本。",
    "Already used by another dataset.": "已被其他数据集使用。",
    "That URL is already in use.": "该网址名称已被使用。",
    "Organization does not exist": "部门不存在",
    "That name cannot be used.": "不能使用这个名称。",
    "Must be 2 to 100 characters of lowercase letters (a-z), digits, '-' and '_'.": (
        "必须为 2 至 100 个小写字母（a-z）、数字、“-”或“_”。"
    ),
    "Must be at least 8 characters.": "至少需要 8 个字符。",
}

# Messages with a number in them (marshmallow's Length and Range, the catalog's limits): the
# number is copied into the Chinese sentence, so one entry covers every limit.
PATTERNS_ZH = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (r"Longer than maximum length (\d+)\.", "长度不能超过 {0} 个字符。"),
        (r"Shorter than minimum length (\d+)\.", "长度不能少于 {0} 个字符。"),
        (r"Length must be between (\d+) and (\d+)\.", "长度必须在 {0} 至 {1} 个字符之间。"),
        (r"Length must be (\d+)\.", "长度必须为 {0}。"),
        (r"Longer than (\d+) characters\.", "不能超过 {0} 个字符。"),
        (r"At most (\d+) tags\.", "标签最多 {0} 个。"),
        (r"At most (\d+) resources\.", "资源最多 {0} 个。"),
        (
            r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
            "必须在 {0} 至 {1} 之间。",
        ),
        (r"Must be greater than or equal to (\S+)\.", "必须大于或等于 {0}。"),
        (r"Must be less than or equal to (\S+)\.", "必须小于或等于 {0}。"),
        (r"Must be greater than (\S+)\.", "必须大于 {0}。"),
        (r"Must be less than (\S+)\.", "必须小于 {0}。"),
    )
)


class ProfileDate(fields.Date):
    """An ISO date; datetimes are accepted and cut to their date."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if isinstance(value, str) and len(value) > 10 and value[10] in "T ":
            value = value[:10]
        return super()._deserialize(value, attr, data, **kwargs)


class CommaList(fields.List):
    """A list of short strings; "a, b" is accepted as ["a", "b"]."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if isinstance(value, str):
            value = [v.strip() for v in re.split(r"[,，;；\n]", value) if v.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


def _choice_field(item: Field, many: bool) -> fields.Field:
    values = [c.value for c in item.choices]
    one = fields.String(validate=validate.OneOf(values, error="Not a valid choice."))
    if many:
        return _Normalizing(item, CommaList(one))
    return _Normalizing(item, one)


class _Normalizing(fields.Field):
    """Wraps a field so choice labels (e.g. 有条件共享) are accepted for their values."""

    def __init__(self, item: Field, inner: fields.Field, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item, self.inner = item, inner

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and isinstance(self.inner, CommaList):
            value = [v.strip() for v in re.split(r"[,，;；、\n]", value) if v.strip()]
        if isinstance(value, list):
            value = [self.item.normalize_choice(v) for v in value]
        else:
            value = self.item.normalize_choice(value)
        return self.inner.deserialize(value, attr, data, **kwargs)


def _field_for(item: Field) -> fields.Field:
    options: dict[str, Any] = {"required": item.required, "allow_none": not item.required}
    options["error_messages"] = {"required": "Missing value", "null": "Missing value"}
    if item.preset in ("select", "multi_select"):
        built = _choice_field(item, many=item.preset == "multi_select")
        built.required, built.allow_none = item.required, not item.required
        built.error_messages.update(options["error_messages"])
        return built
    if item.preset == "date":
        return ProfileDate(**options)
    if item.preset == "integer":
        return fields.Integer(strict=False, validate=validate.Range(min=0), **options)
    if item.preset == "list":
        return CommaList(fields.String(validate=validate.Length(max=200)), **options)
    if item.preset == "items":
        item_schema = _schema_class(f"{item.name}_item", item.item_fields, ())
        return fields.List(
            fields.Nested(item_schema), validate=validate.Length(max=2000), **options
        )
    validators: list[Any] = [validate.Length(max=item.max_length)]
    if item.preset == "url":
        validators.append(validate.URL(error="Not a valid URL.", require_tld=False))
    if item.preset == "email":
        validators.append(validate.Email(error="Not a valid email address."))
    if item.pattern:
        message = item.pattern_message.get("en") or "Not in the expected format."
        validators.append(validate.Regexp(item.pattern, error=message))
    return fields.String(validate=validators, **options)


def _schema_class(name: str, items: tuple[Field, ...], rules: tuple[Rule, ...]) -> type[Schema]:
    attrs: dict[str, Any] = {item.name: _field_for(item) for item in items}
    attrs["Meta"] = type("Meta", (), {"unknown": RAISE})
    if rules:

        def check_rules(self: Schema, data: dict[str, Any], **_kwargs: Any) -> None:
            errors: dict[str, list[str]] = {}
            for rule in rules:
                broken = rule.violated(data)
                if broken:
                    errors.setdefault(broken, []).append(rule.message["en"])
            if errors:
                raise FieldError(errors)

        attrs["check_rules"] = validates_schema(check_rules)
    safe = re.sub(r"\W", "_", name).title().replace("_", "")
    return type(f"{safe}ProfileSchema", (Schema,), attrs)


@cache
def dataset_schema(profile_name: str) -> type[Schema]:
    """The marshmallow schema for a profile's own dataset fields."""
    profile = profiles()[profile_name]
    return _schema_class(profile.name, profile.dataset_fields, profile.rules)


def translations(locale: str) -> dict[str, str]:
    """English error message -> the locale's, for core and profile messages."""
    if not locale.startswith("zh"):
        return {}
    table = dict(MESSAGES_ZH)
    for profile in profiles().values():
        for rule in profile.rules:
            table[rule.message["en"]] = rule.message["zh"]
        for item in profile.dataset_fields:
            if item.pattern_message:
                table[item.pattern_message["en"]] = item.pattern_message["zh"]
    return table


def translated(message: str, table: dict[str, str]) -> str | None:
    """`message` from a `translations()` table, its numbered messages included (None: the
    table has no translation for it)."""
    if message in table:
        return table[message]
    if not table:
        return None
    for pattern, chinese in PATTERNS_ZH:
        found = pattern.fullmatch(message)
        if found:
            return chinese.format(*found.groups())
    return None


def to_json(value: Any) -> Any:
    """Dates to ISO strings so profile values can be stored in a JSON column."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value
