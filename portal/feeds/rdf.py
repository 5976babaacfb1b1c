"""A light triple sink and streaming writers for Turtle, JSON-LD and RDF/XML.

The feed builder (portal.feeds.dcat) adds triples to a `Triples` sink rather than to an rdflib
Graph: an rdflib Graph costs about 30 microseconds per triple to fill and its serializers are
slower still, which a 100,000-dataset catalog cannot afford. `Triples.to_graph()` gives the
same statements as an rdflib Graph (the public API and the tests use it); the writers below
emit the sink subject by subject as text chunks. The tests parse every writer's output back
with rdflib and require a graph isomorphic to `to_graph()`.

IRIs are `str` (rdflib's URIRef or plain strings); literals are `Lit` tuples. Literal text is
cleaned once (control characters other than tab, newline and carriage return, and lone
surrogates, are dropped: XML 1.0 cannot carry them), so all formats agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:  # rdflib is imported when a Graph is asked for: serving feeds needs none
    from rdflib import Graph

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF_NS + "type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_PN_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_TURTLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TURTLE_ESCAPE = re.compile(r'[\\"\n\r\t]')
_XML_ENTITIES = {"\r": "&#13;"}


class Lit(NamedTuple):
    """An RDF literal: its lexical form, and a language tag or a datatype IRI (or neither)."""

    lexical: str
    lang: str | None = None
    datatype: str | None = None


def _clean(value: Any) -> str:
    text = value if type(value) is str else str(value)
    return text if text.isprintable() else _BAD_TEXT.sub("", text)


def lit(text: Any, lang: str | None = None) -> Lit:
    """A plain literal, language-tagged when `lang` is a well-formed BCP 47 tag."""
    tag = lang if lang and _LANG.match(lang) else None
    return Lit(_clean(text), tag, None)


def typed(value: Any, datatype: str) -> Lit:
    # xsd:string is the plain literal of RDF 1.1; writing it plain keeps every format equal.
    datatype = str(datatype)
    return Lit(_clean(value), None, None if datatype == XSD_STRING else datatype)


class Triples:
    """Statements grouped by subject, then predicate, in insertion order, without duplicates."""

    def __init__(self) -> None:
        self.subjects: dict[str, dict[str, list[Any]]] = {}
        self.prefixes: dict[str, str] = {}

    def bind(self, prefix: str, namespace: str) -> None:
        self.prefixes.setdefault(prefix, str(namespace))

    def add(self, subject: str, predicate: str, obj: Any) -> None:
        predicates = self.subjects.get(subject)
        if predicates is None:
            self.subjects[subject] = {predicate: [obj]}
            return
        objects = predicates.get(predicate)
        if objects is None:
            predicates[predicate] = [obj]
        elif obj not in objects:
            objects.append(obj)

    def objects(self, subject: str, predicate: str) -> list[Any]:
        return self.subjects.get(subject, {}).get(predicate, [])

    def __len__(self) -> int:
        return sum(len(objs) for preds in self.subjects.values() for objs in preds.values())

    def triples(self) -> Iterator[tuple[str, str, Any]]:
        for subject, predicates in self.subjects.items():
            for predicate, objects in predicates.items():
                for obj in objects:
                    yield subject, predicate, obj

    def to_graph(self) -> Graph:
        from rdflib import Graph, URIRef

        graph = Graph(bind_namespaces="core")
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace)
        graph.addN((URIRef(s), URIRef(p), _term(o), graph) for s, p, o in self.triples())
        return graph


def _term(obj: Any) -> Any:
    from rdflib import Literal, URIRef

    if isinstance(obj, Lit):
        if obj.lang:
            return Literal(obj.lexical, lang=obj.lang)
        if obj.datatype:
            return Literal(obj.lexical, datatype=URIRef(obj.datatype))
        return Literal(obj.lexical)
    return URIRef(obj)


class _Names:
    """Prefixed names for IRIs: `dct:title` where the IRI splits on a known namespace."""

    def __init__(self, prefixes: dict[str, str], local: re.Pattern[str]) -> None:
        # Longest namespace first, so a profile namespace under the site wins over the site.
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        self.local = local
        self.cache: dict[str, str | None] = {}

    def name(self, iri: str) -> str | None:
        if iri not in self.cache:
            self.cache[iri] = next(
                (
                    f"{prefix}:{iri[len(ns) :]}"
                    for prefix, ns in self.prefixes
                    if iri.startswith(ns) and self.local.match(iri[len(ns) :])
                ),
                None,
            )
        return self.cache[iri]


# --- Turtle ----------------------------------------------------------------------------------


def _turtle_string(text: str) -> str:
    if '"' in text or "\\" in text or not text.isprintable():
        text = _TURTLE_ESCAPE.sub(lambda m: _TURTLE_ESCAPES[m.group()], text)
    return '"' + text + '"'


def write_turtle(triples: Triples) -> Iterator[str]:
    names = _Names(triples.prefixes, _PN_LOCAL)
    rendered: dict[str, str] = {}  # IRI -> its Turtle form, for this document

    def iri(value: str) -> str:
        text = rendered.get(value)
        if text is None:
            text = rendered[value] = names.name(value) or f"<{value}>"
        return text

    def term(obj: Any) -> str:
        if type(obj) is not Lit:
            return rendered.get(obj) or iri(obj)
        text = _turtle_string(obj.lexical)
        if obj.lang:
            return f"{text}@{obj.lang}"
        if obj.datatype:
            return f"{text}^^{iri(obj.datatype)}"
        return text

    yield "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in triples.prefixes.items()) + "\n"
    for subject, predicates in triples.subjects.items():
        lines = []
        for predicate, objects in predicates.items():
            verb = "a" if predicate == RDF_TYPE else iri(predicate)
            lines.append(f"    {verb} " + ",\n        ".join(term(o) for o in objects))
        yield f"<{subject}>\n" + " ;\n".join(lines) + " .\n\n"


# --- JSON-LD ---------------------------------------------------------------------------------


def write_jsonld(triples: Triples) -> Iterator[str]:
    """Flattened JSON-LD: one node object per subject in @graph, prefixes in @context."""
    names = _Names(triples.prefixes, _PN_LOCAL)

    def value(obj: Any) -> Any:
        if not isinstance(obj, Lit):
            return {"@id": obj}
        if obj.lang:
            return {"@value": obj.lexical, "@language": obj.lang}
        if obj.datatype and obj.datatype != XSD_STRING:
            return {"@value": obj.lexical, "@type": names.name(obj.datatype) or obj.datatype}
        return obj.lexical

    context = json.dumps({"@context": triples.prefixes}, ensure_ascii=False)
    yield context[:-1] + ', "@graph": [\n'
    first = True
    for subject, predicates in triples.subjects.items():
        node: dict[str, Any] = {"@id": subject}
        for predicate, objects in predicates.items():
            if predicate == RDF_TYPE and all(not isinstance(o, Lit) for o in objects):
                node["@type"] = [names.name(o) or o for o in objects]
            else:
                node[names.name(predicate) or predicate] = [value(o) for o in objects]
        yield ("" if first else ",\n") + json.dumps(node, ensure_ascii=False)
        first = False
    yield "\n]}\n"


# --- RDF/XML ---------------------------------------------------------------------------------


def write_rdfxml(triples: Triples) -> Iterator[str]:
    prefixes = dict(triples.prefixes)
    prefixes.setdefault("rdf", RDF_NS)
    names = _Names(prefixes, _NCNAME)
    extra: dict[str, str] = {}
    for predicate in {p for preds in triples.subjects.values() for p in preds}:
        if names.name(predicate) is None:  # a predicate outside the bound namespaces
            cut = max(predicate.rfind("#"), predicate.rfind("/")) + 1
            prefix = f"ns{len(extra) + 1}"
            extra[prefix] = predicate[:cut]
            names = _Names({**prefixes, **extra}, _NCNAME)
    declarations = "".join(
        f"\n    xmlns:{p}={quoteattr(ns)}" for p, ns in {**prefixes, **extra}.items()
    )
    yield f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declarations}>\n'
    for subject, predicates in triples.subjects.items():
        parts = [f"  <rdf:Description rdf:about={quoteattr(subject)}>\n"]
        for predicate, objects in predicates.items():
            tag = names.name(predicate)
            for obj in objects:
                parts.append(f"    {_xml_property(tag, obj)}\n")
        parts.append("  </rdf:Description>\n")
        yield "".join(parts)
    yield "</rdf:RDF>\n"


def _xml_property(tag: str | None, obj: Any) -> str:
    if not isinstance(obj, Lit):
        return f"<{tag} rdf:resource={quoteattr(obj)}/>"
    attributes = ""
    if obj.lang:
        attributes = f" xml:lang={quoteattr(obj.lang)}"
    elif obj.datatype and obj.datatype != XSD_STRING:
        attributes = f" rdf:datatype={quoteattr(obj.datatype)}"
    # A raw carriage return would be normalised away by XML parsers: write it as a reference.
    return f"<{tag}{attributes}>{escape(obj.lexical, _XML_ENTITIES)}</{tag}>"


WRITERS = {"ttl": write_turtle, "jsonld": write_jsonld, "rdf": write_rdfxml}
MEDIA_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


def serialize(triples: Triples, fmt: str) -> str:
    return "".join(WRITERS[fmt](triples))
