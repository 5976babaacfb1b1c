"""DCAT-AP feeds against the real specs: the demo catalog plus datasets of both metadata profiles
(cn-gov with all its fields, dcat-ap with its DCAT fields), serialized as the portal serves it,
validated with pyshacl against the official DCAT-AP 3.0.1 shapes, parsed back from every
format, paged with hydra, filtered with modified_since; private datasets never appear.

The catalog is built once per module (loading the demo takes a while): the tests here only
read it. Profile fields are sent at the top level of package_create; while the actions do not
accept them yet, `create_profiled` stores them as extras of the same name (as the web form
does meanwhile) and the feeds read them from there. `test_profile_fields_reach_the_feed_
through_package_show` is the one that needs the wiring and skips until it is there.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import SHARED, TEST_DATABASE_URL, _empty_postgres, make_user, site_context
from flask import Flask
from flask.testing import FlaskClient
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS

from portal import create_app
from portal.actions import call
from portal.config import Settings
from portal.demo import content
from portal.demo.loader import load_demo
from portal.errors import ValidationError
from portal.feeds.dcat_dataset import dataset_graph
from portal.search import index as search_index
from schemas.profiles import profile_for_type

SPECS = SHARED / "specs" / "dcat-ap-3.0.1"
# Plain namespaces: rdflib's DCAT and XSD warn on every unknown attribute, which pytest probes.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
SH = Namespace("http://www.w3.org/ns/shacl#")
EU = "http://publications.europa.eu/resource/authority/"
FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}

# --- the catalog under test ------------------------------------------------------------------


def cn_gov_payload(org: str, theme: str) -> dict[str, Any]:
    """A government information resource with every cn-gov field filled in."""
    return {
        "name": "population-register-catalog",
        "type": "cn-gov",
        "title": "全省常住人口基础信息",
        "title_en": "Resident population register",
        "notes": "全省常住人口的基础信息，按县（市、区）汇总，每月更新。",
        "owner_org": org,
        "tags": [{"name": "人口"}, {"name": "户籍"}],
        "groups": [{"name": theme}],
        "maintainer": "省公安厅人口管理处",
        "maintainer_email": "renkou@gat.example.gov.cn",
        "license_id": "gov-open-data",
        "resources": [
            {
                "url": "https://gat.example.gov.cn/opendata/population.xlsx",
                "name": "常住人口统计表",
                "format": "XLSX",
                "description": "按县（市、区）汇总的常住人口统计。",
            },
            {
                "url": "https://gat.example.gov.cn/api/population",
                "name": "常住人口查询接口",
                "format": "API",
                "mimetype": "application/json",
            },
        ],
        "resource_category": "basic",
        "category_code": "1010010",
        "resource_code": "1010010001/000123",
        "resource_format": "spreadsheet",
        "data_items": [
            {"name": "行政区划代码", "type": "C", "length": 6, "description": "GB/T 2260"},
            {"name": "常住人口数", "type": "I", "length": 10, "description": "单位为人"},
            {"name": "统计日期", "type": "D"},
            {"name": "人均可支配收入", "type": "Y", "length": 12},
        ],
        "share_type": "conditional",
        "share_condition": "仅限政务部门履行职责使用",
        "share_method": ["download", "api"],
        "open_to_public": "yes",
        "open_type": "conditional",
        "open_condition": "经申请并签署数据使用协议后开放",
        "update_cycle": "monthly",
        "issued": "2024-03-01",
        "related_codes": ["1010010001/000124", "2020010001/000001"],
    }


def cn_gov_closed_payload(org: str) -> dict[str, Any]:
    """Shared between departments only: not open to the public, private in the portal."""
    return {
        "name": "tax-arrears-register",
        "type": "cn-gov",
        "title": "欠税企业登记信息",
        "notes": "欠税企业的登记信息，仅在部门间共享。",
        "owner_org": org,
        "private": True,
        "maintainer_email": "shuiwu@example.gov.cn",
        "resource_category": "departmental",
        "resource_code": "3010010001/000009",
        "share_type": "not_shared",
        "share_condition": "《中华人民共和国税收征收管理法》第八条",
        "open_to_public": "no",
        "open_type": "not_open",
        "update_cycle": "quarterly",
    }


def dcat_ap_payload(org: str, theme: str) -> dict[str, Any]:
    """A dataset of the default dcat-ap profile with its DCAT fields."""
    return {
        "name": "air-quality-daily-report-2024",
        "type": "dataset",
        "title": "2024年全省空气质量日报",
        "title_en": "Daily air quality 2024",
        "notes": "全省各城市空气质量指数（AQI）及首要污染物日报。",
        "owner_org": org,
        "tags": [{"name": "空气质量"}, {"name": "AQI"}],
        "groups": [{"name": theme}],
        "maintainer": "省生态环境厅监测处",
        "maintainer_email": "jiance@sthj.example.gov.cn",
        "license_id": "cc-by-4.0",
        "version": "2.0",
        "resources": [
            {
                "url": "https://sthj.example.gov.cn/opendata/aqi-2024.csv",
                "name": "空气质量日报",
                "format": "CSV",
                "mimetype": "text/csv",
            }
        ],
        "issued": "2024-01-05",
        "frequency": "DAILY",
        "language": ["zh", "en"],
        "spatial": "370000",
        "temporal_start": "2024-01-01",
        "temporal_end": "2024-12-31",
        "access_rights": "PUBLIC",
        "conforms_to": "https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/201203/t20120302_224166.shtml",
    }


def create_profiled(app: Flask, payload: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """package_create with the profile fields at the top level; while the actions reject them
    as unknown, again with those fields as extras. Returns (dataset, accepted at top level)."""
    profile = profile_for_type(payload.get("type"))
    try:
        return call("package_create", site_context(app), dict(payload)), True
    except ValidationError as exc:
        unknown = {k for k, v in exc.errors.items() if v == ["Unknown field."]}
        if not unknown or not unknown <= profile.field_names:
            raise
    data = {k: v for k, v in payload.items() if k not in profile.field_names}
    data["extras"] = [{"key": k, "value": payload[k]} for k in profile.field_names if k in payload]
    return call("package_create", site_context(app), data), False


def module_app(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, **extra: Any
) -> Flask:
    """An app on a fresh instance of its own (as conftest's `app`, for a whole module)."""
    instance = tmp_path_factory.mktemp("feeds") / "instance"
    instance.mkdir()
    if TEST_DATABASE_URL:
        database_url = request.getfixturevalue("migrated_postgres")
    else:
        shutil.copy(request.getfixturevalue("migrated_sqlite"), instance / "portal.db")
        database_url = f"sqlite:///{instance / 'portal.db'}"
    settings = Settings.from_env(
        {}, instance=instance, database_url=database_url, queue_url="memory://", extra=extra
    )
    app = create_app(settings)
    app.config["TESTING"] = True
    if TEST_DATABASE_URL:
        _empty_postgres(app)
    return app


@pytest.fixture(scope="module")
def feed_app(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    """The demo catalog plus the profiled datasets, in an app of this module's own."""
    app = module_app(tmp_path_factory, request)
    # The demo goes in with indexing paused and is indexed in one pass afterwards: one index
    # commit per dataset costs minutes on a busy disk. The profiled datasets below are indexed
    # the usual way, after each commit.
    listeners = app.extensions["portal.dataset_listeners"]
    saved = list(listeners)
    listeners.clear()
    load_demo(site_context(app), progress=lambda _message: None)
    listeners.extend(saved)
    search_index.reindex(app)
    departments = [d["name"] for d in content.departments()]
    themes = [t["name"] for t in content.themes()]
    made = {}
    made["cn"], top_level = create_profiled(app, cn_gov_payload(departments[0], themes[0]))
    made["closed"], _ = create_profiled(app, cn_gov_closed_payload(departments[1]))
    made["dcat"], _ = create_profiled(app, dcat_ap_payload(departments[2], themes[1]))
    app.extensions["feeds.test"] = {"made": made, "top_level": top_level}
    yield app
    app.extensions["portal.db"].dispose()


@pytest.fixture(scope="module")
def feed_client(feed_app: Flask) -> FlaskClient:
    return feed_app.test_client()


@pytest.fixture(scope="module")
def made(feed_app: Flask) -> dict[str, dict[str, Any]]:
    return feed_app.extensions["feeds.test"]["made"]


@pytest.fixture(scope="module")
def site(feed_app: Flask) -> str:
    return feed_app.extensions["portal.settings"].site_url


@pytest.fixture(scope="module")
def public_ids(feed_app: Flask) -> set[str]:
    """Ids of the public, active datasets, straight from the database."""
    from sqlalchemy import select

    from portal.catalog.models import Dataset

    with feed_app.extensions["portal.db"].factory() as session:
        rows = session.scalars(
            select(Dataset.id).where(Dataset.state == "active", Dataset.private.is_(False))
        )
        return set(rows)


@pytest.fixture(scope="module")
def private_ids(feed_app: Flask) -> set[str]:
    from sqlalchemy import select

    from portal.catalog.models import Dataset

    with feed_app.extensions["portal.db"].factory() as session:
        return set(session.scalars(select(Dataset.id).where(Dataset.private.is_(True))))


def fetch(client: FlaskClient, url: str, fmt: str = "ttl", status: int = 200) -> Graph:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:500])
    return Graph().parse(data=response.data, format=FORMATS[fmt])


