"""Reading one DCAT document into an RDF graph, safely.

RDF/XML with a DOCTYPE or ENTITY declaration is refused before rdflib sees it (the XML parser
would otherwise expand entities), JSON-LD that references a remote @context is refused
(rdflib would fetch it), and the number of triples is capped. Every parse failure is a
`ParseError` with a readable message.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any
from xml.parsers import expat

from rdflib import Graph
from rdflib.plugins.stores.memory import Memory

from harvesters.errors import ParseError

#: The most triples one document may hold; more raises ParseError (memory bound).
MAX_TRIPLES = 5_000_000


class _TooManyTriples(Exception):
    pass


class _CappedMemory(Memory):
    """rdflib's in-memory store, refusing to hold more than `limit` triples."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit
        self._added = 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        self._added += 1
        if self._added > self._limit:
            raise _TooManyTriples
        super().add(triple, context, quoted)


_XML_START = re.compile(rb"^<(\?xml|!|[A-Za-z_][\w.\-]*(:[A-Za-z_][\w.\-]*)?[\s/>])")
_HTML_START = re.compile(rb"^<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
_TURTLE_START = re.compile(rb"^(@prefix|@base|prefix\s|base\s|#)", re.IGNORECASE)
_DTD = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _declared_syntax(content_type: str | None) -> str | None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ("text/turtle", "application/x-turtle", "text/n3", "application/n-triples"):
        return "turtle"
    if media in ("application/rdf+xml", "application/xml", "text/xml"):
        return "xml"
    if media in ("application/ld+json", "application/json"):
        return "json-ld"
    return None


def _head(content: bytes) -> bytes:
    """The first bytes of the document as ASCII-ish text, for sniffing."""
    head = content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    elif head[:4].count(b"\x00") >= 1:  # UTF-16 or UTF-32 without a byte order mark
        for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
            text = head.decode(codec, errors="ignore")
            if text[:1] in "<{[@#":
                head = text.encode("utf-8", errors="ignore")
                break
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.lstrip()


def _sniff(content: bytes) -> str | None:
    head = _head(content)
    if head[:1] in (b"{", b"["):
        return "json-ld"
    if _HTML_START.match(head):
        return "html"
    if head.startswith((b"<?xml", b"<!")) or (_XML_START.match(head) and b"xmlns" in head):
        return "xml"
    if _TURTLE_START.match(head):
        return "turtle"
    return None


def _syntax(content: bytes, content_type: str | None) -> str:
    sniffed = _sniff(content)
    if sniffed == "html":
        raise ParseError("Expected RDF (Turtle, RDF/XML or JSON-LD) but got an HTML page.")
    return sniffed or _declared_syntax(content_type) or "turtle"


def _refuse_dtd(content: bytes) -> None:
    """Refuse XML with a document type or entity declaration, in any encoding expat reads."""
    message = (
        "RDF/XML with a DOCTYPE or ENTITY declaration is refused "
        "(entity expansion and external entities are unsafe)."
    )
    if _DTD.search(content) or _DTD.search(_head(content)):
        raise ParseError(message)

    class _Refused(Exception):
        pass

    def refuse(*_args: Any) -> None:
        raise _Refused

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(content, True)
    except _Refused:
        raise ParseError(message) from None
    except expat.ExpatError as exc:
        raise ParseError(
            f"Invalid RDF/XML at line {exc.lineno}, column {exc.offset + 1}: "
            f"{expat.ErrorString(exc.code)}."
        ) from None


def _refuse_remote_contexts(value: Any, depth: int = 0) -> None:
    """rdflib fetches a JSON-LD @context given by URL; a harvester must not."""
    if depth > 200:
        raise ParseError("Invalid JSON-LD: the document is nested too deeply.")
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                _check_context(item)
            _refuse_remote_contexts(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _refuse_remote_contexts(item, depth + 1)


def _check_context(context: Any) -> None:
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, str) or (isinstance(item, dict) and "@import" in item):
            raise ParseError(
                "JSON-LD with a remote @context is not supported; "
                "publish the context inline (or use Turtle or RDF/XML)."
            )


def _load_json(content: bytes) -> None:
    text = content.decode("utf-8-sig", errors="replace")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"Invalid JSON-LD at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    except RecursionError:
        raise ParseError("Invalid JSON-LD: the document is nested too deeply.") from None
    if not isinstance(document, (dict, list)):
        raise ParseError("Invalid JSON-LD: expected a JSON object or array.")
    _refuse_remote_contexts(document)


_SYNTAX_NAMES = {"turtle": "Turtle", "xml": "RDF/XML", "json-ld": "JSON-LD"}


def _describe(exc: BaseException, syntax: str) -> str:
    name = _SYNTAX_NAMES[syntax]
    lines = getattr(exc, "lines", None)
    why = getattr(exc, "_why", None)
    if isinstance(lines, int) and why:  # rdflib's notation3 BadSyntax
        return f"Invalid {name} at line {lines + 1}: {why}."
    if hasattr(exc, "getLineNumber"):  # xml.sax SAXParseException
        return (
            f"Invalid {name} at line {exc.getLineNumber()}, column {exc.getColumnNumber()}: "
            f"{exc.getMessage()}."
        )
    if isinstance(exc, (IndexError, EOFError)):
        return f"Invalid {name}: unexpected end of the document (is it truncated?)."
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.split(" at ^ in", 1)[0].rstrip(".")  # notation3 appends an excerpt
    return f"Invalid {name}: {text[:300]}."


def read_graph(content: bytes, content_type: str | None, base_url: str) -> Graph:
    if not content or not content.strip():
        raise ParseError("The document is empty.")
    syntax = _syntax(content, content_type)
    if syntax == "xml":
        _refuse_dtd(content)
    else:
        if content.startswith(b"\xef\xbb\xbf"):
            content = content[3:]
        if syntax == "json-ld":
            _load_json(content)
    graph = Graph(store=_CappedMemory(MAX_TRIPLES))
    try:
        with warnings.catch_warnings():
            # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph internally.
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(data=content, format=syntax, publicID=base_url or None)
    except _TooManyTriples:
        raise ParseError(f"The document holds more than {MAX_TRIPLES} triples.") from None
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(f"Invalid {_SYNTAX_NAMES[syntax]}: nested too deeply.") from None
    except Exception as exc:  # rdflib raises many types (BadSyntax, SAX, Assertion, Index)
        raise ParseError(_describe(exc, syntax)) from None
    return graph

