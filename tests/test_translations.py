"""Chinese is the portal's first language: every interface string of the pages has a Simplified
Chinese translation, and the catalog holds no translations that nothing uses any more."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[1] / "portal" / "web"
CATALOG = WEB / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "N_": None,
    "lazy_gettext": None,
}


def interface_strings() -> dict[str, str]:
    """msgid -> where it is used, extracted as `pybabel extract -F babel.cfg` does."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(WEB), method_map=method_map, keywords=KEYWORDS
    ):
        singular = message[0] if isinstance(message, tuple) else message
        if singular:
            found.setdefault(singular, f"{filename}:{lineno}")
    return found


def test_every_interface_string_has_a_chinese_translation():
    catalog = read_po(CATALOG.open("rb"))
    missing = []
    for msgid, where in interface_strings().items():
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else ""
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(f"{where}: {msgid}")
    assert missing == []


def test_the_catalog_has_no_unused_translations():
    used = set(interface_strings())
    catalog = read_po(CATALOG.open("rb"))
    unused = [
        m.id for m in catalog if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in used
    ]
    assert unused == []
