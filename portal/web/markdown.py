"""Dataset descriptions: Markdown rendered with markdown-it-py, then sanitized with nh3."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_md.enable("strikethrough")


@lru_cache(maxsize=512)
def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a description. Raw HTML in the source is escaped by markdown-it, and the
    result is sanitized again (links keep only http, https and mailto; rel=noopener added)."""
    if not text:
        return Markup("")
    html = _md.render(text)
    # Headings start at h2: the page's h1 is the dataset title.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above


def plain_text(text: str | None, limit: int = 200) -> str:
    """A short plain-text summary of a Markdown description (for cards and meta tags)."""
    if not text:
        return ""
    flat = " ".join(text.replace("`", "").replace("#", "").replace("*", "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
