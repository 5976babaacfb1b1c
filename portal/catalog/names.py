"""URL names made from titles, so a publisher need not invent one: 公交线路 2024 ->
gong-jiao-xian-lu-2024 (pinyin for Chinese, ASCII folding for Latin text)."""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.fields import NAME_RE, RESERVED_NAMES

MAX_BASE = 90  # room for a "-12" suffix within the 100 characters a name may have
_NOT_NAME = re.compile(r"[^a-z0-9]+")


def name_from_title(title: str) -> str:
    """A name-shaped slug of the title ('' when nothing in it spells as ASCII)."""
    words = lazy_pinyin(title, style=Style.NORMAL, errors="default")
    ascii_text = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore")
    slug = _NOT_NAME.sub("-", ascii_text.decode().lower()).strip("-")
    if len(slug) > MAX_BASE:
        slug = slug[:MAX_BASE].rsplit("-", 1)[0] or slug[:MAX_BASE]
    return slug if NAME_RE.fullmatch(slug) and slug not in RESERVED_NAMES else ""


def free_name(session: Session, column, base: str) -> str:
    """`base`, or base-2, base-3, ... : the first that no row holds in `column`."""
    taken = set(session.scalars(select(column).where(column.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