def local(url: str) -> str:
    """A feed link (absolute, on the site URL) as a path for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def crawl(client: FlaskClient, url: str) -> Iterator[Graph]:
    """Follow hydra:next from `url` to the last page."""
    seen = set()
    while url:
        assert url not in seen, "hydra:next loops"
        seen.add(url)
        graph = fetch(client, url)
        yield graph
        following = list(graph.objects(None, HYDRA.next))
        url = local(str(following[0])) if following else ""


def dataset_ids(graph: Graph, site: str) -> set[str]:
    prefix = f"{site}/dataset/"
    return {str(s)[len(prefix) :] for s in graph.subjects(RDF.type, DCAT.Dataset)}


@pytest.fixture(scope="module")
def full_catalog(feed_client: FlaskClient) -> Graph:
    """Every page of the catalog feed, merged."""
    graph = Graph()
    for page in crawl(feed_client, "/catalog.ttl?rows=1000"):
        graph += page
    return graph


# --- SHACL -----------------------------------------------------------------------------------


def shapes(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(SPECS / name, format="turtle")
    return graph


def results(report: Graph, severity: URIRef) -> list[URIRef]:
    """The report's results of a severity (nested sh:detail results are part of their parent:
    a Warning-level sh:node check carries Violation-level details)."""
    found = report.objects(None, SH.result)
    return [r for r in found if report.value(r, SH.resultSeverity) == severity]


def describe(report: Graph, found: list[URIRef], limit: int = 5) -> str:
    lines = []
    for result in found[:limit]:
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        lines.append(f"{focus} {path}: {message}")
    return "\n".join(lines)


def shacl(data: Graph, shape_graph: Graph) -> Graph:
    _conforms, report, _text = validate(
        data, shacl_graph=shape_graph, inference="none", allow_warnings=True
    )
    return report


def test_catalog_has_zero_violations_of_the_dcat_ap_shapes(full_catalog: Graph) -> None:
    """dcat-ap-SHACL.ttl is the official all-in-one shapes file of DCAT-AP 3.0.1; shapes.ttl
    (mandatory constraints) with range.ttl (class ranges) is the combination the fixture README
    names. Both must report no sh:Violation on the whole catalog."""
    for names in (("dcat-ap-SHACL.ttl",), ("shapes.ttl", "range.ttl")):
        report = shacl(full_catalog, shapes(*names))
        violations = results(report, SH.Violation)
        assert not violations, f"{names}: {len(violations)}\n{describe(report, violations)}"
        print(f"{'+'.join(names)}: 0 violations, {len(results(report, SH.Warning))} warnings")


def test_catalog_meets_the_controlled_vocabularies(full_catalog: Graph) -> None:
    """mdr-vocabularies.shape.ttl: frequencies, languages, file types, media types come from the
    EU and IANA vocabularies. One violation class is exempt: its checksum-algorithm rule
    requires IRIs starting with https://spdx.org/rdf/terms, while SPDX's namespace, and the one
    DCAT 3 and DCAT-AP 3.0.1 use (spdx:checksumAlgorithm_sha256), is http://spdx.org/rdf/terms#
    (the file still carries owl:versionInfo 2.1.1; see SEMICeu/DCAT-AP issues 402 and 478)."""
    report = shacl(full_catalog, shapes("mdr-vocabularies.shape.ttl"))
    violations = [
        r
        for r in results(report, SH.Violation)
        if report.value(r, SH.resultPath) != SPDX.algorithm
        or report.value(r, SH.value) != SPDX.checksumAlgorithm_sha256
    ]
    assert not violations, describe(report, violations)
    recommended = shacl(full_catalog, shapes("shapes_recommended.ttl"))
    assert not results(recommended, SH.Violation)
    warnings = len(results(report, SH.Warning)) + len(results(recommended, SH.Warning))
    print(f"controlled vocabularies and recommended properties: {warnings} warnings")


def test_single_dataset_documents_are_valid(
    feed_client: FlaskClient, made: dict[str, dict[str, Any]]
) -> None:
    shape_graph = shapes("dcat-ap-SHACL.ttl")
    for key in ("cn", "dcat"):
        graph = fetch(feed_client, f"/dataset/{made[key]['name']}.ttl")
        report = shacl(graph, shape_graph)
        violations = results(report, SH.Violation)
        assert not violations, describe(report, violations)


# --- formats ---------------------------------------------------------------------------------


def same_page_links(graph: Graph, fmt: str) -> Graph:
    """The graph with its paging links written as the Turtle feed's (they name their format)."""

    def fix(term: Any) -> Any:
        if isinstance(term, (URIRef, Literal)) and f"/catalog.{fmt}?" in str(term):
            text = str(term).replace(f"/catalog.{fmt}?", "/catalog.ttl?")
            return URIRef(text) if isinstance(term, URIRef) else Literal(text)
        return term

    fixed = Graph()
    for triple in graph:
        fixed.add(tuple(fix(t) for t in triple))
    return fixed


