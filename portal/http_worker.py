"""The gunicorn worker `portal serve` runs: gunicorn's threaded worker, except that requests
gunicorn itself refuses before the app sees them (a request line over the limit, malformed
headers) get the Action API's JSON error body instead of gunicorn's HTML page, so CKAN clients
can read the error. The path of such a request is unknown, so pages get the JSON body too."""

from __future__ import annotations

import json

from gunicorn.http import errors
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

# The request line gunicorn accepts at most (its own ceiling): long package_search queries
# with many fq terms fit.
MAX_REQUEST_LINE = 8190

_REFUSED = (
    (errors.LimitRequestLine, 414, "URI Too Long"),
    (errors.LimitRequestHeaders, 431, "Request Header Fields Too Large"),
    (
        (
            errors.InvalidRequestLine,
            errors.InvalidRequestMethod,
            errors.InvalidHTTPVersion,
            errors.InvalidHeader,
            errors.InvalidHeaderName,
            errors.ObsoleteFolding,
        ),
        400,
        "Bad Request",
    ),
)


def refusal(exc: BaseException) -> tuple[int, str] | None:
    for kinds, status, reason in _REFUSED:
        if isinstance(exc, kinds):
            return status, reason
    return None


# Raw (not percent-encoded) UTF-8 in a URL is what `curl ".../package_search?q=公交"` sends:
# HTTP allows only ASCII there, and gunicorn refuses it, so the answer says what to do.
NON_ASCII_HINT = (
    "the URL must be ASCII: percent-encode other characters (q=%E5%85%AC%E4%BA%A4 for q=公交), "
    'e.g. curl -G URL --data-urlencode "q=公交"'
)


def error_bytes(status: int, reason: str, message: str, non_ascii: bool = False) -> bytes:
    message = NON_ASCII_HINT if non_ascii else message[:200]
    body = json.dumps(
        {
            "help": "",
            "success": False,
            "error": {"__type": "Bad Request", "message": f"{reason}: {message}"},
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class PortalWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc) -> None:  # noqa: ANN001
        refused = refusal(exc)
        if refused is None:
            super().handle_error(req, client, addr, exc)
            return
        status, reason = refused
        peer = addr[0] if isinstance(addr, tuple) else addr
        self.log.warning("Invalid request from ip=%s: %s", peer, str(exc)[:200])
        try:
            non_ascii = isinstance(exc, errors.InvalidRequestLine) and not str(exc).isascii()
            write_nonblock(client, error_bytes(status, reason, str(exc), non_ascii))
        except OSError:
            self.log.debug("Failed to send the error response")
