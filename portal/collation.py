"""Ordering text the way Chinese readers expect: by pinyin, then by the characters."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def pinyin_key(text: str | None) -> tuple[str, str]:
    """Sort key: '省交通运输厅' -> ('sheng jiao tong yun shu ting', ...). Latin text sorts
    case-insensitively among the pinyin, as in Chinese dictionaries' indexes."""
    text = text or ""
    return (" ".join(lazy_pinyin(text, style=Style.NORMAL)).lower(), text)
