"""CKAN/Solr query syntax for `q` and `fq`, parsed into a small tree the engines translate.

Supported: words, "quoted phrases", AND / OR / NOT (also && || !), +term / -term, grouping
with parentheses, field:value and field:"a b" for keyword and text fields, ranges
field:[a TO b] / {a TO b} with * for open ends and Solr date math (NOW-1DAY, NOW/DAY+1MONTH,
2024-01-01T00:00:00Z+1YEAR), prefix words (公*, bus*, title:交通*), and *:* for everything.
Anything else (a wildcard inside a word, ?, a prefix on a keyword field) is a Search Query
Error (HTTP 400), never a silent empty result or a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal.errors import SearchQueryError
from portal.search.fields import DATE_FIELDS, FIELDS

# Text fields reachable as `field:value` in q, mapped to the document fields they search.
TEXT_FIELD_ALIASES = {
    "title": ("title_text",),
    "notes": ("notes_text",),
    "text": ("title_text", "tags_text", "notes_text", "res_text", "org_text"),
    "res_name": ("res_text",),
    "res_description": ("res_text",),
}
MAX_CLAUSES = 64


@dataclass(frozen=True)
class Text:
    """Free text, analysed; `fields` limits it to some text fields (None: all)."""

    text: str
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Prefix:
    """Words starting with `text` (already folded: lowercase, Simplified Chinese)."""

    text: str
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Match:
    """A keyword field equals a value exactly (after the field's normalisation)."""

    field: str
    value: str


@dataclass(frozen=True)
class Range:
    field: str
    lower: datetime | None
    upper: datetime | None
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class All:
    pass


Node = Text | Phrase | Prefix | Match | Range | And | Or | Not | All

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<range>[\[{][^\]}]*[\]}])
  | (?P<phrase>"(?:[^"\\]|\\.)*")
  | (?P<op>AND\b|OR\b|NOT\b|&&|\|\||!)
  | (?P<sign>[+-](?=[^\s+-]))
  | (?P<field>[A-Za-z_][A-Za-z0-9_.]*:(?=\S))
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise SearchQueryError(f"Cannot parse query near: {text[pos : pos + 30]!r}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.clauses = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            return All()
        node = self.or_expr()
        if self.peek() is not None:
            raise SearchQueryError(f"Unexpected {self.peek()[1]!r} in query")
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.peek() in (("op", "OR"), ("op", "||")):
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.unary()]
        while (
            (token := self.peek()) is not None
            and token[0] != "rparen"
            and token
            not in (
                ("op", "OR"),
                ("op", "||"),
            )
        ):
            if token in (("op", "AND"), ("op", "&&")):
                self.take()
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise SearchQueryError("Query ends where a term was expected")
        if token in (("op", "NOT"), ("op", "!")):
            self.take()
            return Not(self.unary())
        if token[0] == "sign":
            self.take()
            node = self.primary()
            return Not(node) if token[1] == "-" else node
        return self.primary()

    def primary(self) -> Node:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise SearchQueryError(f"Query has more than {MAX_CLAUSES} clauses")
        kind, value = self.take()
        if kind == "lparen":
            node = self.or_expr()
            if self.peek() is None or self.take()[0] != "rparen":
                raise SearchQueryError("Unbalanced parenthesis in query")
            return node
        if kind == "phrase":
            return Phrase(_unquote(value))
        if kind == "word":
            if value == "*:*" or value == "*":
                return All()
            if value.endswith(":") and value[:-1].replace("_", "").isalnum():
                raise SearchQueryError(f"Missing value after {value}")
            return _word(value, None)
        if kind == "field":
            return self.field_value(value[:-1])
        raise SearchQueryError(f"Unexpected {value!r} in query")

    def field_value(self, name: str) -> Node:
        if self.peek() is None:
            raise SearchQueryError(f"Missing value after {name}:")
        kind, value = self.take()
        if name == "*" or (kind == "word" and value == "*" and name in FIELDS):
            return All()
        if kind == "range":
            return _range(name, value)
        if kind == "lparen":
            # field:(a OR b) -> an OR of field matches
            values = []
            while self.peek() is not None and self.peek()[0] != "rparen":
                sub_kind, sub_value = self.take()
                if sub_kind == "op":
                    continue
                values.append(_field_node(name, sub_kind, sub_value))
            if self.peek() is None:
                raise SearchQueryError("Unbalanced parenthesis in query")
            self.take()
            if not values:
                raise SearchQueryError(f"Empty value list for {name}")
            return values[0] if len(values) == 1 else Or(tuple(values))
        if kind not in ("word", "phrase"):
            raise SearchQueryError(f"Bad value for {name}: {value!r}")
        return _field_node(name, kind, value)


def _unquote(value: str) -> str:
    return value[1:-1].replace('\\"', '"')