def test_every_format_parses_back_to_the_same_graph(feed_client: FlaskClient) -> None:
    graphs = {
        fmt: same_page_links(fetch(feed_client, f"/catalog.{fmt}?rows=60", fmt), fmt)
        for fmt in FORMATS
    }
    assert len(graphs["ttl"]) > 2000
    assert isomorphic(graphs["ttl"], graphs["rdf"])
    assert isomorphic(graphs["ttl"], graphs["jsonld"])


def test_dataset_documents_match_the_rdflib_graph(
    feed_app: Flask, feed_client: FlaskClient, made: dict[str, dict[str, Any]], site: str
) -> None:
    """What the fast writers serve is exactly portal.feeds.dcat_dataset.dataset_graph()."""
    for key in ("cn", "dcat"):
        name = made[key]["name"]
        shown = call("package_show", site_context(feed_app), {"id": name})
        expected = dataset_graph(site, shown)
        for fmt in FORMATS:
            served = fetch(feed_client, f"/dataset/{name}.{fmt}", fmt)
            assert isomorphic(served, expected), (key, fmt)


def test_content_types(feed_client: FlaskClient, made: dict[str, dict[str, Any]]) -> None:
    name = made["dcat"]["name"]
    expected = {"ttl": "text/turtle", "rdf": "application/rdf+xml", "jsonld": "application/ld+json"}
    for fmt, media in expected.items():
        for url in (f"/catalog.{fmt}?rows=1", f"/dataset/{name}.{fmt}"):
            response = feed_client.get(url)
            assert response.mimetype == media, url
            assert response.mimetype_params.get("charset") == "utf-8"
    response = feed_client.get("/catalog", headers={"Accept": "application/ld+json"})
    assert response.status_code == 303 and response.location.endswith("/catalog.jsonld")
    response = feed_client.get("/catalog?rows=5", headers={"Accept": "*/*"})
    assert response.status_code == 303 and response.location.endswith("/catalog.ttl?rows=5")


