"""RDF namespaces and the controlled vocabularies the feeds map values to: the EU Publications
Office authority tables (frequency, language, access right, file type), IANA media types and
the SPDX checksum algorithm. Plain tables, no Flask and no database."""

from __future__ import annotations

import re


class NS:
    """A namespace whose terms are plain strings: `DCT.title` is
    'http://purl.org/dc/terms/title'. Unlike rdflib's Namespace (a str subclass, where
    `DCT.title` is str.title) every attribute is a term, and each is built once."""

    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self._base + name
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> str:
        return self._base + name

    def __str__(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"NS({self._base!r})"


RDF = NS("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = NS("http://www.w3.org/2000/01/rdf-schema#")
XSD = NS("http://www.w3.org/2001/XMLSchema#")
SKOS = NS("http://www.w3.org/2004/02/skos/core#")
FOAF = NS("http://xmlns.com/foaf/0.1/")
DCT = NS("http://purl.org/dc/terms/")
DCAT = NS("http://www.w3.org/ns/dcat#")
ADMS = NS("http://www.w3.org/ns/adms#")
VCARD = NS("http://www.w3.org/2006/vcard/ns#")
SPDX = NS("http://spdx.org/rdf/terms#")
HYDRA = NS("http://www.w3.org/ns/hydra/core#")
CSVW = NS("http://www.w3.org/ns/csvw#")
LOCN = NS("http://www.w3.org/ns/locn#")

EU = "http://publications.europa.eu/resource/authority/"
EU_FREQUENCY = EU + "frequency"
EU_LANGUAGE = EU + "language"
EU_ACCESS_RIGHT = EU + "access-right"
EU_FILE_TYPE = EU + "file-type"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

PREFIXES = {
    name: str(ns)
    for name, ns in {
        "dcat": DCAT,
        "dct": DCT,
        "foaf": FOAF,
        "vcard": VCARD,
        "spdx": SPDX,
        "hydra": HYDRA,
        "csvw": CSVW,
        "adms": ADMS,
        "locn": LOCN,
        "skos": SKOS,
        "rdf": RDF,
        "rdfs": RDFS,
        "xsd": XSD,
    }.items()
}

#: EU frequency code -> English label (http://publications.europa.eu/resource/authority/frequency).
FREQUENCY_LABELS = {
    "CONT": "continuous",
    "DAILY": "daily",
    "WEEKLY": "weekly",
    "MONTHLY": "monthly",
    "QUARTERLY": "quarterly",
    "BIANNUAL": "semiannual",
    "ANNUAL": "annual",
    "IRREG": "irregular",
    "OTHER": "other",
    "UNKNOWN": "unknown",
}

#: EU access-right code -> English label.
ACCESS_RIGHT_LABELS = {
    "PUBLIC": "public",
    "RESTRICTED": "restricted",
    "NON_PUBLIC": "non-public",
}

#: EU language code -> English label, for the codes the profiles use.
LANGUAGE_LABELS = {"ZHO": "Chinese", "ENG": "English"}

#: Format names as departments type them -> EU file-type code.
FILE_TYPES = {
    "CSV": "CSV",
    "TSV": "TSV",
    "JSON": "JSON",
    "GEOJSON": "GEOJSON",
    "JSON-LD": "JSON_LD",
    "JSONLD": "JSON_LD",
    "XML": "XML",
    "XLS": "XLS",
    "XLSX": "XLSX",
    "ODS": "ODS",
    "PDF": "PDF",
    "DOC": "DOC",
    "DOCX": "DOCX",
    "ODT": "ODT",
    "PPT": "PPT",
    "PPTX": "PPTX",
    "TXT": "TXT",
    "HTML": "HTML",
    "HTM": "HTML",
    "RDF": "RDF_XML",
    "RDF/XML": "RDF_XML",
    "TTL": "RDF_TURTLE",
    "TURTLE": "RDF_TURTLE",
    "NT": "RDF_N_TRIPLES",
    "ZIP": "ZIP",
    "GZ": "GZIP",
    "GZIP": "GZIP",
    "TAR": "TAR",
    "7Z": "7Z",
    "RAR": "RAR",
    "SHP": "SHP",
    "KML": "KML",
    "KMZ": "KMZ",
    "GML": "GML",
    "GPKG": "GPKG",
    "JPG": "JPEG",
    "JPEG": "JPEG",
    "PNG": "PNG",
    "GIF": "GIF",
    "TIF": "TIFF",
    "TIFF": "TIFF",
    "SVG": "SVG",
    "MP3": "MP3",
    "MP4": "MP4",
    "WMS": "WMS_SRVC",
    "WFS": "WFS_SRVC",
    "SQL": "SQL",
    "DBF": "DBF",
    "MDB": "MDB",
    "PARQUET": "PARQUET",
    "NETCDF": "NETCDF",
}

#: IANA media type -> EU file-type code, for resources whose format names no file type (API).
MEDIA_FILE_TYPES = {
    "text/csv": "CSV",
    "application/json": "JSON",
    "application/geo+json": "GEOJSON",
    "application/ld+json": "JSON_LD",
    "application/xml": "XML",
    "text/xml": "XML",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "text/html": "HTML",
    "text/plain": "TXT",
    "application/rdf+xml": "RDF_XML",
    "text/turtle": "RDF_TURTLE",
}

#: EU file-type code -> IANA media type, for resources that carry a format but no mimetype.
FILE_TYPE_MEDIA = {code: media for media, code in MEDIA_FILE_TYPES.items()}
FILE_TYPE_MEDIA.update({"XML": "application/xml", "TSV": "text/tab-separated-values"})

_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")


def media_type(value: str | None) -> str | None:
    """'text/csv; charset=gb18030' -> 'text/csv'; None when it is not a media type."""
    if not value:
        return None
    base = value.split(";", 1)[0].strip().lower()
    return base if _MEDIA_TYPE.match(base) else None


def file_type(format_name: str | None, mimetype: str | None) -> str | None:
    """The EU file-type code of a resource, from its format name, else from its media type."""
    name = (format_name or "").strip().upper().lstrip(".")
    if name in FILE_TYPES:
        return FILE_TYPES[name]
    return MEDIA_FILE_TYPES.get(media_type(mimetype) or "")
