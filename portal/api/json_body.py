"""Reading a JSON request body with bounds: valid UTF-8, an object at the top, and no deeper
than MAX_DEPTH (a 10 KB body nested 5,000 deep would otherwise exhaust the recursion of the
validators and serializers that walk it after the parser)."""

from __future__ import annotations

import json
from typing import Any

from portal.errors import BadRequest

# The deepest real input is a dataset's resources or profile rows inside the dataset (4 levels);
# a harvest source's config object may nest a little more.
MAX_DEPTH = 32


def parse_json_object(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("JSON Error: the request body is not valid UTF-8") from None
    try:
        data = json.loads(text)
    except RecursionError:  # the C parser gives up near the interpreter's recursion limit
        raise _too_deep() from None
    except ValueError as exc:
        raise BadRequest(f"JSON Error: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("JSON Error: the request body must be a JSON object")
    check_depth(data)
    return data


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse a parsed value whose lists and objects nest deeper than `limit`; iterative, so
    the check itself cannot run out of stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    raise _too_deep(limit)
                stack.append((child, depth + 1))


def _too_deep(limit: int = MAX_DEPTH) -> BadRequest:
    return BadRequest(f"JSON Error: nested deeper than {limit} levels")
