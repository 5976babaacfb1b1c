"""Which search terms touch which themes: the rule the department figures and the rollups of
searches per theme share.

A theme's keywords are the words of its name, Chinese title and English title, cut by the
search analyzer (portal.search.text.index_tokens, so 交通出行 gives 交通, 出行 and 交通出行),
leaving out one-character words and English function words. A department's are its own
title's words plus the keywords of the themes its public datasets are in. A term touches a
theme when one of its own words, cut the same way, is one of the theme's keywords: 交通拥堵
(交通, 拥堵) touches 交通出行; "bus" touches nothing unless a title says bus.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from portal.search.text import index_tokens

# Latin words too common to tie a query to a theme.
STOPWORDS = frozenset(
    {"and", "the", "for", "with", "from", "data", "dataset", "datasets", "public", "open"}
)


def keywords(texts: Iterable[str | None]) -> frozenset[str]:
    """The words of some names and titles that make a search term touch them."""
    found: set[str] = set()
    for text in texts:
        found.update(words(text or ""))
    return frozenset(found)


@lru_cache(maxsize=50_000)
def words(text: str) -> frozenset[str]:
    """A text's words as the analyzer cuts them, one-character and function words left out."""
    return frozenset(w for w in index_tokens(text) if len(w) > 1 and w not in STOPWORDS)


class Matcher:
    """Terms -> the names of the groups (themes, departments) they touch, each term cut once."""

    def __init__(self, groups: dict[str, frozenset[str]]) -> None:
        self.by_word: dict[str, set[str]] = {}
        for name, found in groups.items():
            for word in found:
                self.by_word.setdefault(word, set()).add(name)
        self._seen: dict[str, tuple[str, ...]] = {}

    def touched(self, term: str) -> tuple[str, ...]:
        if term not in self._seen:
            names: set[str] = set()
            for word in words(term):
                names |= self.by_word.get(word, set())
            self._seen[term] = tuple(sorted(names))
        return self._seen[term]
