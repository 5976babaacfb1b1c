"""Parsing DCAT (DCAT-AP 2 and 3, and the common variants real portals publish) into portal
package dicts.

`parse_dcat(content, content_type, base_url)` reads one Turtle, RDF/XML or JSON-LD document
(a catalog page or a single dataset) and returns a `DcatPage`: the datasets as package dicts
(without `owner_org` and `name`, which the harvest framework decides), plus the Hydra paging
links of a paged catalog.

Safety: RDF/XML with a DOCTYPE or ENTITY declaration is refused before rdflib sees it (the XML
parser would otherwise expand entities), JSON-LD that references a remote @context is refused
(rdflib would fetch it), and the number of triples is capped. Every parse failure is a
`ParseError` with a readable message.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.parsers import expat

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from harvesters.errors import ParseError
from portal.catalog.licenses import SEEDED_IDS
from portal.catalog.licenses import recognise_license as license_id

#: The most triples one document may hold; more raises ParseError (memory bound).
MAX_TRIPLES = 5_000_000
#: Tags longer than this are cut (the portal's tag limit); at most MAX_TAGS are kept.
MAX_TAG_LENGTH = 100
MAX_TAGS = 100
MAX_SPATIAL_LENGTH = 500


class _NS:
    def __init__(self, base: str) -> None:
        self.base = base

    def __getattr__(self, name: str) -> URIRef:
        return URIRef(self.base + name)

    def __getitem__(self, name: str) -> URIRef:
        return URIRef(self.base + name)


RDF = _NS("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = _NS("http://www.w3.org/2000/01/rdf-schema#")
DCT = _NS("http://purl.org/dc/terms/")
# The Project Open Data JSON-LD context maps license and conformsTo to "dct/#license".
DCT_HASH = _NS("http://purl.org/dc/terms/#")
DC = _NS("http://purl.org/dc/elements/1.1/")
DCAT = _NS("http://www.w3.org/ns/dcat#")
DCATDE = _NS("http://dcat-ap.de/def/dcatde/")
ADMS = _NS("http://www.w3.org/ns/adms#")
FOAF = _NS("http://xmlns.com/foaf/0.1/")
VCARD = _NS("http://www.w3.org/2006/vcard/ns#")
SKOS = _NS("http://www.w3.org/2004/02/skos/core#")
SPDX = _NS("http://spdx.org/rdf/terms#")
LOCN = _NS("http://www.w3.org/ns/locn#")
SCHEMA = _NS("http://schema.org/")
SCHEMA_S = _NS("https://schema.org/")
TIME = _NS("http://www.w3.org/2006/time#")
OWL = _NS("http://www.w3.org/2002/07/owl#")
HYDRA = _NS("http://www.w3.org/ns/hydra/core#")

EU = "http://publications.europa.eu/resource/authority/"


@dataclass
class DcatPage:
    """One parsed DCAT document: its datasets and, for a paged catalog, where to go next."""

    datasets: list[dict[str, Any]] = field(default_factory=list)
    next_url: str | None = None
    total: int | None = None


# --- reading the document ---------------------------------------------------------------------


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


def _graph(content: bytes, content_type: str | None, base_url: str) -> Graph:
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


def parse_dcat(content: bytes, content_type: str | None, base_url: str) -> DcatPage:
    """The datasets and paging of one DCAT document (Turtle, RDF/XML or JSON-LD)."""
    graph = _graph(content, content_type, base_url)
    reader = _Reader(graph)
    page = DcatPage()
    for node in reader.dataset_nodes():
        page.datasets.append(reader.dataset(node))
    page.next_url, page.total = reader.paging(base_url)
    return page


# --- vocabularies -----------------------------------------------------------------------------

FREQUENCIES = ("CONT", "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "BIANNUAL", "ANNUAL", "IRREG")
#: EU frequency codes (and Dublin Core collection frequencies) we have no choice of our own for.
_OTHER_FREQUENCIES = {
    "OTHER", "BIENNIAL", "TRIENNIAL", "QUADRENNIAL", "QUINQUENNIAL", "DECENNIAL", "BIDECENNIAL",
    "TRIDECENNIAL", "BIMONTHLY", "BIWEEKLY", "WEEKLY_2", "WEEKLY_3", "MONTHLY_2", "MONTHLY_3",
    "DAILY_2", "ANNUAL_3", "HOURLY", "BIHOURLY", "TRIHOURLY", "12HRS", "1MIN", "5MIN", "10MIN",
    "15MIN", "30MIN", "SEMIWEEKLY", "THREETIMESAWEEK", "THREETIMESAMONTH", "THREETIMESAYEAR",
    "SEMIMONTHLY",
}  # fmt: skip
_FREQUENCY_ALIASES = {
    "UPDATE_CONT": "CONT",
    "AS_NEEDED": "IRREG",
    "CONTINUOUS": "CONT",
    "ANNUAL_2": "BIANNUAL",
    "SEMIANNUAL": "BIANNUAL",
    "IRREGULAR": "IRREG",
}
#: ISO 8601 repeating durations (Project Open Data accrualPeriodicity).
_ISO_FREQUENCIES = {
    "R/PT1S": "CONT",
    "R/P1D": "DAILY",
    "R/P1W": "WEEKLY",
    "R/P7D": "WEEKLY",
    "R/P1M": "MONTHLY",
    "R/P3M": "QUARTERLY",
    "R/P6M": "BIANNUAL",
    "R/P1Y": "ANNUAL",
    "R/P12M": "ANNUAL",
    "IRREGULAR": "IRREG",
}
ACCESS_RIGHTS = {
    "PUBLIC": "PUBLIC",
    "RESTRICTED": "RESTRICTED",
    "NON_PUBLIC": "NON_PUBLIC",
    "NON-PUBLIC": "NON_PUBLIC",
    "RESTRICTED PUBLIC": "RESTRICTED",
}
LANGUAGES = {
    "zh": "zh", "zho": "zh", "chi": "zh", "cmn": "zh", "chinese": "zh",
    "en": "en", "eng": "en", "english": "en",
}  # fmt: skip

#: Our short format names, by the upper-cased name, extension or EU file-type code.
FORMAT_NAMES = {
    **{name: name for name in (
        "CSV", "TSV", "JSON", "GEOJSON", "XML", "XLS", "XLSX", "ODS", "PDF", "DOC", "DOCX",
        "ODT", "PPT", "PPTX", "TXT", "HTML", "RDF", "TTL", "NT", "N3", "ZIP", "GZIP", "TAR",
        "7Z", "RAR", "SHP", "KML", "KMZ", "GML", "GPKG", "JPEG", "PNG", "GIF", "TIFF", "SVG",
        "MP3", "MP4", "WMS", "WFS", "WCS", "WMTS", "SQL", "DBF", "MDB", "PARQUET", "NETCDF",
        "API", "SPARQL", "JSON-LD", "ATOM", "RSS", "WAR", "ESRI REST", "OWL", "YAML",
    )},
    "HTM": "HTML", "JPG": "JPEG", "TIF": "TIFF", "GZ": "GZIP", "RDF/XML": "RDF",
    "RDF_XML": "RDF", "RDFXML": "RDF", "TURTLE": "TTL", "RDF_TURTLE": "TTL",
    "N-TRIPLES": "NT", "RDF_N_TRIPLES": "NT", "JSON_LD": "JSON-LD", "JSONLD": "JSON-LD",
    "WMS_SRVC": "WMS", "WFS_SRVC": "WFS", "WCS_SRVC": "WCS", "WMTS_SRVC": "WMTS",
    "SPARQLQ": "SPARQL", "SPARQL_QUERY": "SPARQL", "REST": "API", "XLSM": "XLSX",
    "SHAPEFILE": "SHP", "SHP_ZIP": "SHP", "GEOPACKAGE": "GPKG", "NETCDF4": "NETCDF",
    "ZIPPED CSV": "ZIP", "GML2": "GML", "GML3": "GML", "TEXT": "TXT", "WEB PAGE": "HTML",
}  # fmt: skip
MEDIA_FORMATS = {
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/json": "JSON",
    "application/geo+json": "GEOJSON",
    "application/vnd.geo+json": "GEOJSON",
    "application/ld+json": "JSON-LD",
    "application/xml": "XML",
    "text/xml": "XML",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/pdf": "PDF",
    "application/msword": "DOC",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/zip": "ZIP",
    "application/x-zip-compressed": "ZIP",
    "application/gzip": "GZIP",
    "application/x-gzip": "GZIP",
    "text/html": "HTML",
    "application/xhtml+xml": "HTML",
    "text/plain": "TXT",
    "application/rdf+xml": "RDF",
    "text/turtle": "TTL",
    "application/n-triples": "NT",
    "application/sparql-query": "SPARQL",
    "application/sparql-results+json": "SPARQL",
    "application/sparql-results+xml": "SPARQL",
    "application/gml+xml": "GML",
    "application/vnd.google-earth.kml+xml": "KML",
    "application/vnd.google-earth.kmz": "KMZ",
    "application/geopackage+sqlite3": "GPKG",
    "application/x-shapefile": "SHP",
    "application/vnd.shp": "SHP",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/svg+xml": "SVG",
    "application/x-netcdf": "NETCDF",
    "application/vnd.apache.parquet": "PARQUET",
    "application/atom+xml": "ATOM",
    "application/rss+xml": "RSS",
}
_FORMAT_MEDIA = {fmt: media for media, fmt in reversed(MEDIA_FORMATS.items())}
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
_IANA = re.compile(r"^https?://www\.iana\.org/assignments/media-types/(.+)$", re.IGNORECASE)

_HASH_ALGORITHMS = {
    "sha256": "sha256", "sha-256": "sha256", "sha/256": "sha256",
    "sha1": "sha1", "sha-1": "sha1", "sha/1": "sha1",
    "sha512": "sha512", "sha-512": "sha512", "sha/512": "sha512",
    "sha384": "sha384", "sha/384": "sha384", "sha224": "sha224", "sha/224": "sha224",
    "md5": "md5", "md/5": "md5", "md-5": "md5", "sm3": "sm3",
}  # fmt: skip
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


# --- small helpers ----------------------------------------------------------------------------


def _lang_group(lang: str | None) -> str:
    lang = (lang or "").lower()
    if lang in ("", "und") or lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    return lang


def _choose_group(literals: list[Literal]) -> str | None:
    """The language to show: Chinese or untagged, else English, else the first one."""
    groups = [_lang_group(lit.language) for lit in literals]
    for wanted in ("zh", "en"):
        if wanted in groups:
            return wanted
    return groups[0] if groups else None


def _clean(text: Any) -> str:
    return str(text).strip()


def as_date(value: Any) -> str | None:
    """'2024-04-15T09:08:02+02:00' -> '2024-04-15'; None when there is no full date."""
    match = _ISO_DATE.match(str(value)) if value is not None else None
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def _is_web(value: str | None) -> bool:
    if not value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _tag(text: str) -> str:
    text = re.sub(r"[,，\s]+", " ", text).strip()
    return text[:MAX_TAG_LENGTH].rstrip()


def _media_type(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip()
    match = _IANA.match(text)
    if match:
        text = unquote(match.group(1))
    base = text.split(";", 1)[0].strip().lower()
    return base if _MEDIA_TYPE.match(base) else None


def _format_name(value: str | None) -> str | None:
    """A format as our short upper-case name ('CSV', 'XLSX', 'API'), when it is recognisable."""
    if not value:
        return None
    text = value.strip()
    if text.upper().startswith(EU.upper() + "FILE-TYPE/"):
        text = text.rsplit("/", 1)[-1]
    media = _media_type(text)
    if media:
        return MEDIA_FORMATS.get(media)
    if "://" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    key = text.upper().lstrip(".")
    return FORMAT_NAMES.get(key)


def frequency_code(value: str | None) -> str | None:
    """An EU frequency URI, Dublin Core collection frequency or ISO 8601 repeating duration
    as one of our frequency choices; None when it means nothing we know."""
    if not value:
        return None
    text = value.strip()
    if text.upper().startswith("R/P") or text.upper() == "IRREGULAR":
        return _ISO_FREQUENCIES.get(text.upper())
    code = text.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].upper()
    code = _FREQUENCY_ALIASES.get(code, code)
    if code in FREQUENCIES:
        return code
    if code in _OTHER_FREQUENCIES:
        return "OTHER"
    return None


def _duration_frequency(years: float, months: float, weeks: float, days: float) -> str | None:
    table = {
        (1, 0, 0, 0): "ANNUAL",
        (0, 6, 0, 0): "BIANNUAL",
        (0, 3, 0, 0): "QUARTERLY",
        (0, 1, 0, 0): "MONTHLY",
        (0, 0, 1, 0): "WEEKLY",
        (0, 0, 0, 7): "WEEKLY",
        (0, 0, 0, 1): "DAILY",
    }
    return table.get((years, months, weeks, days))


# --- the graph reader ------------------------------------------------------------------------


class _Reader:
    def __init__(self, graph: Graph) -> None:
        self.g = graph

    # graph access, in document order (rdflib's memory store keeps insertion order)

    def objects(self, node: Node, *predicates: URIRef) -> list[Node]:
        found: dict[Node, None] = {}
        for predicate in predicates:
            found.update(dict.fromkeys(self.g.objects(node, predicate)))
        return list(found)

    def first(self, node: Node, *predicates: URIRef) -> Node | None:
        for predicate in predicates:
            for obj in self.g.objects(node, predicate):
                return obj
        return None

    def literals(self, node: Node, *predicates: URIRef) -> list[Literal]:
        return [o for o in self.objects(node, *predicates) if isinstance(o, Literal) and _clean(o)]

    def texts(self, node: Node, *predicates: URIRef) -> tuple[str | None, str | None]:
        """(text in the chosen language, English text when another language was chosen)."""
        literals = self.literals(node, *predicates)
        group = _choose_group(literals)
        if group is None:
            return None, None
        chosen = next(_clean(lit) for lit in literals if _lang_group(lit.language) == group)
        english = None
        if group != "en":
            english = next(
                (_clean(lit) for lit in literals if _lang_group(lit.language) == "en"), None
            )
        return chosen, english

    def text(self, node: Node, *predicates: URIRef) -> str | None:
        return self.texts(node, *predicates)[0]

    def value(self, node: Node, *predicates: URIRef) -> str | None:
        """The first value as text: a literal's lexical form or a URI."""
        for obj in self.objects(node, *predicates):
            if isinstance(obj, (Literal, URIRef)) and _clean(obj):
                return _clean(obj)
        return None

    def url(self, node: Node, *predicates: URIRef) -> str | None:
        """The first http(s) URL, given as a URI or as a literal."""
        for obj in self.objects(node, *predicates):
            if isinstance(obj, (Literal, URIRef)) and _is_web(_clean(obj)):
                return _clean(obj)
        return None

    def label(self, node: Node) -> str | None:
        return self.text(
            node, SKOS.prefLabel, RDFS.label, FOAF.name, DCT.title, LOCN.geographicName, VCARD.fn
        )

    def is_a(self, node: Node, *classes: URIRef) -> bool:
        return any((node, RDF.type, cls) in self.g for cls in classes)

    # datasets and paging

    def dataset_nodes(self) -> list[Node]:
        nodes = dict.fromkeys(self.g.subjects(RDF.type, DCAT.Dataset))
        for node in self.g.objects(None, DCAT.dataset):
            if node not in nodes and not isinstance(node, Literal) and self.first(node, DCT.title):
                nodes[node] = None
        return list(nodes)

    def paging(self, base_url: str) -> tuple[str | None, int | None]:
        next_url: str | None = None
        total: int | None = None
        for predicate in (HYDRA.next, HYDRA.nextPage):
            for obj in self.g.objects(None, predicate):
                link = urljoin(base_url or "", _clean(obj))
                if _is_web(link) and link != base_url:
                    next_url = next_url or link
        for obj in self.g.objects(None, HYDRA.totalItems):
            try:
                total = int(float(_clean(obj)))
            except ValueError:
                continue
            break
        return next_url, total

    def dataset(self, node: Node) -> dict[str, Any]:
        uri = str(node) if isinstance(node, URIRef) else None
        extras: dict[str, str] = {}
        title, title_en = self.texts(node, DCT.title, DC.title)
        notes, _notes_en = self.texts(node, DCT.description, DC.description)
        identifier = self.value(node, DCT.identifier, DCAT.identifier, DC.identifier)
        landing = self.url(node, DCAT.landingPage)
        contact = self.contact(node)
        data: dict[str, Any] = {
            "title": title or identifier or uri,
            "title_en": title_en,
            "notes": notes,
            "url": landing,
            "version": self.value(node, DCAT.version, OWL.versionInfo, ADMS.version),
            "tags": self.tags(node),
            "license_id": None,
            "maintainer": contact.get("name"),
            "maintainer_email": contact.get("email")
            if _EMAIL.match(contact.get("email") or "")
            else None,
        }
        if data["version"] and len(data["version"]) > 100:
            extras["version"] = data.pop("version")
        if identifier:
            extras["identifier"] = identifier
        if uri:
            extras["uri"] = uri
        for key in ("name", "email", "uri"):
            if contact.get(key):
                extras[f"contact_{key}"] = contact[key]
        publisher = self.publisher(node)
        if publisher:
            extras["publisher_name"] = publisher["name"] or ""
            if publisher.get("uri"):
                extras["publisher_uri"] = publisher["uri"]
        modified = self.value(node, DCT.modified)
        if modified:
            extras["modified"] = modified
        themes = [
            _clean(t) for t in self.objects(node, DCAT.theme) if isinstance(t, (URIRef, Literal))
        ]
        if themes:
            extras["theme"] = json.dumps(themes, ensure_ascii=False)

        self.profile_fields(node, data, extras)
        distributions = self.objects(node, DCAT.distribution)
        data["resources"] = [self.resource(dist) for dist in distributions]

        # The dataset's licence, else the first distribution's.
        licences = (self.license_of(item) for item in [node, *distributions])
        licence = next((found for found in licences if found is not None), None)
        if licence is not None:
            data["license_id"] = licence[0]
            if licence[0] is None and licence[1]:
                extras["license"] = licence[1]
        data["extras"] = [{"key": k, "value": v} for k, v in extras.items() if v not in ("", None)]
        data["remote_id"] = identifier or uri or landing
        data["remote_url"] = uri if _is_web(uri) else landing
        data["publisher"] = (
            {"name": publisher["name"], "identifier": publisher["identifier"]}
            if publisher
            else None
        )
        return data

    def tags(self, node: Node) -> list[dict[str, str]]:
        literals = self.literals(node, DCAT.keyword)
        group = _choose_group(literals)
        seen: set[str] = set()
        tags: list[dict[str, str]] = []
        for lit in literals:
            if _lang_group(lit.language) != group:
                continue
            name = _tag(str(lit))
            if name and name.lower() not in seen and len(tags) < MAX_TAGS:
                seen.add(name.lower())
                tags.append({"name": name})
        return tags

    def contact(self, node: Node) -> dict[str, str]:
        for point in self.objects(node, DCAT.contactPoint, ADMS.contactPoint):
            if isinstance(point, Literal):
                return {"name": _clean(point)}
            found: dict[str, str] = {}
            name = self.text(point, VCARD.fn, VCARD["organization-name"], FOAF.name)
            if name:
                found["name"] = name
            mail = self.objects(point, VCARD.hasEmail, FOAF.mbox)
            for item in mail:
                if isinstance(item, BNode):
                    item = self.first(item, VCARD.hasValue) or item
                address = _clean(item)
                if address.lower().startswith("mailto:"):
                    address = unquote(address[7:].split("?", 1)[0])
                if address and not isinstance(item, BNode):
                    found["email"] = address
                    break
            if isinstance(point, URIRef) and _is_web(str(point)) and "#" not in str(point):
                found["uri"] = str(point)
            if found:
                return found
        return {}

    def publisher(self, node: Node) -> dict[str, str | None] | None:
        agent = self.first(node, DCT.publisher)
        if agent is None:
            return None
        if isinstance(agent, Literal):
            return {"name": _clean(agent), "identifier": None, "uri": None}
        name = self.text(agent, FOAF.name, SKOS.prefLabel, RDFS.label, VCARD.fn, DCT.title)
        uri = str(agent) if isinstance(agent, URIRef) else None
        identifier = self.value(agent, DCT.identifier, SKOS.notation) or uri
        if not (name or identifier):
            return None
        return {"name": name, "identifier": identifier, "uri": uri}

    def license_of(self, node: Node) -> tuple[str | None, str | None] | None:
        """(our licence id or None, the licence as given) of a dataset or distribution."""
        licence = self.first(node, DCT.license, DCT_HASH.license)
        if licence is None:
            return None
        if isinstance(licence, Literal):
            return license_id(_clean(licence)), _clean(licence)
        names = [str(licence)] if isinstance(licence, URIRef) else []
        names += [
            _clean(v)
            for v in self.objects(licence, DCT.identifier, DCT.title, RDFS.label, SKOS.prefLabel)
            if isinstance(v, (Literal, URIRef))
        ]
        # An identifier naming one of our licences (our own feeds) wins over pattern matches.
        ours = next((n for n in names if n in SEEDED_IDS), None)
        return (ours or license_id(*names)), (names[0] if names else None)

    # profile fields (dcat-ap)

    def profile_fields(self, node: Node, data: dict[str, Any], extras: dict[str, str]) -> None:
        issued = as_date(self.value(node, DCT.issued))
        if issued:
            data["issued"] = issued
        frequency = self.frequency(node)
        if frequency:
            data["frequency"] = frequency
        languages, unknown = self.languages(node)
        if languages:
            data["language"] = languages
        if unknown:
            extras["language"] = ", ".join(unknown)
        spatial, spatial_uri = self.spatial(node)
        if spatial:
            data["spatial"] = spatial[:MAX_SPATIAL_LENGTH]
        if spatial_uri and spatial_uri != spatial:
            extras["spatial_uri"] = spatial_uri
        start, end = self.temporal(node)
        if start:
            data["temporal_start"] = start
        if end:
            data["temporal_end"] = end
        access = self.access_rights(node)
        if access:
            data["access_rights"] = access
        conforms = self.url(node, DCT.conformsTo, DCT_HASH.conformsTo)
        if conforms:
            data["conforms_to"] = conforms

    def frequency(self, node: Node) -> str | None:
        for obj in self.objects(node, DCT.accrualPeriodicity):
            code = frequency_code(_clean(obj)) if not isinstance(obj, BNode) else None
            if code:
                return code
            if isinstance(obj, Literal):
                continue
            # a dct:Frequency node: a label, or rdf:value pointing at a time:DurationDescription
            label = self.label(obj)
            if label and frequency_code(label):
                return frequency_code(label)
            for duration in [obj, *self.objects(obj, RDF.value)]:
                amounts = []
                for unit in ("years", "months", "weeks", "days"):
                    value = self.value(duration, TIME[unit])
                    try:
                        amounts.append(float(value) if value else 0.0)
                    except ValueError:
                        amounts.append(0.0)
                if any(amounts):
                    code = _duration_frequency(*amounts)
                    if code:
                        return code
        return None

    def languages(self, node: Node) -> tuple[list[str], list[str]]:
        found: list[str] = []
        unknown: list[str] = []
        for obj in self.objects(node, DCT.language):
            if isinstance(obj, BNode):
                obj = self.first(obj, RDF.value, DCT.identifier, RDFS.label) or obj
            if isinstance(obj, BNode):
                continue
            raw = _clean(obj).rstrip("/").rsplit("/", 1)[-1]
            code = LANGUAGES.get(raw.lower()) or LANGUAGES.get(raw.lower().split("-", 1)[0])
            if code and code not in found:
                found.append(code)
            elif not code and raw not in unknown:
                unknown.append(raw)
        return found, unknown

    def spatial(self, node: Node) -> tuple[str | None, str | None]:
        labels: list[str] = []
        uris: list[str] = []
        for obj in self.objects(node, DCT.spatial):
            if isinstance(obj, Literal):
                labels.append(_clean(obj))
                continue
            label = self.label(obj)
            if label:
                labels.append(label)
            if isinstance(obj, URIRef) and not str(obj).startswith(f"{node}#"):
                uris.append(str(obj))
            for unit in self.objects(obj, LOCN.adminUnitL2, LOCN.adminUnitL1, DCT.identifier):
                if isinstance(unit, (URIRef, Literal)) and _clean(unit):
                    uris.append(_clean(unit))
        labels += [_clean(v) for v in self.literals(node, DCATDE.geocodingDescription)]
        uris += [_clean(v) for v in self.objects(node, DCATDE.politicalGeocodingURI)]
        return (labels[0] if labels else (uris[0] if uris else None)), (uris[0] if uris else None)

    def temporal(self, node: Node) -> tuple[str | None, str | None]:
        for obj in self.objects(node, DCT.temporal):
            if isinstance(obj, Literal):
                parts = _clean(obj).split("/")
                if len(parts) == 2:
                    return as_date(parts[0]), as_date(parts[1])
                continue
            start = self.value(obj, DCAT.startDate, SCHEMA.startDate, SCHEMA_S.startDate)
            end = self.value(obj, DCAT.endDate, SCHEMA.endDate, SCHEMA_S.endDate)
            begin_node = self.first(obj, TIME.hasBeginning)
            end_node = self.first(obj, TIME.hasEnd)
            instants = (TIME.inXSDDate, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime)
            if start is None and begin_node is not None:
                start = self.value(begin_node, *instants)
            if end is None and end_node is not None:
                end = self.value(end_node, *instants)
            if start or end:
                return as_date(start), as_date(end)
        return None, None

    def access_rights(self, node: Node) -> str | None:
        for obj in self.objects(node, DCT.accessRights):
            candidates = [_clean(obj)] if not isinstance(obj, BNode) else []
            candidates += [_clean(v) for v in self.literals(obj, RDFS.label, SKOS.prefLabel)]
            for text in candidates:
                code = text.rstrip("/").rsplit("/", 1)[-1].upper()
                if code in ACCESS_RIGHTS:
                    return ACCESS_RIGHTS[code]
        return None

    # distributions

    def formats(self, dist: Node) -> tuple[list[str], list[str]]:
        """(format candidates, media type candidates) in order of preference."""
        names: list[str] = []
        media: list[str] = []
        for obj in self.objects(dist, DCT.format):
            if isinstance(obj, BNode) or (isinstance(obj, URIRef) and self.label(obj)):
                values = [
                    _clean(v)
                    for v in self.objects(
                        obj, RDFS.label, SKOS.prefLabel, DCT.title, RDF.value, DCT.identifier
                    )
                    if isinstance(v, (Literal, URIRef))
                ]
                if isinstance(obj, URIRef):
                    values.append(str(obj))
            else:
                values = [_clean(obj)]
            for value in values:
                (media if _media_type(value) else names).append(value)
        for obj in self.objects(dist, DCAT.mediaType, DCAT.compressFormat, DCAT.packageFormat):
            if isinstance(obj, BNode):
                obj = self.first(obj, RDF.value, RDFS.label) or obj
            if not isinstance(obj, BNode) and _media_type(_clean(obj)):
                media.append(_clean(obj))
        return names, media

    def resource(self, dist: Node) -> dict[str, Any]:
        names, media = self.formats(dist)
        mimetypes = [_media_type(m) for m in media]
        mimetype = next((m for m in mimetypes if m), None)
        fmt = next((f for f in map(_format_name, names + media) if f), None)
        if fmt is None and names and len(names[0]) <= 100 and "://" not in names[0]:
            fmt = names[0].upper()
        if fmt is None and self.first(dist, DCAT.accessService) is not None:
            fmt = "API"
        if mimetype is None and fmt in _FORMAT_MEDIA:
            mimetype = _FORMAT_MEDIA[fmt]
        url = self.url(dist, DCAT.downloadURL) or self.url(dist, DCAT.accessURL)
        url = url or self.value(dist, DCAT.downloadURL, DCAT.accessURL) or ""
        name = self.text(dist, DCT.title, DC.title)
        if not name:
            tail = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] if url else ""
            name = fmt or unquote(tail) or None
        resource: dict[str, Any] = {
            "url": url,
            "name": name,
            "description": self.text(dist, DCT.description, DC.description),
            "format": fmt,
            "mimetype": mimetype,
            "size": self.byte_size(dist),
            "hash": self.checksum(dist),
        }
        licence = self.value(dist, DCT.license, DCT_HASH.license)
        if licence:
            resource["license"] = licence
        return {k: v for k, v in resource.items() if v is not None}

    def byte_size(self, dist: Node) -> int | None:
        value = self.value(dist, DCAT.byteSize)
        try:
            size = int(float(value)) if value else None
        except (ValueError, OverflowError):
            return None
        return size if size is not None and size >= 0 else None

    def checksum(self, dist: Node) -> str | None:
        for node in self.objects(dist, SPDX.checksum):
            value = self.value(node, SPDX.checksumValue)
            if not value:
                continue
            algorithm = self.value(node, SPDX.algorithm) or ""
            return f"{_algorithm(algorithm)}:{value.lower()}" if algorithm else value.lower()
        return None


def _algorithm(uri: str) -> str:
    """spdx:checksumAlgorithm_sha256, .../hashAlgorithms/sha/256 -> 'sha256'."""
    text = uri.strip().lower()
    if "checksumalgorithm_" in text:
        return text.rsplit("checksumalgorithm_", 1)[-1]
    for tail in (text.rsplit("/", 2)[-2:], text.rsplit("/", 1)[-1:]):
        key = "/".join(tail)
        if key in _HASH_ALGORITHMS:
            return _HASH_ALGORITHMS[key]
    last = re.split(r"[/#]", text.rstrip("/"))[-1]
    return _HASH_ALGORITHMS.get(last, last or "checksum")
