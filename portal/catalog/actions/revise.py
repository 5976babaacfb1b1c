"""package_revise: CKAN's match / filter / update / include edit of one dataset.

    match    {"name": "bus-routes"} - the dataset (id or name) and values it must have now, so a
             client's edit is refused when someone changed the dataset in between
    filter   ["-resources__*__description", "+tags"] - paths removed before the update; the first
             pattern matching a path decides (+ keeps, - removes), `*` matches any key or index
    update   {"notes": "..."} - merged in: dicts key by key, anything else replaced
    include  ["package__name", "-package__resources"] - what the result returns

Each parameter may be JSON text (form posts) and flattened keys work as in CKAN:
`match__name=bus-routes`, `update__resources__0__name=线路表`, `update__resources__extend=[...]`
(append), `update__resources__1b2c3__format=CSV` (the resource whose id starts with 1b2c3).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from portal.actions import Context, action, call
from portal.catalog.actions.datasets import _editable_dataset
from portal.catalog.saving import show_dict
from portal.errors import ValidationError

PARAMETERS = ("match", "filter", "update", "include")
MIN_ID_PREFIX = 5


@action()
def package_revise(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Revise a dataset: check `match`, drop `filter` paths, merge `update` (CKAN semantics)."""
    if not isinstance(data_dict, dict):
        raise ValidationError({"message": ["Expected a JSON object."]})
    args = _arguments(data_dict)
    match = args["match"]
    if not isinstance(match, dict) or not (match.get("id") or match.get("name")):
        raise ValidationError({"match": ["Give the dataset's id or name in match."]})
    dataset = _editable_dataset(context, {"id": match.get("id") or match.get("name")})
    current = show_dict(context, dataset)
    mismatch = _mismatch(match, current, "match")
    if mismatch:
        raise ValidationError({"match": [f"{mismatch} does not match the dataset."]})
    revised = _filtered(current, _patterns(args["filter"], "filter"), ())
    _merge(revised, args["update"])
    for path, value in args["flattened"]:
        _set_path(revised, path, value)
    if revised.get("state") == "deleted":
        del revised["state"]  # as package_patch: an edit restores a deleted dataset
    package = call("package_update", context, {**revised, "id": dataset.id})
    result = {"package": package}
    if args["include"] is not None:
        result = _filtered(result, _patterns(args["include"], "include"), ())
    return result


# --- parameters ------------------------------------------------------------------------------


