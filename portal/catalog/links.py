"""Which link addresses the catalog stores and the pages make live.

A dataset's or resource's URL ends up in an `href`, so a `javascript:` or `data:` address would
run in the visitor's browser. Browsers drop tabs and newlines anywhere in an address and
spaces and control characters around it before they read the scheme (WHATWG URL), so
`" java\\tscript:"` is `javascript:` to them: the scheme is read the same way here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Schemes a stored link may use.
LINK_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What browsers strip from both ends of an address: C0 controls and the space.
_EDGE = "".join(chr(c) for c in range(0x21))


def link_scheme(value: str) -> str | None:
    """The scheme a browser reads in `value` (lowercase), None for a relative address."""
    found = _SCHEME.match(re.sub(r"[\t\n\r]", "", value).strip(_EDGE))
    return found.group(1).lower() if found else None


def link_problem(value: str) -> str | None:
    """Why `value` may not be stored as a link (None: it may). Empty is allowed; a relative
    address is too (a client may send back an uploaded file's name)."""
    if not value:
        return None
    if _CONTROL.search(value):
        return "A URL may not contain control characters or line breaks."
    scheme = link_scheme(value)
    if scheme is None:
        # Browsers read //host, \\host and /\host as another site, not as a relative address.
        start = value.strip()[:2]
        return "Not a valid URL." if len(start) == 2 and set(start) <= {"/", "\\"} else None
    if scheme not in LINK_SCHEMES:
        return "Only http, https and ftp URLs are allowed."
    if not urlsplit(value.strip()).netloc:
        return "Not a valid URL."
    return None


def is_live_link(value: object) -> bool:
    """Whether a page may put `value` in an href: an http(s)/ftp URL with a host, or a path on
    this site. Rows stored before the rule, or by other means, are shown as text otherwise."""
    if not isinstance(value, str) or not value or _CONTROL.search(value):
        return False
    scheme = link_scheme(value)
    if scheme is None:
        return value.startswith("/") and value[1:2] not in ("/", "\\") and "\\" not in value
    return scheme in LINK_SCHEMES and bool(urlsplit(value.strip()).netloc)
