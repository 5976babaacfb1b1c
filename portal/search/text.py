"""The one text analyzer: every engine indexes and queries the tokens made here, so results
agree across engines.

Chinese is segmented with jieba (rjieba, its Rust port) in search mode at index time, so a
compound also matches its parts (公交线路 -> 公交, 线路, 公交线, 公交线路); queries use the precise
mode and accept either the whole word or all of its parts. Traditional characters are
converted to Simplified (OpenCC's t2s phrases and characters) on both sides, so 醫院 finds
医院 and the reverse. Latin text is NFKC-normalised,
lowercased, ASCII-folded and lightly stemmed. A glossary maps common government terms between
Chinese and English at query time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc
import rjieba

HERE = Path(__file__).resolve().parent
_WORD = re.compile(r"\w", re.UNICODE)
_LATIN = re.compile(r"^[a-z0-9]+$")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _load_dictionary() -> None:
    for line in (HERE / "dictionary.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            parts = line.split()
            rjieba.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None, None)


def _load_glossary() -> dict[str, list[tuple[str, ...]]]:
    """Token -> equivalent token sequences in the other language."""
    pairs: dict[str, set[tuple[str, ...]]] = {}
    for line in (HERE / "glossary.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        chinese, english = line.split("\t", 1)
        for phrase in english.split(","):
            words = tuple(normalize(w) for w in phrase.split())
            pairs.setdefault(chinese, set()).add(words)
            if len(words) == 1:
                pairs.setdefault(words[0], set()).add((chinese,))
    return {key: sorted(values) for key, values in pairs.items()}


_NEEDS_DECOMPOSING = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")
_TO_SIMPLIFIED = opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional Chinese as Simplified; the text itself when the conversion would change its
    length (never seen with t2s), so character offsets (highlights) stay valid."""
    converted = _TO_SIMPLIFIED.convert(text)
    return converted if len(converted) == len(text) else text


def fold(text: str) -> str:
    """NFKC (full-width to half-width), lowercase, Traditional to Simplified Chinese, and strip
    accents from Latin letters."""
    text = unicodedata.normalize("NFKC", text).lower()
    if text.isascii():
        return text
    if _HAN.search(text):
        text = simplified(text)
    if not _NEEDS_DECOMPOSING.search(text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


# Plurals the S-stemmer rules below would get wrong (buses -> buse).
IRREGULAR = {
    "buses": "bus",
    "campuses": "campus",
    "censuses": "census",
    "statuses": "status",
    "viruses": "virus",
    "bonuses": "bonus",
    "surpluses": "surplus",
    "taxes": "tax",
    "boxes": "box",
    "indexes": "index",
    "indices": "index",
    "children": "child",
    "people": "person",
}


def stem(word: str) -> str:
    """A light English (S-)stemmer: plural endings only, so it rarely surprises."""
    if not _LATIN.match(word) or word.isdigit() or len(word) <= 3:
        return word
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def normalize(token: str) -> str:
    return stem(fold(token))


def index_tokens(text: str | None) -> list[str]:
    """Tokens to index for a piece of text (search mode: compounds and their parts)."""
    if not text:
        return []
    return [normalize(t) for t in rjieba.cut_for_search(fold(text)) if _keep(t)]


@lru_cache(maxsize=100_000)
def _keep(token: str) -> bool:
    return bool(_WORD.search(token))


def index_text(text: str | None) -> str:
    """The tokens joined by spaces, for engines fed through a whitespace tokenizer."""
    return " ".join(index_tokens(text))


def query_alternatives(term: str) -> list[list[str]]:
    """For one query word: alternatives, each a list of tokens that must all match.

    '公交线路' -> [['公交线路'], ['公交', '线路']]; 'bus' -> [['bus'], ['公交']].
    """
    alternatives: list[list[str]] = []
    for token in rjieba.cut(fold(term)):
        if not _keep(token):
            continue
        word = normalize(token)
        options = [[word]]
        parts = _split_compound(token)
        if parts:
            options.append([normalize(p) for p in parts])
        for other in GLOSSARY.get(word, ()):
            options.append(list(other))
        alternatives.append(options)
    return alternatives


def _split_compound(word: str) -> list[str] | None:
    """The fewest dictionary parts that exactly cover a Chinese compound, or None.

    '公交线路' -> ['公交', '线路']; '中小学校' -> ['中小', '学校']. Documents segmented in search
    mode contain these parts, so a query for the compound also finds text that has the
    parts without the compound itself.
    """
    if len(word) < 3 or not _HAN.search(word):
        return None
    spans: dict[int, list[int]] = {}
    for part, start, end in rjieba.tokenize(word, mode="search"):
        if part != word and end - start >= 2:
            spans.setdefault(start, []).append(end)
    best: dict[int, list[tuple[int, int]]] = {0: []}
    for start in range(len(word)):
        if start not in best:
            continue
        for end in spans.get(start, []):
            path = best[start] + [(start, end)]
            if end not in best or len(path) < len(best[end]):
                best[end] = path
    cover = best.get(len(word))
    return [word[a:b] for a, b in cover] if cover else None


def query_groups(text: str) -> list[list[list[str]]]:
    """Every word of a free-text query: groups (ANDed) of alternatives (ORed) of tokens
    (ANDed)."""
    groups = []
    for word in text.split():
        groups.extend(query_alternatives(word))
    return groups


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


_load_dictionary()
GLOSSARY = _load_glossary()
