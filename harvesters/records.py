"""What a remote record becomes on its way in: the digest that says whether it changed, its
dataset name and tags under the catalog's rules, readable error summaries, and the values
protected-field checks and resource matching compare."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from pypinyin import Style, lazy_pinyin

from portal.catalog.schemas import tag_names
from portal.fields import NAME_RE, RESERVED_NAMES

# Bumped when a mapping changes, so every record is written again on the next run.
MAPPING_VERSION = "1"
# Keys of a mapped dict that describe the remote record, not the dataset.
REMOTE_KEYS = ("remote_id", "remote_url", "publisher")
HARVEST_EXTRAS = ("harvest_source_id", "harvest_source_title", "harvest_remote_id", "harvest_url")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(value: Any) -> str:
    """sha256 of the canonical JSON of a mapped dataset dict (and the mapping version)."""
    return hashlib.sha256((MAPPING_VERSION + canonical_json(value)).encode("utf-8")).hexdigest()


def slugify(text: str | None, max_length: int = 80) -> str:
    """An ASCII dataset name part: pinyin for Chinese, accents folded, '-' between words."""
    if not text:
        return ""
    if re.search(r"[\u3400-\u9fff]", text):
        text = " ".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def short_digest(*parts: str, length: int = 8) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def clean_tags(tags: Iterable[Any]) -> list[dict[str, str]]:
    """Tags (names or {"name": ...} dicts) under the catalog's tag rules."""
    names = (tag.get("name") if isinstance(tag, dict) else tag for tag in tags or [])
    return [{"name": name} for name in tag_names(names)]


def name_candidates(data: dict[str, Any], source_id: str, rid: str) -> list[str]:
    """Names for a new record's dataset, best first: the remote name if the catalog's name
    rule takes it, else a slug of the title; then the same with a digest of the source and
    remote id (stable across reruns)."""
    base = data.get("name") if isinstance(data.get("name"), str) else None
    if not base or not NAME_RE.fullmatch(base) or base in RESERVED_NAMES:
        base = slugify(data.get("title_en") or data.get("title") or rid, 80) or "dataset"
    if len(base) < 2 or base in RESERVED_NAMES:
        base = f"dataset-{base}"
    return [base, f"{base[:90]}-{short_digest(source_id, rid)}"]


def error_fields(errors: Any) -> dict[str, Any]:
    return errors if isinstance(errors, dict) else {"message": errors}


def describe_errors(errors: dict[str, Any]) -> str:
    """A one-line summary of field-keyed errors: "title: Missing value; frequency: ..."."""
    parts = []
    for key, value in errors.items():
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            parts.append(f"{key}: {' '.join(value)}")
        else:
            parts.append(f"{key}: {canonical_json(value)[:300]}")
    return "; ".join(parts)[:2000]



def comparable(value: Any) -> Any:
    """A field's value as protected-field checks compare it: tags and groups as sorted names,
    resources as their URLs, empty text as None (package_show adds ids and display names)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if all("url" in v for v in value):
            return [v["url"] for v in value]
        return sorted(str(v.get("name")) for v in value)
    return None if value == "" else value


def match_resources(
    new: list[dict[str, Any]], current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Give harvested resources the ids of the current ones with the same URL (else the same
    position), so an update keeps resource ids and their link checks."""
    by_url: dict[str, list[str]] = {}
    for res in current:
        by_url.setdefault(res.get("url") or "", []).append(res["id"])
    used: set[str] = set()
    matched = []
    for res in new:
        res = dict(res)
        res.pop("id", None)
        ids = [i for i in by_url.get(res.get("url") or "", []) if i not in used]
        if ids:
            res["id"] = ids[0]
            used.add(ids[0])
        matched.append(res)
    free = [r["id"] for r in current if r["id"] not in used]
    for res in matched:
        if "id" not in res and free:
            res["id"] = free.pop(0)
    return matched

