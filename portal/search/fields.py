"""Filter and facet fields, each one declaration: how its values are read from a dataset,
normalised, labelled (the field and its values), and whether it can be faceted. Engines index
every declared field as a keyword field, `fq`/`q` accept `name:value` for it, facets count it
and the pages show its labels. Metadata profiles add their facetable fields here with
`register()`; other packages register theirs when they load (portal.quality.search).

The date fields (ranges in `fq`) and the sort orders package_search accepts are declared here
too, so the query parser, the service and the engines read one list. A keyword field declared
`sortable` is a sort order too (`<name> asc`, `<name> desc`) on every engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemas.profiles import profiles

Values = Callable[[dict[str, Any]], list[str]]
# A value's display name in both languages ({"zh": ..., "en": ...}), or None to show the value.
ValueLabel = Callable[[str], dict[str, str] | None]

# Dates: `name:[2024-01-01T00:00:00Z TO NOW]` ranges and exact days; indexed as dates.
DATE_FIELDS = ("metadata_modified", "metadata_created")

# Counts (portal.stats.popularity): integers in the document, sort keys only.
NUMBER_FIELDS = ("views_recent", "downloads")

# The title's sort key: documents.build_document's `title_sort` (pinyin collation, then the id).
TITLE = "title"

# package_search's `sort` values (CKAN's) -> (the engines' sort key, descending); the sortable
# keyword fields add theirs (see sorts()).
SORTS: dict[str, tuple[str, bool]] = {
    "score desc": ("score", True),
    "relevance": ("score", True),
    "metadata_modified desc": ("metadata_modified", True),
    "metadata_modified asc": ("metadata_modified", False),
    "metadata_created desc": ("metadata_created", True),
    "metadata_created asc": ("metadata_created", False),
    "title_string asc": (TITLE, False),
    "title_string desc": (TITLE, True),
    "views_recent desc": ("views_recent", True),
    "views_recent asc": ("views_recent", False),
    "downloads desc": ("downloads", True),
    "downloads asc": ("downloads", False),
}


@dataclass(frozen=True)
class KeywordField:
    name: str
    label_zh: str
    label_en: str
    values: Values
    facetable: bool = True
    # Sortable fields should hold one value per dataset: engines sort a list by one of them.
    sortable: bool = False
    normalize: Callable[[str], str] = field(default=lambda v: v)
    value_label: ValueLabel | None = None


def _choice_labels(item: Any) -> ValueLabel:
    """A profile field's values read as its choices' labels."""

    def label(value: str) -> dict[str, str] | None:
        choice = item.choice(value)
        return dict(choice.label) if choice is not None else None

    return label


def _names(key: str) -> Values:
    return lambda d: [item["name"] for item in d.get(key) or [] if item.get("name")]


def _scalar(key: str) -> Values:
    def read(d: dict[str, Any]) -> list[str]:
        value = d.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value if v not in (None, "")]
        return [str(value).lower() if isinstance(value, bool) else str(value)]

    return read


def _organization(d: dict[str, Any]) -> list[str]:
    org = d.get("organization") or {}
    return [org["name"]] if org.get("name") else []


def _formats(d: dict[str, Any]) -> list[str]:
    return sorted(
        {(r.get("format") or "").strip().upper() for r in d.get("resources") or []} - {""}
    )


FIELDS: dict[str, KeywordField] = {}


def register(keyword_field: KeywordField) -> None:
    FIELDS[keyword_field.name] = keyword_field


for _field in (
    KeywordField("organization", "部门", "Department", _organization),
    KeywordField("groups", "主题", "Theme", _names("groups")),
    KeywordField("tags", "标签", "Tag", _names("tags")),
    KeywordField("res_format", "格式", "Format", _formats, normalize=str.upper),
    KeywordField("license_id", "许可协议", "Licence", _scalar("license_id")),
    KeywordField("name", "名称", "Name", _scalar("name"), facetable=False, sortable=True),
    KeywordField("id", "标识", "Id", _scalar("id"), facetable=False),
    KeywordField("owner_org", "部门标识", "Department id", _scalar("owner_org"), facetable=False),
    KeywordField("type", "类型", "Type", _scalar("type"), facetable=False),
    KeywordField("state", "状态", "State", _scalar("state"), facetable=False),
    KeywordField(
        "private", "私有", "Private", _scalar("private"), facetable=False, normalize=str.lower
    ),
):
    register(_field)


def facetable() -> list[str]:
    return [name for name, f in FIELDS.items() if f.facetable]


def sorts() -> dict[str, tuple[str, bool]]:
    """Every `sort` value package_search accepts: CKAN's, and each sortable keyword field's."""
    found = dict(SORTS)
    for name, keyword in FIELDS.items():
        if keyword.sortable:
            found[f"{name} asc"] = (name, False)
            found[f"{name} desc"] = (name, True)
    return found


def sort_field(key: str) -> str:
    """The document field an engine sorts by for a sort key (other than "score")."""
    if key in DATE_FIELDS or key in NUMBER_FIELDS:
        return key
    if key == TITLE:
        return "title_sort"
    if key in FIELDS and FIELDS[key].sortable:
        return f"kw_{key}"
    raise ValueError(f"Cannot sort by {key!r}")


def register_profile_fields() -> None:
    """Every facetable field of every metadata profile becomes a filter and a facet."""
    for profile in profiles().values():
        for item in profile.dataset_fields:
            # Facetable fields, and unique codes (resource_code:1010010001/000001 finds one).
            if (item.facetable or item.unique) and item.name not in FIELDS:
                register(
                    KeywordField(
                        item.name,
                        item.label["zh"],
                        item.label["en"],
                        _scalar(item.name),
                        facetable=item.facetable,
                        value_label=_choice_labels(item) if item.choices else None,
                    )
                )


register_profile_fields()