def _field_node(name: str, kind: str, value: str) -> Node:
    text = _unquote(value) if kind == "phrase" else value
    if kind == "word" and ("*" in text or "?" in text) and name not in TEXT_FIELD_ALIASES:
        raise SearchQueryError(
            f"Prefix queries work on text fields ({', '.join(TEXT_FIELD_ALIASES)}), not {name}"
        )
    if name in FIELDS:
        return Match(name, FIELDS[name].normalize(text))
    if name in TEXT_FIELD_ALIASES:
        fields = TEXT_FIELD_ALIASES[name]
        return Phrase(text, fields) if kind == "phrase" else _word(text, fields)
    if name in DATE_FIELDS:
        moment = _date(text)
        return Range(name, moment, moment)
    raise SearchQueryError(f"Unknown field in query: {name}")


def _word(value: str, fields: tuple[str, ...] | None) -> Text | Prefix:
    """A free-text word, or a prefix when it ends with * (公*, bus*)."""
    if "*" not in value and "?" not in value:
        return Text(value, fields)
    stem = value[:-1]
    if not value.endswith("*") or "*" in stem or "?" in value:
        raise SearchQueryError(f"Only trailing * is supported in words, not {value!r}")
    # Imported here: text.py loads jieba's dictionaries, which the parser alone does not need.
    from portal.search.text import fold, has_han

    folded = fold(stem)
    if not folded or not folded.isalnum() or (len(folded) < 2 and not has_han(folded)):
        raise SearchQueryError(
            f"A prefix needs at least one Chinese character or two letters: {value!r}"
        )
    return Prefix(folded, fields)


def _range(name: str, value: str) -> Range:
    if name not in DATE_FIELDS:
        raise SearchQueryError(f"Ranges are supported on {', '.join(DATE_FIELDS)}, not {name}")
    inner = value[1:-1]
    parts = re.split(r"\s+TO\s+", inner.strip())
    if len(parts) != 2:
        raise SearchQueryError(f"Bad range {value!r}: use [from TO to]")
    lower, upper = (None if p == "*" else _date(p) for p in parts)
    return Range(name, lower, upper, value[0] == "[", value[-1] == "]")


_DATE_MATH = re.compile(r"([+-]\d+|/)([A-Z]+)")
_UNITS = {
    "YEAR": "year",
    "MONTH": "month",
    "DAY": "day",
    "DATE": "day",
    "HOUR": "hour",
    "MINUTE": "minute",
    "SECOND": "second",
}
_ANCHOR = re.compile(r"^(NOW|\d{4}-\d{2}-\d{2}(?:T[0-9:.]+)?Z?)(.*)$", re.IGNORECASE)


def _date(text: str) -> datetime:
    """An ISO date or NOW, then Solr date math: +N/-N units and /unit rounding down."""
    text = text.strip().strip('"')
    match = _ANCHOR.match(text)
    if match is None:
        raise SearchQueryError(f"Not a date: {text!r} (use 2024-01-01T00:00:00Z or NOW-7DAYS)")
    anchor, math = match.group(1), match.group(2).upper()
    moment = datetime.now(UTC).replace(tzinfo=None) if anchor.upper() == "NOW" else _iso(anchor)
    position = 0
    for step in _DATE_MATH.finditer(math):
        if step.start() != position:
            break
        moment = _apply(moment, step.group(1), step.group(2), text)
        position = step.end()
    if position != len(math):
        raise SearchQueryError(f"Bad date math in {text!r} (e.g. NOW-1DAY, NOW/DAY+1MONTH)")
    return moment


def _iso(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SearchQueryError(f"Not a date: {text!r} (use 2024-01-01T00:00:00Z)") from None
    if moment.tzinfo is not None:  # stored times are naive UTC
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _apply(moment: datetime, op: str, unit_name: str, text: str) -> datetime:
    unit = _UNITS.get(unit_name[:-1] if unit_name.endswith("S") else unit_name)
    if unit is None:
        raise SearchQueryError(f"Unknown date math unit {unit_name!r} in {text!r}")
    if op == "/":
        return _round_down(moment, unit)
    amount = int(op)
    if abs(amount) > 100_000:
        raise SearchQueryError(f"Date math out of range in {text!r}")
    try:
        if unit in ("year", "month"):
            months = moment.year * 12 + moment.month - 1 + amount * (12 if unit == "year" else 1)
            year, month = divmod(months, 12)
            day = min(moment.day, _days(year, month + 1))
            return moment.replace(year=year, month=month + 1, day=day)
        return moment + timedelta(**{f"{unit}s": amount})
    except (ValueError, OverflowError):
        raise SearchQueryError(f"Date math out of range in {text!r}") from None


def _days(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _round_down(moment: datetime, unit: str) -> datetime:
    keep = ["year", "month", "day", "hour", "minute", "second"]
    fields = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    for name in keep[: keep.index(unit) + 1]:
        fields.pop(name, None)
    return moment.replace(**fields)


def parse(text: str | None) -> Node:
    """Parse q or fq text; empty means everything."""
    text = (text or "").strip()
    if len(text) > 2000:
        raise SearchQueryError("Query is longer than 2000 characters")
    return _Parser(text).parse()
