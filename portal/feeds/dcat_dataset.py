"""DCAT-AP 3.0.1 RDF for one dataset, built with rdflib from its package dict.

`DatasetGraph` adds one dataset (with its distributions) to one rdflib Graph; the catalog and
its paging node are added by portal.feeds.dcat's CatalogGraph. Each concern has its own
method; profile fields are dispatched on the DCAT property their profile declares (`dcat:` in
schemas/profiles/*.yaml), so a new profile field with a known mapping needs no code here, and
a field without one still appears, under the profile's own namespace
(`<site>/ns/<profile>#<field>`).

Nodes that belong to one dataset get hash IRIs under the dataset's URI (`#contact`,
`#temporal`, ...) rather than blank nodes: the output is deterministic and graphs compare
cheaply. Shared nodes (departments, themes, EU concepts) are described once per graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from portal.feeds import values as v
from portal.feeds.rdf import Triples, lit, typed
from portal.feeds.values import ProfiledDataset
from portal.feeds.vocab import (
    ACCESS_RIGHT_LABELS,
    CSVW,
    DCAT,
    DCT,
    EU_ACCESS_RIGHT,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LANGUAGE,
    FILE_TYPE_MEDIA,
    FOAF,
    FREQUENCY_LABELS,
    IANA_MEDIA_TYPES,
    LANGUAGE_LABELS,
    LOCN,
    NS,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    XSD,
    file_type,
    media_type,
)
from schemas.profiles import Field, Profile

if TYPE_CHECKING:
    from rdflib import Graph


#: Data item types of the cn-gov profile -> the XML Schema datatype of the column.
ITEM_DATATYPES = {
    "C": XSD.string,
    "N": XSD.decimal,
    "Y": XSD.decimal,
    "D": XSD.date,
    "T": XSD.dateTime,
    "L": XSD.boolean,
    "M": XSD.string,
    "I": XSD.integer,
    "F": XSD.double,
    "B": XSD.base64Binary,
}
#: DCAT properties whose standard form loses the profile's own value: the value is also given
#: under the profile's namespace so a harvester can read it back exactly.
LOSSY_MAPPINGS = ("dcat:theme", "dcat:accessService")
#: Fields that annotate a rights statement of its own (cn-gov: the sharing condition, and the
#: opening condition, "dct:accessRights note" in CN_CATALOG.md).
ACCESS_NOTES = ("share_condition", "open_condition")


def table_schema(triples: Triples, ref: str, name: str, title_zh: str, title_en: str) -> str:
    """A CSVW table schema `ref` conforms to (its columns are the caller's); returns its IRI."""
    schema = f"{ref}#{name}"
    triples.add(ref, DCT.conformsTo, schema)
    triples.add(schema, RDF.type, DCT.Standard)
    triples.add(schema, RDF.type, CSVW.Schema)
    triples.add(schema, DCT.title, lit(title_zh, "zh"))
    triples.add(schema, DCT.title, lit(title_en, "en"))
    return schema


@dataclass
class DatasetGraph:
    site_url: str
    triples: Triples = field(default_factory=Triples)
    # dataset id -> the pages of the published reuses citing it (dct:isReferencedBy), looked
    # up for all the graph's datasets at once by the caller (portal.feeds.views).
    references: dict[str, list[str]] = field(default_factory=dict)
    _described: set[str] = field(default_factory=set)
    _schemes: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for prefix, namespace in PREFIXES.items():
            self.triples.bind(prefix, namespace)
        self.add = self.triples.add  # add(subject, predicate, object): the hot path

    # --- small helpers --------------------------------------------------------------------

    def add_texts(self, subject: str, predicate: str, primary: Any, english: Any) -> None:
        for text, lang in v.texts(primary, english):
            self.add(subject, predicate, lit(text, lang))

    def add_date(self, subject: str, predicate: str, value: Any) -> None:
        kind = v.date_kind(value)
        if kind == "date":
            self.add(subject, predicate, typed(value, XSD.date))
        elif kind == "datetime":
            self.add(subject, predicate, typed(value, XSD.dateTime))

    def first_time(self, node: str) -> bool:
        """True the first time a shared node is met in this graph (describe it then)."""
        if node in self._described:
            return False
        self._described.add(node)
        return True

    def concept(self, uri: str, rdf_type: str, scheme: str, labels: dict[str, str]) -> str:
        """A concept of a controlled vocabulary, typed with the class DCAT-AP expects."""
        if self.first_time(uri):
            self.add(uri, RDF.type, rdf_type)
            self.add(uri, SKOS.inScheme, scheme)
            for lang, text in labels.items():
                self.add(uri, SKOS.prefLabel, lit(text, lang))
        return uri

    def profile_namespace(self, profile: Profile) -> NS:
        namespace = NS(f"{self.site_url}/ns/{profile.name}#")
        self.triples.bind(profile.name.replace("-", ""), str(namespace))
        return namespace

    # --- the dataset ----------------------------------------------------------------------

    def add_dataset(self, dataset: dict[str, Any]) -> str:
        ref = v.dataset_uri(self.site_url, dataset)
        item = v.profiled(dataset)
        self.add(ref, RDF.type, DCAT.Dataset)
        self.add_identity(ref, item)
        self.add_keywords(ref, dataset)
        self.add_dates(ref, item)
        self.add_landing_page(ref, dataset)
        self.add_publisher(ref, dataset.get("organization"))
        self.add_contact_point(ref, dataset)
        self.add_themes(ref, dataset)
        self.add_profile_fields(ref, item)
        self.add_portal_properties(ref, item)
        for page in self.references.get(dataset["id"], ()):
            self.add(ref, DCT.isReferencedBy, page)
        for resource in dataset.get("resources") or []:
            self.add(ref, DCAT.distribution, self.add_distribution(dataset, resource))
        return ref

    def add_identity(self, ref: str, item: ProfiledDataset) -> None:
        dataset = item.data
        identifier = next(
            (item.get(f.name) for f in item.profile.dataset_fields if f.dcat == "dct:identifier"),
            None,
        )
        self.add(ref, DCT.identifier, lit(identifier or dataset["id"]))
        title = dataset.get("title") or dataset["name"]
        self.add_texts(ref, DCT.title, title, dataset.get("title_en"))
        # dct:description is mandatory: a dataset without notes is described by its title.
        notes = dataset.get("notes") or title
        lang = "zh" if dataset.get("title_en") else None
        self.add(ref, DCT.description, lit(notes, lang))
        if dataset.get("version"):
            self.add(ref, DCAT.version, lit(dataset["version"]))

    def add_keywords(self, ref: str, dataset: dict[str, Any]) -> None:
        for tag in dataset.get("tags") or []:
            if tag.get("name"):
                self.add(ref, DCAT.keyword, lit(tag["name"]))

    def add_dates(self, ref: str, item: ProfiledDataset) -> None:
        issued = next(
            (item.get(f.name) for f in item.profile.dataset_fields if f.dcat == "dct:issued"),
            None,
        )
        self.add_date(ref, DCT.issued, issued or item.data.get("metadata_created"))
        self.add_date(ref, DCT.modified, item.data.get("metadata_modified"))

    def add_landing_page(self, ref: str, dataset: dict[str, Any]) -> None:
        page = v.iri(dataset.get("url")) or v.dataset_page(self.site_url, dataset)
        self.add(ref, DCAT.landingPage, page)
        self.add(page, RDF.type, FOAF.Document)

    def add_publisher(self, ref: str, org: dict[str, Any] | None) -> None:
        if not org or not org.get("name"):
            return
        node = v.organization_uri(self.site_url, org)
        self.add(ref, DCT.publisher, node)
        if not self.first_time(node):
            return
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, RDF.type, FOAF.Organization)
        self.add_texts(node, FOAF.name, org.get("title") or org["name"], org.get("title_en"))
        if org.get("code"):
            self.add(node, DCT.identifier, lit(org["code"]))

    def add_contact_point(self, ref: str, dataset: dict[str, Any]) -> None:
        mail = v.email(dataset.get("maintainer_email")) or v.email(dataset.get("author_email"))
        name = dataset.get("maintainer") or dataset.get("author")
        if not (mail or name):
            return
        node = f"{ref}#contact"
        self.add(ref, DCAT.contactPoint, node)
        self.add(node, RDF.type, VCARD.Kind)
        self.add(node, RDF.type, VCARD.Organization)
        org = dataset.get("organization") or {}
        self.add(node, VCARD.fn, lit(name or org.get("title") or mail))
        if mail:
            self.add(node, VCARD.hasEmail, v.mailto(mail))

    def add_themes(self, ref: str, dataset: dict[str, Any]) -> None:
        scheme = f"{self.site_url}/group"
        for group in dataset.get("groups") or []:
            if not group.get("name"):
                continue
            node = v.group_uri(self.site_url, group)
            self.add(ref, DCAT.theme, node)
            if self.first_time(node):
                self.add(node, RDF.type, SKOS.Concept)
                self.add(node, SKOS.inScheme, scheme)
                self.add_texts(
                    node, SKOS.prefLabel, group.get("title") or group["name"], group.get("title_en")
                )
                self.add_scheme(scheme, {"zh": "主题", "en": "Themes"})

    def add_scheme(self, scheme: str, titles: dict[str, str]) -> None:
        self._schemes.add(scheme)
        if self.first_time(scheme):
            self.add(scheme, RDF.type, SKOS.ConceptScheme)
            for lang, text in titles.items():
                self.add(scheme, DCT.title, lit(text, lang))

    # --- profile fields, by their DCAT mapping ---------------------------------------------

    def add_profile_fields(self, ref: str, item: ProfiledDataset) -> None:
        handlers: dict[str, Callable[[str, ProfiledDataset, Field], None]] = {
            "dct:accrualPeriodicity": self.add_frequency,
            "dct:language": self.add_languages,
            "dct:spatial": self.add_spatial,
            "dct:accessRights": self.add_access_rights,
            "dct:conformsTo": self.add_conforms_to,
            "dct:relation": self.add_relations,
            "dcat:theme": self.add_profile_theme,
        }
        for profile_field in item.profile.dataset_fields:
            handler = handlers.get(profile_field.dcat or "")
            if handler is not None and item.get(profile_field.name) is not None:
                handler(ref, item, profile_field)
        self.add_temporal(ref, item)

    def add_frequency(self, ref: str, item: ProfiledDataset, profile_field: Field) -> None:
        choice = item.choice(profile_field.name)
        # dcat-ap's choices are EU codes themselves; cn-gov's carry theirs as `eu`.
        code = choice.extra.get("eu", choice.value) if choice else None
        if code not in FREQUENCY_LABELS:
            return
        node = self.concept(
            f"{EU_FREQUENCY}/{code}", DCT.Frequency, EU_FREQUENCY, {"en": FREQUENCY_LABELS[code]}
        )
        self.add(ref, DCT.accrualPeriodicity, node)

    def add_languages(self, ref: str, item: ProfiledDataset, profile_field: Field) -> None:
        for value in item.get(profile_field.name):
            choice = profile_field.choice(value)
            uri = choice.extra.get("uri") if choice else None
            if not uri or not uri.startswith(EU_LANGUAGE + "/"):
                continue
            code = uri.rsplit("/", 1)[-1]
            labels = {"en": LANGUAGE_LABELS.get(code, choice.label.get("en", code))}
            node = self.concept(uri, DCT.LinguisticSystem, EU_LANGUAGE, labels)
            self.add(ref, DCT.language, node)

    def add_spatial(self, ref: str, item: ProfiledDataset, profile_field: Field) -> None:
        text = str(item.get(profile_field.name)).strip()
        node = f"{ref}#spatial"
        self.add(ref, DCT.spatial, node)
        self.add(node, RDF.type, DCT.Location)
        self.add(node, SKOS.prefLabel, lit(text))
        self.add(node, LOCN.geographicName, lit(text))
        if text.isdigit() and len(text) == 6:  # an administrative division code (GB/T 2260)
            self.add(node, DCT.identifier, lit(text))

    def add_temporal(self, ref: str, item: ProfiledDataset) -> None:
        bounds = {
            f.dcat: item.get(f.name)
            for f in item.profile.dataset_fields
            if f.dcat in ("dcat:startDate", "dcat:endDate") and item.get(f.name)
        }
        if not bounds:
            return
        node = f"{ref}#temporal"
        self.add(ref, DCT.temporal, node)
        self.add(node, RDF.type, DCT.PeriodOfTime)
        self.add_date(node, DCAT.startDate, bounds.get("dcat:startDate"))
        self.add_date(node, DCAT.endDate, bounds.get("dcat:endDate"))

    def add_access_rights(self, ref: str, item: ProfiledDataset, profile_field: Field) -> None:
        choice = item.choice(profile_field.name)
        if choice is None:
            return
        if all(c.value in ACCESS_RIGHT_LABELS for c in profile_field.choices):
            labels = {"en": ACCESS_RIGHT_LABELS[choice.value]}
            uri = f"{EU_ACCESS_RIGHT}/{choice.value}"
            node = self.concept(uri, DCT.RightsStatement, EU_ACCESS_RIGHT, labels)
        else:
            # Not an EU access right (e.g. cn-gov's sharing types): a statement of its own,
            # with the conditions the profile attaches to it.
            node = f"{ref}#access-rights"
            self.add(node, RDF.type, DCT.RightsStatement)
            for lang, text in choice.label.items():
                self.add(node, RDFS.label, lit(text, lang))
            for name in ACCESS_NOTES:
                if item.get(name) and item.field(name) is not None:
                    self.add(node, RDFS.comment, lit(item.get(name), "zh"))
        self.add(ref, DCT.accessRights, node)

    def add_conforms_to(self, ref: str, item: ProfiledDataset, profile_field: Field) -> None:
        value = item.get(profile_field.name)
        if profile_field.preset == "items":
            self.add_data_items(ref, item, value)
            return
        url = v.iri(value)
        if url:
            self.add(ref, DCT.conformsTo, url)
            self.add(url, RDF.type, DCT.Standard)

    def add_data_items(self, ref: str, item: ProfiledDataset, items: list[dict]) -> None:
        """The data items as a table schema (CSVW columns) the dataset conforms to."""
        ns = self.profile_namespace(item.profile)
        schema = table_schema(self.triples, ref, "data-items", "信息项", "Data items")
        for position, entry in enumerate(items, 1):
            column = f"{ref}#data-item-{position}"
            self.add(schema, CSVW.column, column)
            self.add(column, RDF.type, CSVW.Column)
            self.add(column, CSVW.name, lit(entry["name"]))
            self.add(column, ns["item_position"], typed(position, XSD.integer))
            code = str(entry.get("type") or "")
            if code in ITEM_DATATYPES:
                self.add(column, CSVW.datatype, ITEM_DATATYPES[code])
                self.add(column, ns["item_type"], lit(code))
            length = entry.get("length")
            if isinstance(length, int) and not isinstance(length, bool) and length >= 0:
                self.add(column, ns["item_length"], typed(length, XSD.integer))
            if entry.get("description"):
                self.add(column, DCT.description, lit(entry["description"]))

    def add_relations(self, ref: str, item: ProfiledDataset, profile_field: Field) -> None:
        for code in item.get(profile_field.name):
            node = v.resource_code_uri(self.site_url, code)
            self.add(ref, DCT.relation, node)
            self.add(node, DCT.identifier, lit(code))

    def add_profile_theme(self, ref: str, item: ProfiledDataset, profile_field: Field) -> None:
        """A select field mapped to dcat:theme: a concept of the profile's own taxonomy."""
        choice = item.choice(profile_field.name)
        if choice is None:
            return
        scheme = f"{self.site_url}/ns/{item.profile.name}/{profile_field.name}"
        node = self.concept(f"{scheme}/{choice.value}", SKOS.Concept, scheme, choice.label)
        self.add_scheme(scheme, profile_field.label)
        self.add(ref, DCAT.theme, node)

    def add_portal_properties(self, ref: str, item: ProfiledDataset) -> None:
        """Profile fields DCAT has no exact property for, under the profile's namespace."""
        fields = [f for f in item.profile.dataset_fields if _needs_portal_property(f)]
        if not fields:
            return
        ns = self.profile_namespace(item.profile)
        for profile_field in fields:
            value = item.get(profile_field.name)
            for one in value if isinstance(value, list) else [value]:
                if one not in v.EMPTY:
                    self.add(ref, ns[profile_field.name], lit(one))

    # --- distributions --------------------------------------------------------------------

    def add_distribution(self, dataset: dict[str, Any], resource: dict[str, Any]) -> str:
        page = f"{v.dataset_page(self.site_url, dataset)}/resource/{resource['id']}"
        ref = f"{v.dataset_uri(self.site_url, dataset)}/resource/{resource['id']}"
        self.add(ref, RDF.type, DCAT.Distribution)
        url = v.iri(resource.get("url"))
        # dcat:accessURL is mandatory: a resource without a usable URL is reached via its page.
        self.add(ref, DCAT.accessURL, url or page)
        if url and resource.get("url_type") == "upload":
            self.add(ref, DCAT.downloadURL, url)
        if resource.get("name"):
            self.add(ref, DCT.title, lit(resource["name"]))
        if resource.get("description"):
            self.add(ref, DCT.description, lit(resource["description"]))
        self.add_date(ref, DCT.issued, resource.get("created"))
        self.add_date(ref, DCT.modified, resource.get("last_modified") or resource.get("created"))
        self.add_formats(ref, resource)
        self.add_byte_size(ref, resource)
        self.add_checksum(ref, resource)
        self.add_license(ref, dataset, resource)
        return ref

    def add_formats(self, ref: str, resource: dict[str, Any]) -> None:
        code = file_type(resource.get("format"), resource.get("mimetype"))
        if code:
            uri = f"{EU_FILE_TYPE}/{code}"
            node = self.concept(uri, DCT.MediaTypeOrExtent, EU_FILE_TYPE, {"en": code})
            self.add(ref, DCT.format, node)
        media = (
            media_type(resource.get("mimetype"))
            or media_type(resource.get("media_type"))
            or FILE_TYPE_MEDIA.get(code or "")
        )
        if media:
            node = IANA_MEDIA_TYPES + media
            self.add(ref, DCAT.mediaType, node)
            if self.first_time(node):
                self.add(node, RDF.type, DCT.MediaType)

    def add_byte_size(self, ref: str, resource: dict[str, Any]) -> None:
        size = resource.get("size")
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            self.add(ref, DCAT.byteSize, typed(size, XSD.nonNegativeInteger))

    def add_checksum(self, ref: str, resource: dict[str, Any]) -> None:
        digest = v.sha256_hex(resource.get("hash"))
        if not digest:
            return
        node = f"{ref}#checksum"
        algorithm = SPDX.checksumAlgorithm_sha256
        self.add(ref, SPDX.checksum, node)
        self.add(node, RDF.type, SPDX.Checksum)
        self.add(node, SPDX.algorithm, algorithm)
        self.add(node, SPDX.checksumValue, typed(digest, XSD.hexBinary))
        if self.first_time(algorithm):
            self.add(algorithm, RDF.type, SPDX.ChecksumAlgorithm)

    def add_license(self, ref: str, dataset: dict[str, Any], resource: dict[str, Any]) -> None:
        own = v.iri(resource.get("license"))
        uri = own or v.license_uri(self.site_url, dataset)
        if not uri:
            return
        self.add(ref, DCT.license, uri)
        if self.first_time(uri):
            self.add(uri, RDF.type, DCT.LicenseDocument)
            if not own and dataset.get("license_title"):
                self.add(uri, DCT.title, lit(dataset["license_title"]))
            if not own and dataset.get("license_id"):
                self.add(uri, DCT.identifier, lit(dataset["license_id"]))


def _needs_portal_property(profile_field: Field) -> bool:
    if profile_field.preset == "items":
        return False
    if profile_field.dcat is None or profile_field.dcat in LOSSY_MAPPINGS:
        return True
    # An access-rights field whose choices are not EU access rights (cn-gov's sharing type).
    return profile_field.dcat == "dct:accessRights" and not all(
        c.value in ACCESS_RIGHT_LABELS for c in profile_field.choices
    )


def dataset_triples(
    site_url: str, dataset: dict[str, Any], references: dict[str, list[str]] | None = None
) -> Triples:
    """The statements of one dataset on its own (the /dataset/<name>.ttl document)."""
    builder = DatasetGraph(site_url, references=references or {})
    builder.add_dataset(dataset)
    return builder.triples


def dataset_graph(site_url: str, dataset: dict[str, Any]) -> Graph:
    """One dataset as an rdflib Graph."""
    return dataset_triples(site_url, dataset).to_graph()
