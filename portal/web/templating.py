"""Template globals and filters: languages, formatting, URLs that keep the current filters."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, request, url_for
from markupsafe import Markup, escape

from portal.catalog.dictize import upload_filename
from portal.catalog.links import is_live_link
from portal.web import i18n, lookups
from portal.web.markdown import plain_text, render_markdown


def language_url(code: str) -> str:
    """The current page in another language (the choice is remembered in a cookie)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", code))
    return f"{request.path}?{urlencode(args)}"


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (None removes them)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes and k != "lang"]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            args.extend((key, v) for v in value)
        else:
            args.append((key, value))
    query = urlencode(args)
    return f"{request.path}?{query}" if query else request.path


def format_badge(fmt: str | None) -> Markup:
    text = (fmt or "").strip().upper() or "?"
    css = "".join(ch for ch in text.lower() if ch.isalnum())[:10] or "other"
    return Markup('<span class="badge badge-{}">{}</span>').format(css, text)


def highlighted(result: dict[str, Any], key: str) -> Markup:
    """A search result's title or notes with the query's words marked. The search service
    escapes the text and adds only <mark> elements, so this one key is trusted as HTML."""
    value = (result.get("highlight") or {}).get(key)
    if value:
        if key == "notes":
            # Markdown marks read as noise in a snippet; neither character is HTML syntax.
            value = value.replace("`", "").replace("*", "")
        return Markup(value)  # noqa: S704 - escaped by portal.search.highlight
    text = result.get(key) or ""
    if key == "notes":
        text = plain_text(text, 160)
    return Markup(escape(text))


def download_url(dataset: dict[str, Any], resource: dict[str, Any]) -> str:
    """Uploaded files through the portal's download route (relative to this site); links as
    they are."""
    if resource.get("url_type") == "upload":
        filename = upload_filename(resource.get("url") or "") or "file"
        return url_for(
            "catalog.download",
            dataset_id=dataset["id"],
            resource_id=resource["id"],
            filename=filename,
        )
    return resource.get("url") or ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        loc=i18n.localized,
        bi=i18n.bilingual,
        current_locale=i18n.current_locale,
        html_lang=lambda: i18n.HTML_LANG.get(i18n.current_locale(), "zh-Hans"),
        language_url=language_url,
        url_with=url_with,
        format_badge=format_badge,
        highlighted=highlighted,
        download_url=download_url,
        value_label=lookups.value_label,
        max_upload_mb=lambda: (
            current_app.extensions["portal.settings"].max_upload_bytes // (1024 * 1024)
        ),
    )
    app.jinja_env.filters.update(
        markdown=render_markdown,
        plain=plain_text,
        date=i18n.fmt_date,
        datetime=i18n.fmt_datetime,
        number=i18n.fmt_number,
        filesize=i18n.fmt_size,
    )
    # `value is live_link`: whether a stored URL may become an href (portal.catalog.links).
    app.jinja_env.tests["live_link"] = is_live_link
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
