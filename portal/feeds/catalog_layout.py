"""The column layout of a government information resource catalog spreadsheet (政务信息资源目录),
shared by the export (/catalog.xlsx, /catalog.csv) and the spreadsheet harvester, so a
department can fill in the file the portal exports and import it back.

`COLUMNS` lists (header, field, kind). `row_from_dataset(d)` gives one row (header -> cell
text) for a dataset dict; `dataset_from_row(row)` is the reverse: Chinese (or English) choice
labels back to their values, data items parsed, lists split. Headers are the Chinese catalog
elements of the cn-gov profile (`cn:`); a row may also use the profile's longer element names
(信息资源分类代码, 信息项信息), the field names or the English labels as headers.

Cell formats: multi-valued cells (共享方式, 关联资源代码, 标签, 主题) are
comma-separated (full-width ，, ; and ；, and 、 except for tags, are read too).
Data items are `名称:类型:长度;...`, with an optional fourth part for the
description (`名称:类型:长度:说明`); the type is written as its Chinese label
(字符型) and read as a label or a code (C). ASCII ':' and ';' inside a name or
description are written full-width so the cell stays parseable.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from portal.feeds.values import EMPTY, profile_values
from schemas.profiles import Field, Profile, profiles

PROFILE_NAME = "cn-gov"

#: (header, field, kind). Kinds: text, choice, choices, items, list, date, tags, groups,
#: organization (the department's title), organization_code (its credit code).
COLUMNS: list[tuple[str, str, str]] = [
    ("信息资源分类", "resource_category", "choice"),
    ("分类代码", "category_code", "text"),
    ("信息资源名称", "title", "text"),
    ("信息资源代码", "resource_code", "text"),
    ("信息资源提供方", "organization", "organization"),
    ("信息资源提供方代码", "organization_code", "organization_code"),
    ("信息资源摘要", "notes", "text"),
    ("信息资源格式", "resource_format", "choice"),
    ("信息项", "data_items", "items"),
    ("共享类型", "share_type", "choice"),
    ("共享条件", "share_condition", "text"),
    ("共享方式", "share_method", "choices"),
    ("是否向社会开放", "open_to_public", "choice"),
    ("开放类型", "open_type", "choice"),
    ("开放条件", "open_condition", "text"),
    ("更新周期", "update_cycle", "choice"),
    ("发布日期", "issued", "date"),
    ("关联资源代码", "related_codes", "list"),
    ("标签", "tags", "tags"),
    ("主题", "groups", "groups"),
    ("数据集标识", "name", "text"),
]
HEADERS = [header for header, _field, _kind in COLUMNS]
LIST_SEPARATOR = ","
_SPLIT = re.compile(r"[,，;；、\n]")
_SPLIT_TAGS = re.compile(r"[,，;；\n]")
_FULL_WIDTH = str.maketrans({":": "：", ";": "；"})


def profile() -> Profile:
    return profiles()[PROFILE_NAME]


def _field(name: str) -> Field | None:
    return profile().field(name)


def _aliases() -> dict[str, tuple[str, str, str]]:
    """Every header a row may use for a column -> the column."""
    found: dict[str, tuple[str, str, str]] = {}
    for column in COLUMNS:
        header, name, _kind = column
        item = _field(name)
        names = [header, name]
        if item is not None:
            names += [item.cn or "", item.label.get("zh", ""), item.label.get("en", "")]
        for alias in names:
            if alias:
                found.setdefault(_key(alias), column)
    return found


def _key(header: Any) -> str:
    return re.sub(r"[\s*＊]", "", str(header or "")).lower()


# --- dataset -> row --------------------------------------------------------------------------


def row_from_dataset(dataset: dict[str, Any]) -> dict[str, str]:
    """One catalog row (header -> text; empty cells are "") for a dataset dict."""
    values = {**profile_values(dataset), **_core_values(dataset)}
    if "update_cycle" not in values and values.get("frequency"):
        values["update_cycle"] = _cycle_for_frequency(values["frequency"])
    return {header: _render(kind, name, values.get(name)) for header, name, kind in COLUMNS}


def _core_values(dataset: dict[str, Any]) -> dict[str, Any]:
    org = dataset.get("organization") or {}
    return {
        "title": dataset.get("title"),
        "notes": dataset.get("notes"),
        "name": dataset.get("name"),
        "organization": org.get("title") or org.get("name"),
        "organization_code": org.get("code"),
        "tags": [t["name"] for t in dataset.get("tags") or [] if t.get("name")],
        "groups": [g.get("title") or g.get("name") for g in dataset.get("groups") or []],
    }


def _cycle_for_frequency(code: str) -> str | None:
    """A dcat-ap frequency (EU code) as the cn-gov update cycle with the same EU code."""
    item = _field("update_cycle")
    found = [c.value for c in item.choices if c.extra.get("eu") == code] if item else []
    return found[0] if found else None


def _render(kind: str, name: str, value: Any) -> str:
    if value in EMPTY:
        return ""
    if kind == "choice":
        return _choice_label(name, value)
    if kind == "choices":
        return LIST_SEPARATOR.join(_choice_label(name, one) for one in value)
    if kind in ("list", "tags", "groups"):
        return LIST_SEPARATOR.join(str(one) for one in value)
    if kind == "items":
        return format_items(value)
    if kind == "date":
        return str(value)[:10]
    return str(value)


def _choice_label(name: str, value: Any) -> str:
    item = _field(name)
    choice = item.choice(str(value)) if item is not None else None
    return choice.label.get("zh", choice.value) if choice is not None else str(value)


def _item_type_field() -> Field | None:
    items = _field("data_items")
    return next((f for f in items.item_fields if f.name == "type"), None) if items else None


def format_items(items: list[dict[str, Any]]) -> str:
    """[{name, type, length, description}] -> '名称:字符型:50;金额:货币型::单位为元'."""
    type_field = _item_type_field()
    cells = []
    for entry in items:
        code = str(entry.get("type") or "")
        choice = type_field.choice(code) if type_field is not None else None
        parts = [
            str(entry.get("name") or "").translate(_FULL_WIDTH),
            choice.label.get("zh", code) if choice is not None else code,
            "" if entry.get("length") in EMPTY else str(entry["length"]),
        ]
        if entry.get("description"):
            parts.append(str(entry["description"]).translate(_FULL_WIDTH))
        cells.append(":".join(parts).rstrip(":") if len(parts) == 3 else ":".join(parts))
    return ";".join(cells)


def parse_items(text: str) -> list[dict[str, Any]]:
    """The reverse of format_items; also reads full-width ：and ；when a cell has no ASCII
    separators at all (typed with a Chinese input method)."""
    text = str(text or "").strip()
    if not text:
        return []
    entry_sep, part_sep = ";", ":"
    if ";" not in text and ":" not in text:
        entry_sep, part_sep = "；", "："
    type_field = _item_type_field()
    found = []
    for chunk in re.split(f"[{entry_sep}\n]", text):
        if not chunk.strip():
            continue
        parts = [p.strip() for p in chunk.split(part_sep, 3)] + ["", "", ""]
        entry: dict[str, Any] = {"name": parts[0]}
        if parts[1]:
            entry["type"] = type_field.normalize_choice(parts[1]) if type_field else parts[1]
        if parts[2]:
            entry["length"] = int(parts[2]) if parts[2].isdigit() else parts[2]
        if parts[3]:
            entry["description"] = parts[3]
        found.append(entry)
    return found


# --- row -> dataset --------------------------------------------------------------------------


def dataset_from_row(
    row: dict[str, Any],
    *,
    organizations: dict[str, str] | None = None,
    groups: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A package_create payload (type cn-gov) from one catalog row.

    `organizations` maps a department's code, title or name to its name; `groups` maps a
    theme's title or name to its name. Without them, or for a value they do not know, the text
    is passed on as given and the action's validation reports it.
    """
    aliases = _aliases()
    cells: dict[str, Any] = {}
    for header, value in row.items():
        column = aliases.get(_key(header))
        if column is not None and not _blank(value):
            cells.setdefault(column[1], (column[2], value))
    data: dict[str, Any] = {"type": PROFILE_NAME}
    for name, (kind, value) in cells.items():
        parsed = _parse(kind, name, value)
        if parsed not in EMPTY:
            data[name] = parsed
    _resolve_organization(data, organizations or {})
    if "groups" in data:
        lookup = groups or {}
        data["groups"] = [{"name": lookup.get(g, g)} for g in data["groups"]]
    if "tags" in data:
        data["tags"] = [{"name": t} for t in data["tags"]]
    return data


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(kind: str, name: str, value: Any) -> Any:
    if kind == "date":
        return _parse_date(value)
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():  # a spreadsheet's number cell
        text = str(int(value))
    if kind == "choice":
        item = _field(name)
        return item.normalize_choice(text) if item is not None else text
    if kind == "choices":
        item = _field(name)
        parts = [p.strip() for p in _SPLIT.split(text) if p.strip()]
        return [item.normalize_choice(p) if item else p for p in parts]
    if kind in ("list", "groups"):
        return [p.strip() for p in _SPLIT.split(text) if p.strip()]
    if kind == "tags":
        return [p.strip() for p in _SPLIT_TAGS.split(text) if p.strip()]
    if kind == "items":
        return parse_items(text)
    return text


def _parse_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip().replace("/", "-").replace(".", "-")
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    match = re.match(r"^(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return text


def _resolve_organization(data: dict[str, Any], organizations: dict[str, str]) -> None:
    code, title = data.pop("organization_code", None), data.pop("organization", None)
    for key in (code, title):
        if key and key in organizations:
            data["owner_org"] = organizations[key]
            return
    if code or title:
        data["owner_org"] = code or title
