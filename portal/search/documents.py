"""Turning a dataset (as package_show returns it) into the document every engine indexes."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

import rjieba
from pypinyin import Style, lazy_pinyin

from portal.collation import pinyin_key
from portal.search.fields import FIELDS, NUMBER_FIELDS
from portal.search.text import fold, index_text

# Text fields and their boosts: title > tags > description > resources > department.
TEXT_FIELDS = {
    "title_text": 8.0,
    "tags_text": 4.0,
    "notes_text": 2.0,
    "res_text": 1.5,
    "org_text": 1.0,
}


def permission_labels(dataset: dict[str, Any]) -> list[str]:
    """Who may find a dataset. Searches filter on the caller's labels (see visibility)."""
    org = dataset.get("owner_org") or "none"
    if dataset.get("state") == "draft":
        labels = [f"draft:{org}"]
        if dataset.get("creator_user_id"):
            labels.append(f"creator:{dataset['creator_user_id']}")
        return labels
    if dataset.get("private"):
        # dataset:<id> lets the dataset's collaborators find it (package_collaborator_create).
        return [f"private:{org}", f"dataset:{dataset.get('id')}"]
    return ["public"]


def suggest_tokens(title: str) -> list[str]:
    """Prefixes for autocomplete: the title's words, their pinyin and pinyin initials, so
    'gj', 'gongjiao' and '公交' all find 公交线路."""
    tokens: set[str] = set()
    for word in rjieba.cut(fold(title)):
        tokens.update(_word_suggestions(word.strip()))
    return sorted(tokens)


@lru_cache(maxsize=100_000)
def _word_suggestions(word: str) -> tuple[str, ...]:
    if not word or not any(ch.isalnum() for ch in word):
        return ()
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    if not syllables or syllables == [word]:
        return (word,)
    return (word, "".join(syllables), "".join(s[0] for s in syllables if s))


def title_pinyin(title: str) -> str:
    """The full pinyin of each Chinese word and part of a title (gongjiao, xianlu and
    gongjiaoxianlu for 公交线路), indexed after the title's own words so package_search
    q=gongjiao finds 公交 without moving the positions phrase queries rely on. Initials stay
    autocomplete-only: 'gj' is too ambiguous for search."""
    words = []
    for word in rjieba.cut_for_search(fold(title)):
        suggestions = _word_suggestions(word.strip())
        if len(suggestions) == 3:
            words.append(suggestions[1])
    return " ".join(words)


def build_document(dataset: dict[str, Any]) -> dict[str, Any]:
    """The engine-neutral document: analysed text, keyword fields, dates, labels and the
    dataset dict itself (returned by searches without touching the database)."""
    org = dataset.get("organization") or {}
    resources = dataset.get("resources") or []
    extras_text = " ".join(str(e.get("value", "")) for e in dataset.get("extras") or [])
    doc: dict[str, Any] = {
        "id": dataset["id"],
        "title_text": index_text(
            f"{dataset.get('title') or ''} {dataset.get('title_en') or ''}"
            f" {title_pinyin(dataset.get('title') or '')}"
        ),
        "tags_text": index_text(" ".join(t["name"] for t in dataset.get("tags") or [])),
        "notes_text": index_text(f"{dataset.get('notes') or ''} {extras_text}"),
        "res_text": index_text(
            " ".join(f"{r.get('name') or ''} {r.get('description') or ''}" for r in resources)
        ),
        "org_text": index_text(f"{org.get('title') or ''} {org.get('title_en') or ''}"),
        "labels": permission_labels(dataset),
        "metadata_modified": _date(dataset.get("metadata_modified")),
        "metadata_created": _date(dataset.get("metadata_created")),
        # The id makes equal titles sort in one fixed order, so pages never overlap.
        "title_sort": " ".join(
            [*pinyin_key(dataset.get("title") or dataset["name"]), dataset["id"]]
        ),
        "suggest": suggest_tokens(dataset.get("title") or ""),
        "data": json.dumps(dataset, ensure_ascii=False, separators=(",", ":")),
    }
    for name in NUMBER_FIELDS:  # popularity, when the dataset dict carries it
        doc[name] = max(int(dataset.get(name) or 0), 0)
    for name, keyword in FIELDS.items():
        doc[f"kw_{name}"] = [keyword.normalize(v) for v in keyword.values(dataset)]
    return doc


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
