"""Highlights: the query's words wrapped in <mark> inside the (escaped) title and notes."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import escape

from portal.search import syntax
from portal.search.text import fold, query_groups

SNIPPET = 160


def query_words(node: syntax.Node) -> list[str]:
    """The words a reader would expect to see marked: query tokens and their alternatives."""
    words: list[str] = []
    if isinstance(node, (syntax.Text, syntax.Phrase)):
        for alternatives in query_groups(node.text):
            for tokens in alternatives:
                words.extend(tokens)
    elif isinstance(node, syntax.Prefix):
        words.append(node.text)
    elif isinstance(node, (syntax.And, syntax.Or)):
        for child in node.children:
            words.extend(query_words(child))
    return sorted({w for w in words if w}, key=len, reverse=True)


def _comparable(text: str) -> str:
    """fold() keeps the length for CJK and most Latin text, so offsets map back to the
    original; where it would not (ligatures), lowercase only."""
    folded = fold(text)
    return folded if len(folded) == len(text) else text.lower()


def _mark(text: str, pattern: re.Pattern[str]) -> str:
    out, pos = [], 0
    for match in pattern.finditer(_comparable(text)):
        out.append(str(escape(text[pos : match.start()])))
        out.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        pos = match.end()
    out.append(str(escape(text[pos:])))
    return "".join(out)


def _snippet(text: str, pattern: re.Pattern[str]) -> str:
    match = pattern.search(_comparable(text))
    start = max(0, match.start() - SNIPPET // 3) if match else 0
    piece = text[start : start + SNIPPET]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET < len(text) else ""
    return prefix + _mark(piece, pattern) + suffix


def highlight(dataset: dict[str, Any], words: list[str]) -> dict[str, str]:
    if not words:
        return {}
    # Stems ("route") still match their longer forms ("routes") as prefixes.
    pattern = re.compile("|".join(re.escape(w) for w in words))
    result = {}
    for key in ("title", "title_en"):
        if dataset.get(key) and pattern.search(_comparable(dataset[key])):
            result[key] = _mark(dataset[key], pattern)
    notes = dataset.get("notes") or ""
    if notes and pattern.search(_comparable(notes)):
        result["notes"] = _snippet(notes, pattern)
    return result