# --- mapping ---------------------------------------------------------------------------------


def test_cn_gov_dataset_mapping(
    feed_client: FlaskClient, made: dict[str, dict[str, Any]], site: str
) -> None:
    dataset = made["cn"]
    graph = fetch(feed_client, f"/dataset/{dataset['name']}.ttl")
    ref = URIRef(f"{site}/dataset/{dataset['id']}")
    ns = Namespace(f"{site}/ns/cn-gov#")
    assert graph.value(ref, DCTERMS.identifier) == Literal("1010010001/000123")
    assert set(graph.objects(ref, DCTERMS.title)) == {
        Literal("全省常住人口基础信息", lang="zh"),
        Literal("Resident population register", lang="en"),
    }
    assert graph.value(ref, DCTERMS.description).language == "zh"
    assert {str(k) for k in graph.objects(ref, DCAT.keyword)} == {"人口", "户籍"}
    assert graph.value(ref, DCTERMS.accrualPeriodicity) == URIRef(f"{EU}frequency/MONTHLY")
    assert graph.value(ref, DCTERMS.issued) == Literal("2024-03-01", datatype=XSD.date)
    assert graph.value(ref, DCTERMS.modified).datatype == XSD.dateTime
    relations = {graph.value(r, DCTERMS.identifier) for r in graph.objects(ref, DCTERMS.relation)}
    assert relations == {Literal("1010010001/000124"), Literal("2020010001/000001")}
    # Publisher with its department code; contact point with a mailto: address.
    publisher = graph.value(ref, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in graph
    assert graph.value(publisher, DCTERMS.identifier) == Literal(content.departments()[0]["code"])
    contact = graph.value(ref, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:renkou@gat.example.gov.cn")
    # Themes: the portal group, and the resource category in the profile's own taxonomy.
    themes = set(graph.objects(ref, DCAT.theme))
    assert URIRef(f"{site}/group/{content.themes()[0]['name']}") in themes
    category = URIRef(f"{site}/ns/cn-gov/resource_category/basic")
    assert category in themes
    assert (category, SKOS.prefLabel, Literal("基础信息资源", lang="zh")) in graph
    # Sharing type: a rights statement carrying the conditions.
    rights = graph.value(ref, DCTERMS.accessRights)
    assert (rights, RDF.type, DCTERMS.RightsStatement) in graph
    assert Literal("有条件共享", lang="zh") in set(graph.objects(rights, None))
    # Data items: a table schema the dataset conforms to, one column per item, in order.
    schema = next(
        s for s in graph.objects(ref, DCTERMS.conformsTo) if str(s).endswith("#data-items")
    )
    assert (schema, RDF.type, DCTERMS.Standard) in graph
    columns = sorted(
        graph.objects(schema, CSVW.column),
        key=lambda c: graph.value(c, ns.item_position).toPython(),
    )
    assert [str(graph.value(c, CSVW.name)) for c in columns] == [
        "行政区划代码",
        "常住人口数",
        "统计日期",
        "人均可支配收入",
    ]
    assert graph.value(columns[1], CSVW.datatype) == XSD.integer
    assert graph.value(columns[0], ns.item_length) == Literal(6)
    # cn-gov specifics, exactly, under the profile namespace.
    assert graph.value(ref, ns.share_type) == Literal("conditional")
    assert {str(m) for m in graph.objects(ref, ns.share_method)} == {"download", "api"}
    assert graph.value(ref, ns.open_type) == Literal("conditional")
    assert graph.value(ref, ns.category_code) == Literal("1010010")


def test_dcat_ap_dataset_mapping(
    feed_client: FlaskClient, made: dict[str, dict[str, Any]], site: str
) -> None:
    dataset = made["dcat"]
    graph = fetch(feed_client, f"/dataset/{dataset['name']}.jsonld", "jsonld")
    ref = URIRef(f"{site}/dataset/{dataset['id']}")
    assert graph.value(ref, DCTERMS.identifier) == Literal(dataset["id"])
    assert set(graph.objects(ref, DCTERMS.language)) == {
        URIRef(f"{EU}language/ZHO"),
        URIRef(f"{EU}language/ENG"),
    }
    assert graph.value(ref, DCTERMS.accrualPeriodicity) == URIRef(f"{EU}frequency/DAILY")
    assert graph.value(ref, DCTERMS.accessRights) == URIRef(f"{EU}access-right/PUBLIC")
    period = graph.value(ref, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in graph
    assert graph.value(period, DCAT.startDate) == Literal("2024-01-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2024-12-31", datatype=XSD.date)
    place = graph.value(ref, DCTERMS.spatial)
    assert (place, RDF.type, DCTERMS.Location) in graph
    standard = graph.value(ref, DCTERMS.conformsTo)
    assert (standard, RDF.type, DCTERMS.Standard) in graph
    assert graph.value(ref, DCAT.version) == Literal("2.0")
    distribution = graph.value(ref, DCAT.distribution)
    assert graph.value(distribution, DCAT.accessURL) == URIRef(
        "https://sthj.example.gov.cn/opendata/aqi-2024.csv"
    )
    assert graph.value(distribution, DCTERMS.format) == URIRef(f"{EU}file-type/CSV")
    assert graph.value(distribution, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/text/csv"
    )
    licence = graph.value(distribution, DCTERMS.license)
    assert licence == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in graph


def test_uploaded_files_have_download_url_size_and_checksum(
    full_catalog: Graph, feed_app: Flask
) -> None:
    """The demo's resources are uploads: downloadURL, byteSize and a SHA-256 checksum."""
    distributions = list(full_catalog.subjects(RDF.type, DCAT.Distribution))
    uploads = [d for d in distributions if full_catalog.value(d, DCAT.downloadURL)]
    assert len(uploads) > 100
    for dist in uploads[:20]:
        size = full_catalog.value(dist, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger and size.toPython() > 0
        checksum = full_catalog.value(dist, SPDX.checksum)
        assert full_catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = full_catalog.value(checksum, SPDX.checksumValue)
        assert value.datatype == XSD.hexBinary and len(str(value)) == 64
        assert full_catalog.value(dist, DCTERMS.license) is not None
        download = str(full_catalog.value(dist, DCAT.downloadURL))
        assert full_catalog.value(dist, DCAT.accessURL) == URIRef(download)


def test_catalog_node(full_catalog: Graph, site: str) -> None:
    catalog = URIRef(f"{site}/catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in full_catalog
    assert full_catalog.value(catalog, FOAF.homepage) == URIRef(f"{site}/")
    assert full_catalog.value(catalog, DCTERMS.publisher) is not None
    assert full_catalog.value(catalog, DCTERMS.modified).datatype == XSD.dateTime
    assert URIRef(f"{site}/group") in set(full_catalog.objects(catalog, DCAT.themeTaxonomy))
    listed = set(full_catalog.objects(catalog, DCAT.dataset))
    assert listed == set(full_catalog.subjects(RDF.type, DCAT.Dataset))


def test_profile_namespace_is_served(feed_client: FlaskClient, site: str) -> None:
    graph = fetch(feed_client, "/ns/cn-gov")
    term = URIRef(f"{site}/ns/cn-gov#share_type")
    assert (term, RDF.type, RDF.Property) in graph
    assert Literal("共享类型", lang="zh") in set(graph.objects(term, None))
    assert feed_client.get("/ns/no-such-profile").status_code == 404


# --- paging, filters, visibility -------------------------------------------------------------


def test_paging_with_hydra(feed_client: FlaskClient, public_ids: set[str], site: str) -> None:
    pages = list(crawl(feed_client, "/catalog.ttl?rows=50"))
    assert len(pages) == -(-len(public_ids) // 50)
    found: list[str] = []
    for number, graph in enumerate(pages, 1):
        view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
        assert (view, RDF.type, HYDRA.PagedCollection) in graph
        assert graph.value(view, HYDRA.totalItems).toPython() == len(public_ids)
        assert graph.value(view, HYDRA.itemsPerPage).toPython() == 50
        assert f"page={len(pages)}" in str(graph.value(view, HYDRA.last))
        assert str(graph.value(view, HYDRA.lastPage)) == str(graph.value(view, HYDRA.last))
        assert "page=1" in str(graph.value(view, HYDRA.first))
        has_previous = graph.value(view, HYDRA.previous) is not None
        assert has_previous == (number > 1)
        ids = dataset_ids(graph, site)
        assert len(ids) == (50 if number < len(pages) else len(public_ids) - 50 * (number - 1))
        found += ids
    assert len(found) == len(set(found)) and set(found) == public_ids
    beyond = feed_client.get(f"/catalog.ttl?rows=50&page={len(pages) + 1}")
    assert beyond.status_code == 404 and b"last page" in beyond.data


def test_default_page_size_is_100(feed_client: FlaskClient, public_ids: set[str]) -> None:
    graph = fetch(feed_client, "/catalog.jsonld", "jsonld")
    view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert graph.value(view, HYDRA.itemsPerPage).toPython() == 100
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == min(100, len(public_ids))
    assert graph.value(view, HYDRA.next) is not None


def modified_times(feed_app: Flask) -> list[datetime]:
    from sqlalchemy import select

    from portal.catalog.models import Dataset

    with feed_app.extensions["portal.db"].factory() as session:
        query = select(Dataset.metadata_modified).where(
            Dataset.state == "active", Dataset.private.is_(False)
        )
        return sorted(session.scalars(query), reverse=True)


def test_modified_since(feed_app: Flask, feed_client: FlaskClient, site: str) -> None:
    times = modified_times(feed_app)
    # A whole second as the threshold: "modified at or after it" then means the same for
    # engines that index seconds and for those that index finer.
    threshold = times[len(times) // 3].replace(microsecond=0)
    expected = sum(1 for t in times if t >= threshold)
    utc = threshold.strftime("%Y-%m-%dT%H:%M:%SZ")
    beijing = (threshold + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    for since in (utc, beijing):
        graph = fetch(
            feed_client, f"/catalog.ttl?rows=1000&modified_since={since.replace('+', '%2B')}"
        )
        view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
        assert graph.value(view, HYDRA.totalItems).toPython() == expected, since
        assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == expected
        for modified in graph.subjects(RDF.type, DCAT.Dataset):
            stamp = graph.value(modified, DCTERMS.modified).toPython()
            assert stamp.replace(microsecond=0) >= threshold
        assert "modified_since=" in str(graph.value(view, HYDRA.first))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    empty = fetch(feed_client, f"/catalog.ttl?modified_since={tomorrow}")
    assert not list(empty.subjects(RDF.type, DCAT.Dataset))
    everything = fetch(feed_client, "/catalog.ttl?rows=1&modified_since=2000-01-01")
    view = next(everything.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert everything.value(view, HYDRA.totalItems).toPython() == len(times)


def test_q_and_fq(feed_client: FlaskClient, made: dict[str, dict[str, Any]], site: str) -> None:
    org = made["dcat"]["organization"]["name"]
    graph = fetch(feed_client, f"/catalog.ttl?rows=1000&fq=organization:{org}")
    publishers = {graph.value(d, DCTERMS.publisher) for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert publishers == {URIRef(f"{site}/organization/{org}")}
    graph = fetch(feed_client, "/catalog.ttl?q=空气质量")
    assert made["dcat"]["id"] in dataset_ids(graph, site)


def test_private_datasets_never_appear(
    feed_app: Flask,
    feed_client: FlaskClient,
    full_catalog: Graph,
    private_ids: set[str],
    made: dict[str, dict[str, Any]],
    site: str,
) -> None:
    assert made["closed"]["id"] in private_ids and len(private_ids) > 5
    assert not dataset_ids(full_catalog, site) & private_ids
    text = full_catalog.serialize(format="nt")
    assert not any(i in text for i in private_ids)
    # Not for a sysadmin either: the catalog is the public catalog whoever asks.
    admin = make_user(feed_app, "feeds-sysadmin", sysadmin=True)
    response = feed_client.get("/catalog.ttl?rows=1000", headers=admin.headers)
    assert not any(i.encode() in response.data for i in private_ids)
    # The single-dataset documents follow package_show: 404 for whoever may not see it.
    closed = made["closed"]["name"]
    for fmt in (*FORMATS, "schemaorg.jsonld"):
        assert feed_client.get(f"/dataset/{closed}.{fmt}").status_code == 404
    assert feed_client.get(f"/dataset/{closed}.ttl", headers=admin.headers).status_code == 200
    assert feed_client.get("/dataset/no-such-dataset.ttl").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", b"page must be at least 1"),
        ("page=two", b"page must be a whole number"),
        ("rows=0", b"rows must be between 1 and 1000"),
        ("rows=1001", b"rows must be between 1 and 1000"),
        ("rows=1000&page=99999999", b"page is too large"),
        ("modified_since=yesterday", b"modified_since must be an ISO date"),
        ("fq=organization:(", b"could not be understood"),
        ("q=nosuchfield:x", b"could not be understood"),
    ],
)
def test_bad_parameters_are_400(feed_client: FlaskClient, query: str, message: bytes) -> None:
    response = feed_client.get(f"/catalog.ttl?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert message in response.data


def test_profile_fields_reach_the_feed_through_package_show(
    feed_app: Flask, made: dict[str, dict[str, Any]]
) -> None:
    """Needs the profile fields wired into the actions (package_create/package_show)."""
    if not feed_app.extensions["feeds.test"]["top_level"]:
        pytest.skip("the actions do not accept profile fields at the top level yet")
    shown = call("package_show", site_context(feed_app), {"id": made["cn"]["name"]})
    assert shown["resource_code"] == "1010010001/000123"
    assert shown["data_items"][0]["name"] == "行政区划代码"
    assert shown["share_method"] == ["download", "api"]
    assert not any(e["key"] == "resource_code" for e in shown.get("extras") or [])
