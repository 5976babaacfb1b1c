"""Reading JSON (and GeoJSON) within Limits: bytes first, then nesting depth measured by a
scan that skips strings, before json.loads (whose recursion would otherwise end in a
RecursionError deep inside the C scanner, or a stack overflow)."""

from __future__ import annotations

import json
import re
from typing import Any

from portal.files.delimited import check_size
from portal.files.limits import Budget, LimitExceeded, Limits

_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
_OPEN = frozenset("[{")
_CLOSE = frozenset("]}")


def check_depth(text: str, limits: Limits, budget: Budget) -> None:
    depth = 0
    for count, match in enumerate(_TOKENS.finditer(text)):
        token = match.group()
        if token in _OPEN:
            depth += 1
            if depth > limits.max_depth:
                raise LimitExceeded(
                    "depth", f"The JSON is nested more than {limits.max_depth} levels deep."
                )
        elif token in _CLOSE:
            depth -= 1
        if count % 65536 == 0:
            budget.check()


def load_json(text: str, limits: Limits, budget: Budget) -> Any:
    """The parsed document; LimitExceeded when too large or too deep, ValueError when not
    JSON."""
    check_size(text, limits)
    check_depth(text, limits, budget)
    return json.loads(text)