def _arguments(data_dict: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {
        "match": _decoded(data_dict.get("match", {}), "match"),
        "filter": _decoded(data_dict.get("filter", []), "filter"),
        "update": _decoded(data_dict.get("update", {}), "update"),
        "include": _decoded(data_dict.get("include"), "include"),
        # update__resources__0__name=...: set on the dataset after `update` is merged, so list
        # positions and id prefixes refer to its resources.
        "flattened": [],
    }
    for name in ("match", "update"):
        if not isinstance(args[name], dict):
            raise ValidationError({name: ["Must be an object."]})
    for key, value in data_dict.items():
        head, _, rest = key.partition("__")
        if head not in PARAMETERS:
            raise ValidationError({key: ["Unknown parameter; use match, filter, update, include."]})
        if not rest:
            continue
        if head == "match":
            _set_path(args["match"], rest.split("__"), value)
        elif head == "update":
            args["flattened"].append((rest.split("__"), value))
        else:
            raise ValidationError({key: [f"{head} takes no flattened keys."]})
    return args


def _decoded(value: Any, name: str) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            raise ValidationError({name: ["Not valid JSON."]}) from None
    return value


def _patterns(value: Any, name: str) -> list[tuple[str, list[str]]]:
    """[(sign, path)] from "a,-b" or ["a", "-b"]; a pattern without a sign keeps (+)."""
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValidationError({name: ["Must be a list of patterns such as -resources__*__url."]})
    patterns = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        sign, path = (item[0], item[1:]) if item[0] in "+-" else ("+", item)
        patterns.append((sign, path.split("__")))
    if name == "include" and patterns and all(sign == "+" for sign, _ in patterns):
        patterns.append(("-", ["*"]))  # only what was named
    return patterns


# --- match, filter, update -------------------------------------------------------------------


def _mismatch(expected: Any, actual: Any, where: str) -> str | None:
    """The first path where `actual` differs from `expected` (dicts and lists by subset)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return where
        for key, value in expected.items():
            found = _mismatch(value, actual.get(key), f"{where}__{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) > len(actual):
            return where
        for index, value in enumerate(expected):
            found = _mismatch(value, actual[index], f"{where}__{index}")
            if found:
                return found
        return None
    return None if expected == actual else where


def _names(pattern: list[str], path: tuple[str, ...]) -> bool:
    """Whether `pattern` names this path or one of its parents."""
    return len(pattern) <= len(path) and all(
        fnmatchcase(part, want) for part, want in zip(path, pattern, strict=False)
    )


def _deciding(patterns: list[tuple[str, list[str]]], path: tuple[str, ...]) -> int:
    """Position of the first pattern naming `path` (len(patterns) when none does)."""
    return next((i for i, (_sign, p) in enumerate(patterns) if _names(p, path)), len(patterns))


def _reaches(patterns: list[tuple[str, list[str]]], path: tuple[str, ...]) -> bool:
    """Whether some pattern names a path below this one (so its children must be looked at)."""
    return any(
        len(pattern) > len(path) and _names(pattern[: len(path)], path)
        for _sign, pattern in patterns
    )


def _filtered(value: Any, patterns: list[tuple[str, list[str]]], path: tuple[str, ...]) -> Any:
    if not patterns:
        return value
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return value
    kept: list[tuple[str, Any]] = []
    for key, child in items:
        here = (*path, key)
        decides = _deciding(patterns, here)
        removed = decides < len(patterns) and patterns[decides][0] == "-"
        # A removed path stays when a pattern before the removal keeps something below it.
        if removed and not _reaches(patterns[:decides], here):
            continue
        kept.append((key, _filtered(child, patterns, here) if _reaches(patterns, here) else child))
    return dict(kept) if isinstance(value, dict) else [child for _key, child in kept]


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _set_path(target: Any, path: list[str], value: Any) -> None:
    """Set a flattened key's value: list items by index, by id prefix, or `extend` to append."""
    key, rest = path[0], path[1:]
    if isinstance(target, list):
        if key == "extend" and not rest:
            items = _decoded(value, "update")
            target.extend(items if isinstance(items, list) else [items])
            return
        position = _list_position(target, key)
        if not rest:
            target[position] = value
        else:
            _set_path(target[position], rest, value)
        return
    if not isinstance(target, dict):
        raise ValidationError({"update": [f"Cannot set {key} inside a value that is no object."]})
    if not rest:
        target[key] = _decoded(value, key)
        return
    if key not in target:
        target[key] = [] if rest[0] == "extend" or rest[0].lstrip("-").isdigit() else {}
    _set_path(target[key], rest, value)


def _list_position(items: list[Any], key: str) -> int:
    """A list item by position (0, -1) or by the start of its id (at least 5 characters; an id
    may start with digits, so a long number is tried as an id first)."""
    numeric = key.lstrip("-").isdigit()
    if not numeric or len(key.lstrip("-")) >= MIN_ID_PREFIX:
        found = [i for i, item in enumerate(items)
                 if isinstance(item, dict) and str(item.get("id", "")).startswith(key)]  # fmt: skip
        if len(found) == 1:
            return found[0]
    if numeric and -len(items) <= int(key) < len(items):
        return int(key) % len(items)
    if numeric and len(key.lstrip("-")) < MIN_ID_PREFIX:
        raise ValidationError({"update": [f"There is no item {key} in the list."]})
    raise ValidationError({"update": [f"No single item's id starts with {key}."]})
