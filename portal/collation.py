"""Ordering text the way Chinese readers expect: by pinyin, then by the characters."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_RUNS = re.compile(r"[\u3400-\u9fff]{1,4}|[^\u3400-\u9fff]+")


@lru_cache(maxsize=65536)
def pinyin_key(text: str | None) -> tuple[str, str]:
    """Sort key: '省交通运输厅' -> ('sheng jiao tong yun shu ting', ...). Latin text sorts
    case-insensitively among the pinyin, as in Chinese dictionaries' indexes."""
    text = text or ""
    return (" ".join(_syllables(word) for word in _words(text)).lower(), text)


def _words(text: str) -> list[str]:
    # Runs of Han characters and of everything else, so each run's pinyin can be cached.
    return [w for w in _RUNS.findall(text) if w]


@lru_cache(maxsize=100_000)
def _syllables(word: str) -> str:
    return " ".join(lazy_pinyin(word, style=Style.NORMAL))
