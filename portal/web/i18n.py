"""Interface languages: Simplified Chinese by default, English on request (remembered in a
cookie), with locale-aware dates, numbers and bilingual titles.

Message ids are English; `translations/zh/LC_MESSAGES/messages.po` carries the Chinese text.
The Makefile compiles the catalogs with `pybabel compile`, and `compile_catalogs()` compiles any
missing or stale `.mo` file when the app starts, so a checkout that skipped the Makefile still
shows Chinese. After changing interface text:

    cd portal/web && pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output \
        -o translations/messages.pot .
    pybabel update -i translations/messages.pot -d translations
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
COOKIE = "portal_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
HTML_LANG = {"zh": "zh-Hans", "en": "en"}

babel = Babel()
log = logging.getLogger(__name__)


def select_locale() -> str:
    """?lang= (a shareable link), then the remembered cookie, then the browser's
    Accept-Language on a first visit, then Chinese."""
    wanted = g.get("portal_locale")
    if wanted:
        return wanted
    for value in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if value in LOCALES:
            return value
    # zh-CN, zh-TW and en-GB match on their first subtag; a browser asking for neither
    # language (fr) gets the default.
    return request.accept_languages.best_match(LOCALES, DEFAULT_LOCALE)


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def is_english() -> bool:
    return current_locale() == "en"


def compile_catalogs(directory: Path = TRANSLATIONS, fallback: Path | None = None) -> Path:
    """Compile each `.po` whose `.mo` is missing or older. Returns the directory holding the
    compiled catalogs: the translations folder, or `fallback` when that one is read-only."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = directory
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        try:
            _write(mo_path, catalog, write_mo)
        except OSError:
            if fallback is None:
                raise
            target = fallback
            _write(fallback / po_path.relative_to(directory).with_suffix(".mo"), catalog, write_mo)
    return target


def _write(path: Path, catalog: Any, write_mo: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        write_mo(handle, catalog)
    tmp.replace(path)


def init_app(app: Flask) -> None:
    try:
        folder = compile_catalogs(fallback=Path(app.instance_path) / "translations")
    except Exception:  # a broken catalog must not stop the site: English text is shown
        log.exception("Could not compile the interface translations")
        folder = TRANSLATIONS
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(folder))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel.init_app(app, locale_selector=select_locale)

    @app.after_request
    def remember_language(response):  # noqa: ANN001, ANN202
        if not request.args.get("lang") and not request.cookies.get(COOKIE):
            response.vary.add("Accept-Language")  # caches keep one copy per language
        wanted = request.args.get("lang")
        if wanted in LOCALES and request.cookies.get(COOKIE) != wanted:
            secure = app.config.get("SESSION_COOKIE_SECURE", False)
            response.set_cookie(
                COOKIE,
                wanted,
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=secure,
            )
        return response


# --- template helpers ------------------------------------------------------------------------


def localized(obj: dict[str, Any] | None, key: str = "title") -> str:
    """A dataset's, department's or theme's title in the interface language."""
    if not obj:
        return ""
    if is_english() and obj.get(f"{key}_en"):
        return obj[f"{key}_en"]
    return obj.get(key) or obj.get("display_name") or obj.get("name") or ""


def bilingual(label: dict[str, str] | None) -> str:
    """A profile's {zh, en} label in the interface language."""
    if not label:
        return ""
    return label.get(current_locale()) or label.get("zh") or label.get("en") or ""


def _parse(value: Any) -> datetime | date | None:
    if value in (None, ""):
        return None
    if isinstance(value, (datetime, date)):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return None


def fmt_date(value: Any) -> str:
    parsed = _parse(value)
    if parsed is None:
        return str(value or "")
    return format_date(parsed, "medium")


def fmt_datetime(value: Any) -> str:
    parsed = _parse(value)
    if parsed is None:
        return str(value or "")
    if not isinstance(parsed, datetime):
        return format_date(parsed, "medium")
    # Naive timestamps are UTC (the database's); Flask-Babel shows them in Asia/Shanghai.
    return format_datetime(parsed, "medium")


def fmt_number(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_decimal(value)
    except (TypeError, ValueError):
        return str(value)


def fmt_size(size: Any) -> str:
    if size is None or size == "":
        return ""
    size = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{fmt_number(round(size, 1) if unit != 'B' else int(size))} {unit}"
        size /= 1024
    return ""
