"""Mapping a DCAT graph to package dicts: datasets, distributions (resources), contacts,
publishers, licences, the DCAT-AP profile fields, and Hydra paging."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from harvesters.dcat.terms import (
    ACCESS_RIGHTS,
    ADMS,
    DC,
    DCAT,
    DCATDE,
    DCT,
    DCT_HASH,
    EMAIL,
    FOAF,
    FORMAT_MEDIA,
    HYDRA,
    LANGUAGES,
    LOCN,
    OWL,
    RDF,
    RDFS,
    SCHEMA,
    SCHEMA_S,
    SKOS,
    SPDX,
    TIME,
    VCARD,
    algorithm_name,
    as_date,
    choose_group,
    clean,
    duration_frequency,
    format_name,
    frequency_code,
    is_web,
    lang_group,
    remote_media_type,
)
from portal.catalog.licenses import SEEDED_IDS
from portal.catalog.licenses import recognise_license as license_id
from portal.catalog.schemas import MAX_TAGS, tag_names

MAX_SPATIAL_LENGTH = 500
# Full-width commas and any white space in a keyword become one space (the catalog's tag rule
# only replaces commas and newlines).
_KEYWORD_SEPARATORS = re.compile(r"[,，\s]+")



class Reader:
    """Reads the datasets, distributions and paging of a DCAT graph as package dicts."""

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
        return [o for o in self.objects(node, *predicates) if isinstance(o, Literal) and clean(o)]

    def texts(self, node: Node, *predicates: URIRef) -> tuple[str | None, str | None]:
        """(text in the chosen language, English text when another language was chosen)."""
        literals = self.literals(node, *predicates)
        group = choose_group(literals)
        if group is None:
            return None, None
        chosen = next(clean(lit) for lit in literals if lang_group(lit.language) == group)
        english = None
        if group != "en":
            english = next(
                (clean(lit) for lit in literals if lang_group(lit.language) == "en"), None
            )
        return chosen, english

    def text(self, node: Node, *predicates: URIRef) -> str | None:
        return self.texts(node, *predicates)[0]

    def value(self, node: Node, *predicates: URIRef) -> str | None:
        """The first value as text: a literal's lexical form or a URI."""
        for obj in self.objects(node, *predicates):
            if isinstance(obj, (Literal, URIRef)) and clean(obj):
                return clean(obj)
        return None

    def url(self, node: Node, *predicates: URIRef) -> str | None:
        """The first http(s) URL, given as a URI or as a literal."""
        for obj in self.objects(node, *predicates):
            if isinstance(obj, (Literal, URIRef)) and is_web(clean(obj)):
                return clean(obj)
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
                link = urljoin(base_url or "", clean(obj))
                if is_web(link) and link != base_url:
                    next_url = next_url or link
        for obj in self.g.objects(None, HYDRA.totalItems):
            try:
                total = int(float(clean(obj)))
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
            if EMAIL.match(contact.get("email") or "")
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
            clean(t) for t in self.objects(node, DCAT.theme) if isinstance(t, (URIRef, Literal))
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
        data["remote_url"] = uri if is_web(uri) else landing
        data["publisher"] = (
            {"name": publisher["name"], "identifier": publisher["identifier"]}
            if publisher
            else None
        )
        return data

    def tags(self, node: Node) -> list[dict[str, str]]:
        literals = self.literals(node, DCAT.keyword)
        group = choose_group(literals)
        wanted = [
            _KEYWORD_SEPARATORS.sub(" ", str(lit))
            for lit in literals
            if lang_group(lit.language) == group
        ]
        by_case: dict[str, str] = {}
        for name in tag_names(wanted, limit=None):
            by_case.setdefault(name.lower(), name)
        return [{"name": name} for name in list(by_case.values())[:MAX_TAGS]]

    def contact(self, node: Node) -> dict[str, str]:
        for point in self.objects(node, DCAT.contactPoint, ADMS.contactPoint):
            if isinstance(point, Literal):
                return {"name": clean(point)}
            found: dict[str, str] = {}
            name = self.text(point, VCARD.fn, VCARD["organization-name"], FOAF.name)
            if name:
                found["name"] = name
            mail = self.objects(point, VCARD.hasEmail, FOAF.mbox)
            for item in mail:
                if isinstance(item, BNode):
                    item = self.first(item, VCARD.hasValue) or item
                address = clean(item)
                if address.lower().startswith("mailto:"):
                    address = unquote(address[7:].split("?", 1)[0])
                if address and not isinstance(item, BNode):
                    found["email"] = address
                    break
            if isinstance(point, URIRef) and is_web(str(point)) and "#" not in str(point):
                found["uri"] = str(point)
            if found:
                return found
        return {}

    def publisher(self, node: Node) -> dict[str, str | None] | None:
        agent = self.first(node, DCT.publisher)
        if agent is None:
            return None
        if isinstance(agent, Literal):
            return {"name": clean(agent), "identifier": None, "uri": None}
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
            return license_id(clean(licence)), clean(licence)
        names = [str(licence)] if isinstance(licence, URIRef) else []
        names += [
            clean(v)
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
            code = frequency_code(clean(obj)) if not isinstance(obj, BNode) else None
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
                    code = duration_frequency(*amounts)
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
            raw = clean(obj).rstrip("/").rsplit("/", 1)[-1]
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
                labels.append(clean(obj))
                continue
            label = self.label(obj)
            if label:
                labels.append(label)
            if isinstance(obj, URIRef) and not str(obj).startswith(f"{node}#"):
                uris.append(str(obj))
            for unit in self.objects(obj, LOCN.adminUnitL2, LOCN.adminUnitL1, DCT.identifier):
                if isinstance(unit, (URIRef, Literal)) and clean(unit):
                    uris.append(clean(unit))
        labels += [clean(v) for v in self.literals(node, DCATDE.geocodingDescription)]
        uris += [clean(v) for v in self.objects(node, DCATDE.politicalGeocodingURI)]
        return (labels[0] if labels else (uris[0] if uris else None)), (uris[0] if uris else None)

    def temporal(self, node: Node) -> tuple[str | None, str | None]:
        for obj in self.objects(node, DCT.temporal):
            if isinstance(obj, Literal):
                parts = clean(obj).split("/")
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
            candidates = [clean(obj)] if not isinstance(obj, BNode) else []
            candidates += [clean(v) for v in self.literals(obj, RDFS.label, SKOS.prefLabel)]
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
                    clean(v)
                    for v in self.objects(
                        obj, RDFS.label, SKOS.prefLabel, DCT.title, RDF.value, DCT.identifier
                    )
                    if isinstance(v, (Literal, URIRef))
                ]
                if isinstance(obj, URIRef):
                    values.append(str(obj))
            else:
                values = [clean(obj)]
            for value in values:
                (media if remote_media_type(value) else names).append(value)
        for obj in self.objects(dist, DCAT.mediaType, DCAT.compressFormat, DCAT.packageFormat):
            if isinstance(obj, BNode):
                obj = self.first(obj, RDF.value, RDFS.label) or obj
            if not isinstance(obj, BNode) and remote_media_type(clean(obj)):
                media.append(clean(obj))
        return names, media

    def resource(self, dist: Node) -> dict[str, Any]:
        names, media = self.formats(dist)
        mimetypes = [remote_media_type(m) for m in media]
        mimetype = next((m for m in mimetypes if m), None)
        fmt = next((f for f in map(format_name, names + media) if f), None)
        if fmt is None and names and len(names[0]) <= 100 and "://" not in names[0]:
            fmt = names[0].upper()
        if fmt is None and self.first(dist, DCAT.accessService) is not None:
            fmt = "API"
        if mimetype is None and fmt in FORMAT_MEDIA:
            mimetype = FORMAT_MEDIA[fmt]
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
            return f"{algorithm_name(algorithm)}:{value.lower()}" if algorithm else value.lower()
        return None
