"""The RDF terms DCAT documents are read with (the namespaces of portal.feeds.vocab, as rdflib
terms) and the value vocabularies: frequencies, access rights, languages, formats and media
types, checksum algorithms, dates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import unquote, urlsplit

from rdflib import Literal, URIRef

from portal.feeds import vocab
from portal.feeds.vocab import EU_FILE_TYPE, media_type


class _NS:
    """A namespace whose terms are rdflib URIRefs (graph lookups need them, not plain str)."""

    def __init__(self, base: object) -> None:
        self.base = str(base)

    def __getattr__(self, name: str) -> URIRef:
        return URIRef(self.base + name)

    def __getitem__(self, name: str) -> URIRef:
        return URIRef(self.base + name)


RDF = _NS(vocab.RDF)
RDFS = _NS(vocab.RDFS)
DCT = _NS(vocab.DCT)
# The Project Open Data JSON-LD context maps license and conformsTo to "dct/#license".
DCT_HASH = _NS(f"{vocab.DCT}#")
DC = _NS("http://purl.org/dc/elements/1.1/")
DCAT = _NS(vocab.DCAT)
DCATDE = _NS("http://dcat-ap.de/def/dcatde/")
ADMS = _NS(vocab.ADMS)
FOAF = _NS(vocab.FOAF)
VCARD = _NS(vocab.VCARD)
SKOS = _NS(vocab.SKOS)
SPDX = _NS(vocab.SPDX)
LOCN = _NS(vocab.LOCN)
SCHEMA = _NS("http://schema.org/")
SCHEMA_S = _NS("https://schema.org/")
TIME = _NS("http://www.w3.org/2006/time#")
OWL = _NS("http://www.w3.org/2002/07/owl#")
HYDRA = _NS(vocab.HYDRA)

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
FORMAT_MEDIA = {fmt: media for media, fmt in reversed(MEDIA_FORMATS.items())}
_IANA = re.compile(r"^https?://www\.iana\.org/assignments/media-types/(.+)$", re.IGNORECASE)

_HASH_ALGORITHMS = {
    "sha256": "sha256", "sha-256": "sha256", "sha/256": "sha256",
    "sha1": "sha1", "sha-1": "sha1", "sha/1": "sha1",
    "sha512": "sha512", "sha-512": "sha512", "sha/512": "sha512",
    "sha384": "sha384", "sha/384": "sha384", "sha224": "sha224", "sha/224": "sha224",
    "md5": "md5", "md/5": "md5", "md-5": "md5", "sm3": "sm3",
}  # fmt: skip
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


# --- small helpers ----------------------------------------------------------------------------


def lang_group(lang: str | None) -> str:
    lang = (lang or "").lower()
    if lang in ("", "und") or lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    return lang


def choose_group(literals: list[Literal]) -> str | None:
    """The language to show: Chinese or untagged, else English, else the first one."""
    groups = [lang_group(lit.language) for lit in literals]
    for wanted in ("zh", "en"):
        if wanted in groups:
            return wanted
    return groups[0] if groups else None


def clean(text: Any) -> str:
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


def is_web(value: str | None) -> bool:
    if not value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)



def remote_media_type(value: str | None) -> str | None:
    """A media type given as such or as its IANA page ('https://www.iana.org/.../text/csv')."""
    if not value:
        return None
    text = value.strip()
    match = _IANA.match(text)
    if match:
        text = unquote(match.group(1))
    return media_type(text)


def format_name(value: str | None) -> str | None:
    """A format as our short upper-case name ('CSV', 'XLSX', 'API'), when it is recognisable."""
    if not value:
        return None
    text = value.strip()
    if text.upper().startswith(EU_FILE_TYPE.upper() + "/"):
        text = text.rsplit("/", 1)[-1]
    media = remote_media_type(text)
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


def duration_frequency(years: float, months: float, weeks: float, days: float) -> str | None:
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



def algorithm_name(uri: str) -> str:
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
