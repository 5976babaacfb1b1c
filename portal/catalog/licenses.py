"""The one licence lookup: which of our licences an id, alias, URL or title names.

Actions accept our ids and their aliases (CKAN's default ids such as `cc-by`, SPDX ids such as
`CC-BY-4.0`), ignoring case, and store our canonical id. Harvesters match more loosely: a
licence URL, a title, or a well-known licence's name in any of its usual spellings. The
licences and aliases are rows (seeded by migrations 0001 and 0009); the DCAT parser, which has
no database, uses `recognise_license`, the same patterns without the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from sqlalchemy import select

from portal.actions import Context
from portal.catalog.models import License, LicenseAlias

#: The ids migrations seed (0001, 0009); tests/test_licence_aliases.py checks they agree.
SEEDED_IDS = (
    "gov-open-data", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "odc-by", "odc-odbl", "odc-pddl",
    "uk-ogl", "gfdl", "other-open", "other-at", "other-pd", "cc-nc", "other-nc", "other-closed",
    "notspecified",
)  # fmt: skip

#: (pattern over a normalised licence URI or title, our id); the first match wins.
_S = r"[-_ /]"  # a separator in licence URIs, codes and titles
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p.replace("{S}", _S), re.IGNORECASE), lid)
    for p, lid in [
        # non-commercial and no-derivatives variants are not open
        (r"licen[cs]es?/by{S}nc|(?<![a-z])cc{S}(by{S})?nc(?![a-z])|"
         r"creative commons.*non{S}?commercial", "cc-nc"),
        (r"(?<![a-z])by{S}?n[cd](?![a-z])|noncommercial|non{S}commercial|noderiv", "other-closed"),
        (r"publicdomain/zero|(?<![a-z])cc{S}?0(?![0-9.])|cc{S}?zero|cc0{S}1", "cc0-1.0"),
        # before the CC patterns: opendatacommons.org/licenses/by/ is not CC BY
        (r"odc{S}by|opendatacommons\.org/licenses/by|open data commons attribution", "odc-by"),
        (r"licen[cs]es?/by{S}sa/4|cc{S}by{S}?sa{S}4|attribution{S}share{S}?alike 4",
         "cc-by-sa-4.0"),
        (r"licen[cs]es?/by{S}sa/[0-9]|cc{S}by{S}?sa{S}[0-9]", "other-open"),
        (r"licen[cs]es?/by{S}sa$|cc{S}by{S}?sa$|attribution{S}share{S}?alike$", "cc-by-sa-4.0"),
        (r"licen[cs]es?/by/4|cc{S}by{S}4|attribution 4\.0", "cc-by-4.0"),
        (r"licen[cs]es?/by/[0-9]|cc{S}by{S}[0-9]", "other-open"),
        (r"licen[cs]es?/by$|cc{S}by$", "cc-by-4.0"),
        (r"odbl|odc{S}bl(?![a-z])|open database licen[cs]e", "odc-odbl"),
        (r"pddl|public domain dedication and licen[cs]e", "odc-pddl"),
        (r"(?<![a-z])ogl{S}uk|uk{S}ogl|nationalarchives\.gov\.uk/doc/open-government|"
         r"data\.gov\.uk/id/open-government-licence|uk open government licen[cs]e", "uk-ogl"),
        (r"(?<![a-z])gfdl(?![a-z])|gnu free documentation", "gfdl"),
        (r"dl{S}de{S}by|dl{S}by{S}de|dl{S}zero{S}de|dl{S}de{S}zero|datenlizenz deutschland",
         "other-open"),
        (r"open{S}government{S}licen[cs]e|(?<![a-z])ogl(?![a-z])|etalab|"
         r"licence{S}ouverte|(?<![a-z])nlod(?![a-z])", "other-open"),
        (r"public{S}domain|publicdomain/mark", "other-pd"),
        (r"政府数据开放许可|gov{S}open{S}data", "gov-open-data"),
    ]
]  # fmt: skip


@dataclass
class LicenseTable:
    """Our licence ids by what may name them, read once per app (licences change only
    through migrations)."""

    by_id: dict[str, str] = field(default_factory=dict)  # lowercase id or alias -> id
    by_url: dict[str, str] = field(default_factory=dict)  # normalised URL -> id
    by_title: dict[str, str] = field(default_factory=dict)  # lowercase title -> id


def license_table(context: Context) -> LicenseTable:
    cached = context.app.extensions.get("portal.license_table")
    if cached is None:
        cached = LicenseTable()
        for lic in context.session.scalars(select(License).order_by(License.position)):
            cached.by_id[lic.id.lower()] = lic.id
            for title in (lic.title, lic.title_zh):
                if title:
                    cached.by_title.setdefault(title.strip().lower(), lic.id)
            if lic.url:
                cached.by_url.setdefault(_norm_url(lic.url), lic.id)
        for alias in context.session.scalars(select(LicenseAlias)):
            cached.by_id.setdefault(alias.alias.lower(), alias.license_id)
        context.app.extensions["portal.license_table"] = cached
    return cached


def canonical_license_id(context: Context, value: str) -> str | None:
    """Our id for one of our licence ids or its aliases, in any case (None: no such licence)."""
    return license_table(context).by_id.get(value.strip().lower())


def match_license(context: Context, *candidates: object) -> str | None:
    """Our id for the first candidate (a remote licence id, URL or title) that names one of our
    licences; None when none does."""
    table = license_table(context)
    for text in (c.strip() for c in candidates if isinstance(c, str) and c.strip()):
        found = table.by_id.get(text.lower()) or table.by_url.get(_norm_url(text))
        found = found or table.by_title.get(text.lower()) or _own_feed_id(text, table)
        recognised = found or recognise_license(text)
        if recognised and recognised.lower() in table.by_id:
            return table.by_id[recognised.lower()]
    return None


def recognise_license(*candidates: str | None) -> str | None:
    """Our id for a well-known licence's URI, identifier or title, without the database (the
    first candidate recognised)."""
    for candidate in candidates:
        if not candidate:
            continue
        text = candidate.strip()
        if text in SEEDED_IDS:
            return text
        last = unquote(text.rstrip("/").rsplit("/", 1)[-1])
        if "/license/" in text and last in SEEDED_IDS:  # our own feeds' licence URI
            return last
        normal = re.sub(r"^https?://(www\.)?", "", text.lower())
        normal = re.sub(r"(/legalcode(\.[a-z-]+)?|/deed\.[a-z-]+|\.html?|/)+$", "", normal)
        for pattern, lid in _PATTERNS:
            if pattern.search(normal):
                return lid
    return None


def _own_feed_id(text: str, table: LicenseTable) -> str | None:
    # Our feeds name a licence without a URL of its own as <site>/license/<id>.
    if "/license/" not in text:
        return None
    return table.by_id.get(unquote(text.rstrip("/").rsplit("/", 1)[-1]).lower())


def _norm_url(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")
